"""Booking's ways back from the guided consents flow (`core.returns`): the
page of a time the patient holds, and the book page with the time they
picked for a request. Each answers only for the patient's own objects."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import returns
from core.returns import ReturnTo
from core.timeutils import format_short

from .forms.patient import picked_start
from .selectors_patient import appointment_get_for_patient, bookable_offering_get, proposal_get_for_patient
from .states import AppointmentStatus

S = AppointmentStatus


def book_url(offering, picked=None) -> str:
    """The book page, with the time picked (a request not sent yet)."""
    url = reverse("booking:book", args=[offering.public_id])
    return f"{url}?{urlencode({'at': picked.isoformat()})}" if picked is not None else url


def appointment_return(user, kwargs, query) -> ReturnTo | None:
    """Back to one of the patient's appointments: the hold to confirm."""
    try:
        appointment = appointment_get_for_patient(patient=user, public_id=kwargs["public_id"])
    except Http404:
        return None
    facts = {
        "url": reverse("booking:patient-appointment", args=[appointment.public_id]),
        "specialist": appointment.specialist,
        "offering": appointment.offering,
    }
    if appointment.status == S.HELD and appointment.expires_at > timezone.now():
        return ReturnTo(label=_("Back to your booking"), held_until=appointment.expires_at, **facts)
    if appointment.status in (S.HELD, S.EXPIRED):
        note = _("The time you picked is no longer held: the hold ran out. Your booking shows the nearest free times.")
        return ReturnTo(label=_("Back to your booking"), note=note, **facts)
    return ReturnTo(label=_("Back to your appointment"), **facts)


def book_return(user, kwargs, query) -> ReturnTo | None:
    """Back to the book page of a service, with the time picked."""
    try:
        offering = bookable_offering_get(patient=user, public_id=kwargs["public_id"])
    except Http404:
        return None
    picked = picked_start(query.get("at"))
    facts = {"url": book_url(offering, picked), "specialist": offering.specialist, "offering": offering}
    if picked is None or offering.booking_mode != offering.BookingMode.ON_REQUEST:
        return ReturnTo(label=_("Back to booking"), **facts)
    note = _("You picked %(when)s. Nothing is sent to %(name)s until you send your request.") % {
        "when": format_short(picked, user.timezone),
        "name": offering.specialist.display_name,
    }
    return ReturnTo(label=_("Back to your request"), note=note, **facts)


def proposal_return(user, kwargs, query) -> ReturnTo | None:
    """Back to the times a specialist proposed, to accept one."""
    try:
        proposal = proposal_get_for_patient(patient=user, public_id=kwargs["public_id"])
    except Http404:
        return None
    note = _("The proposed times stay reserved for you until %(when)s.") % {
        "when": format_short(proposal.expires_at, user.timezone)
    }
    return ReturnTo(
        url=reverse("booking:patient-proposal", args=[proposal.public_id]),
        label=_("Back to the proposed times"),
        note=note,
        specialist=proposal.specialist,
        offering=proposal.offering,
    )


def register():
    returns.register("booking:patient-appointment", appointment_return)
    returns.register("booking:book", book_return)
    returns.register("booking:patient-proposal", proposal_return)
