"""The patient's side of booking: picking a time, confirming a hold, their
appointments, answering proposals and asking for other times.

Every view is for patients only; every id is looked up among the patient's
own objects (another person's is a 404). Bad input answers 422, a time or
an answer that lost a race 409, and nothing is written either way.
"""

from __future__ import annotations

import zoneinfo
from datetime import date
from email.utils import parseaddr

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from core.meetings import join_link
from core.payments import pay_url
from core.portals import Portal, portal_required
from core.returns import with_return
from core.services import audit_read
from core.threads import patient_thread_url
from core.timeutils import format_short, to_zone

from ..followup import follow_up_annotate, follow_up_for_appointment
from ..forms.patient import (
    AvailabilityRequestForm,
    CancelForm,
    ProposalAcceptForm,
    ProposalDeclineForm,
    RescheduleForm,
    SlotForm,
    picked_start,
)
from ..http import refusal_status
from ..ics import appointment_invite
from ..models import Proposal
from ..readiness import blockers_text, booking_blockers, readiness_annotate
from ..returns import book_url
from ..selectors import cancellation_window_hours
from ..selectors_patient import (
    appointment_events_for_patient,
    appointment_get_for_patient,
    appointment_sections_for_patient,
    bookable_offering_get,
    bookable_specialist_get,
    cancellation_policy_text,
    hold_has_lapsed,
    nearest_slot_times,
    proposal_get_for_patient,
    slot_page_for_offering,
    slot_time,
    times_after_lapsed_hold,
)
from ..services import (
    HOLD_MINUTES,
    SlotTaken,
    appointment_cancel,
    appointment_hold,
    appointment_hold_confirm,
    appointment_hold_release,
    appointment_request,
    appointment_reschedule,
    availability_request_create,
    check_bookable,
    is_late_cancellation,
    proposal_decline,
)
from ..services.scheduling import CANCELLABLE, RESCHEDULABLE
from ..states import AppointmentStatus

S = AppointmentStatus

BOOK_TEMPLATE = "booking/patient/book.html"
RESCHEDULE_TEMPLATE = "booking/patient/reschedule.html"
DETAIL_TEMPLATE = "booking/patient/appointment_detail.html"
PROPOSAL_TEMPLATE = "booking/patient/proposal.html"
SLOT_PICKER_TEMPLATE = "booking/_slot_picker.html"

# Booked for sure: what "Add to calendar" offers (a payment due may lapse).
CALENDAR_STATUSES = frozenset({S.CONFIRMED, S.IN_PROGRESS})


def _see_other(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _appointment_url(appointment) -> str:
    return reverse("booking:patient-appointment", args=[appointment.public_id])


def _flow_url(return_url: str) -> str:
    """The guided consents flow, coming back to `return_url` when done."""
    return with_return(reverse("consents:flow"), return_url)


def _from_on(request) -> date | None:
    try:
        return date.fromisoformat(request.GET.get("from", ""))
    except ValueError:
        return None


# --- Picking a time ---------------------------------------------------------------


def _picker_context(request, *, offering, action_url, picker_url, from_on=None, ignoring=None) -> dict:
    zone = request.user.timezone
    page = slot_page_for_offering(offering=offering, viewer_zone=zone, from_on=from_on, ignoring=ignoring)
    return {
        "offering": offering,
        "specialist": offering.specialist,
        "page": page,
        "action_url": action_url,
        "picker_url": picker_url,
        "patient_zone": zone,
        "specialist_zone": offering.specialist.user.timezone,
    }


def _book_context(request, offering, *, from_on=None, **extra) -> dict:
    on_request = offering.booking_mode == offering.BookingMode.ON_REQUEST
    action = "booking:request-time" if on_request else "booking:book"
    context = _picker_context(
        request,
        offering=offering,
        action_url=reverse(action, args=[offering.public_id]),
        picker_url=book_url(offering),
        from_on=from_on,
    )
    ask_url = reverse("booking:availability-request", args=[offering.specialist.slug])
    context.update(
        on_request=on_request,
        policy=cancellation_policy_text(offering.specialist),
        ask_url=f"{ask_url}?offering={offering.public_id}",
        hold_minutes=HOLD_MINUTES,
        **extra,
    )
    return context


def _render_picker(request, template: str, context: dict, status: int = 200):
    if request.htmx and not request.htmx.boosted:
        template = SLOT_PICKER_TEMPLATE
    return render(request, template, context, status=status)


def _before_booking(request, offering) -> dict:
    """What the book page says before any time is picked: what is due
    first (picking a time still works: it waits while the patient sees to
    it), and for a request, the time picked before that detour."""
    context = {}
    picked = picked_start(request.GET.get("at")) if offering.booking_mode == offering.BookingMode.ON_REQUEST else None
    blockers = booking_blockers(patient=request.user, offering=offering)
    if blockers:
        context.update(
            blockers_text=blockers_text(offering.specialist, blockers),
            flow_url=_flow_url(book_url(offering, picked)),
        )
    if picked is None:
        return context
    try:
        check_bookable(offering=offering, starts_at=picked, now=timezone.now())
    except ValidationError:
        nearest = nearest_slot_times(offering=offering, around=picked, viewer_zone=request.user.timezone)
        error = _("The time you picked is no longer free. Here are the nearest free times.")
        context.update(error=error, nearest=nearest, taken=True)
    else:
        context["picked"] = slot_time(picked, zoneinfo.ZoneInfo(request.user.timezone))
    return context


def _pick(request, offering, *, service):
    """Book or request the posted time, or show the picker again saying why not."""
    form = SlotForm(request.POST)
    if not form.is_valid():
        return render(request, BOOK_TEMPLATE, _book_context(request, offering, form=form), status=422)
    starts_at = form.cleaned_data["starts_at"]
    try:
        appointment = service(patient=request.user, offering=offering, starts_at=starts_at)
    except SlotTaken as taken:
        # The week of the time they wanted, with the nearest free ones above it.
        from_on = to_zone(starts_at, request.user.timezone).date()
        nearest = nearest_slot_times(offering=offering, around=starts_at, viewer_zone=request.user.timezone)
        context = _book_context(
            request, offering, from_on=from_on, error=taken.messages[0], nearest=nearest, taken=True
        )
        return render(request, BOOK_TEMPLATE, context, status=409)
    except ValidationError as error:
        if getattr(error, "code", None) == "not_ready":
            # A request waits for what is due first: the flow, then back to this time.
            messages.warning(request, error.messages[0])
            return _see_other(_flow_url(book_url(offering, starts_at)))
        context = _book_context(request, offering, error=error.messages[0])
        return render(request, BOOK_TEMPLATE, context, status=422)
    return appointment


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
@portal_required(Portal.PATIENT)
def book_view(request, public_id):
    """The free times of one offering; a picked time is held for the patient.
    With a consent or form due before booking, the patient goes through
    the guided flow while the time is held, and comes back to confirm."""
    offering = bookable_offering_get(patient=request.user, public_id=public_id)
    if request.method == "GET":
        extra = {} if request.htmx and not request.htmx.boosted else _before_booking(request, offering)
        return _render_picker(
            request, BOOK_TEMPLATE, _book_context(request, offering, from_on=_from_on(request), **extra)
        )
    result = _pick(request, offering, service=appointment_hold)
    if isinstance(result, HttpResponse):
        return result
    blockers = booking_blockers(patient=request.user, offering=offering)
    if blockers:  # the flow's page says until when the time is held
        messages.info(request, blockers_text(offering.specialist, blockers))
        return _see_other(_flow_url(_appointment_url(result)))
    return _see_other(_appointment_url(result))


@require_POST
@portal_required(Portal.PATIENT)
def request_time_view(request, public_id):
    """Ask for one free time of an on-request service."""
    offering = bookable_offering_get(patient=request.user, public_id=public_id)
    result = _pick(request, offering, service=appointment_request)
    if isinstance(result, HttpResponse):
        return result
    messages.success(
        request,
        _("Your request for %(when)s was sent. %(name)s will confirm it; we will let you know.")
        % {"when": format_short(result.starts_at, request.user.timezone), "name": offering.specialist.display_name},
    )
    return _see_other(_appointment_url(result))


# --- Holds ------------------------------------------------------------------------------


def _hold_gone(request, appointment, message: str):
    """The hold is no longer there to confirm or release: say so, and offer
    the free times nearest to it."""
    context = {
        "appointment": appointment,
        "message": message,
        "nearest": times_after_lapsed_hold(hold=appointment, viewer_zone=request.user.timezone),
        "book_url": book_url(appointment.offering),
    }
    return render(request, "booking/patient/hold_gone.html", context, status=409)


@require_POST
@portal_required(Portal.PATIENT)
def hold_confirm_view(request, public_id):
    appointment = appointment_get_for_patient(patient=request.user, public_id=public_id)
    if appointment.status in {S.CONFIRMED, S.AWAITING_PAYMENT}:  # a second click on "Confirm booking"
        return _see_other(pay_url(appointment) or _appointment_url(appointment))
    try:
        appointment = appointment_hold_confirm(appointment=appointment, by=request.user)
    except ValidationError as error:
        if getattr(error, "code", None) == "not_ready":  # still held: the page says what to do first
            context = _detail_context(request, appointment, error=error.messages[0])
            return render(request, DETAIL_TEMPLATE, context, status=409)
        return _hold_gone(request, appointment, error.messages[0])
    if appointment.status == S.AWAITING_PAYMENT:  # paid at booking: the payment confirms it
        return _see_other(pay_url(appointment))
    messages.success(request, _("Booked. We will email you the details."))
    return _see_other(_appointment_url(appointment))


@require_POST
@portal_required(Portal.PATIENT)
def hold_release_view(request, public_id):
    appointment = appointment_get_for_patient(patient=request.user, public_id=public_id)
    try:
        appointment_hold_release(appointment=appointment, by=request.user)
    except ValidationError as error:
        return _hold_gone(request, appointment, error.messages[0])
    return _see_other(reverse("booking:book", args=[appointment.offering.public_id]))


# --- The patient's appointments ------------------------------------------------------


@require_GET
@portal_required(Portal.PATIENT)
def appointment_list_view(request):
    sections = appointment_sections_for_patient(patient=request.user)
    readiness_annotate([*sections.payments_due, *sections.upcoming])
    follow_up_annotate(sections.past, patient=request.user)
    return render(request, "booking/patient/appointment_list.html", {"sections": sections})


def _hold_context(request, appointment, events, now) -> dict:
    """A hold's part of its page: what is due before it can be confirmed
    while it runs, the nearest free times once it ran out."""
    running = appointment.status == S.HELD and appointment.expires_at > now
    context = {"hold_running": running, "hold_lapsed": hold_has_lapsed(appointment, events, now)}
    if running:
        blockers = booking_blockers(patient=request.user, offering=appointment.offering)
        context.update(hold_blockers=blockers, complete_url=_flow_url(_appointment_url(appointment)))
    elif context["hold_lapsed"]:
        context.update(
            nearest=times_after_lapsed_hold(hold=appointment, viewer_zone=request.user.timezone),
            book_url=book_url(appointment.offering),
        )
    return context


def _detail_context(request, appointment, **extra) -> dict:
    now = timezone.now()
    is_live_time = appointment.starts_at > now
    events = appointment_events_for_patient(appointment=appointment)
    context = {
        "appointment": appointment,
        "specialist": appointment.specialist,
        "events": events,
        "policy": cancellation_policy_text(appointment.specialist),
        "window_hours": cancellation_window_hours(appointment.specialist),
        "specialist_time": format_short(appointment.starts_at, appointment.specialist_timezone),
        "patient_zone": request.user.timezone,
        "hold_minutes": HOLD_MINUTES,
        **_hold_context(request, appointment, events, now),
        "can_cancel": appointment.status in CANCELLABLE and (is_live_time or appointment.status == S.REQUESTED),
        "can_reschedule": appointment.status in RESCHEDULABLE and is_live_time,
        "can_add_to_calendar": appointment.status in CALENDAR_STATUSES,
        "cancel_is_late": appointment.status == S.CONFIRMED and is_late_cancellation(appointment, now),
        "cancel_form": CancelForm(),
        "follow_up": follow_up_for_appointment(appointment=appointment),
    }
    if appointment.status == S.AWAITING_PAYMENT and not appointment.can_pay_online:
        # Where to talk it over, if the pair has a thread yet.
        context["thread_url"] = patient_thread_url(patient=request.user, specialist=appointment.specialist)
    context.update(extra)
    return context


@require_GET
@portal_required(Portal.PATIENT)
def appointment_detail_view(request, public_id):
    appointment = appointment_get_for_patient(patient=request.user, public_id=public_id)
    audit_read(request, appointment)
    readiness_annotate([appointment])
    return render(request, DETAIL_TEMPLATE, _detail_context(request, appointment))


@require_POST
@portal_required(Portal.PATIENT)
def cancel_view(request, public_id):
    appointment = appointment_get_for_patient(patient=request.user, public_id=public_id)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return render(request, DETAIL_TEMPLATE, _detail_context(request, appointment, cancel_form=form), status=422)
    try:
        appointment = appointment_cancel(appointment=appointment, by=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        context = _detail_context(request, appointment, cancel_form=form, error=error.messages[0])
        return render(request, DETAIL_TEMPLATE, context, status=refusal_status(error))
    text = _("Cancelled. We have let %(name)s know.") % {"name": appointment.specialist.display_name}
    if appointment.is_late_cancellation:
        text += " " + _(
            "It was too close to the start to cancel free of charge, so it is recorded as a late cancellation."
        )
    messages.success(request, text)
    return _see_other(_appointment_url(appointment))


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
@portal_required(Portal.PATIENT)
def reschedule_view(request, public_id):
    """Move a booked session to another free time of the same service."""
    appointment = appointment_get_for_patient(patient=request.user, public_id=public_id)
    url = reverse("booking:patient-reschedule", args=[appointment.public_id])

    def page(status=200, *, from_on=None, **extra):
        context = _picker_context(
            request,
            offering=appointment.offering,
            action_url=url,
            picker_url=url,
            from_on=from_on,
            ignoring=appointment,
        )
        context.update(appointment=appointment, form=extra.pop("form", None) or RescheduleForm(), **extra)
        return _render_picker(request, RESCHEDULE_TEMPLATE, context, status)

    if appointment.status not in RESCHEDULABLE or appointment.starts_at <= timezone.now():
        return page(409, blocked=_("This appointment can no longer be moved."))
    if request.method == "GET":
        return page(from_on=_from_on(request))
    form = RescheduleForm(request.POST)
    if not form.is_valid():
        return page(422, form=form)
    starts_at = form.cleaned_data["starts_at"]
    try:
        appointment_reschedule(
            appointment=appointment, starts_at=starts_at, by=request.user, reason=form.cleaned_data["reason"]
        )
    except SlotTaken as taken:
        nearest = nearest_slot_times(
            offering=appointment.offering, around=starts_at, viewer_zone=request.user.timezone, ignoring=appointment
        )
        from_on = to_zone(starts_at, request.user.timezone).date()
        return page(409, from_on=from_on, form=form, error=taken.messages[0], nearest=nearest, taken=True)
    except ValidationError as error:
        return page(refusal_status(error), form=form, error=error.messages[0])
    messages.success(
        request,
        _("Moved to %(when)s. We have let %(name)s know.")
        % {"when": format_short(starts_at, request.user.timezone), "name": appointment.specialist.display_name},
    )
    return _see_other(_appointment_url(appointment))


@require_GET
@portal_required(Portal.PATIENT)
def appointment_ics_view(request, public_id):
    """The session as a calendar file: the same event (UID, SEQUENCE) as the
    invitations in the emails, so importing it twice updates one entry."""
    appointment = appointment_get_for_patient(patient=request.user, public_id=public_id)
    if appointment.status not in CALENDAR_STATUSES:
        raise Http404
    audit_read(request, appointment)
    url = request.build_absolute_uri(_appointment_url(appointment))
    description = _("Details and changes: %(url)s") % {"url": url}
    join = join_link(appointment, request.user)
    join_url = request.build_absolute_uri(join.url) if join is not None else ""
    if join_url:
        description = _("Join the session: %(join)s") % {"join": join_url} + "\n\n" + description
    invite = appointment_invite(
        appointment,
        method="REQUEST",
        summary=_("Session with %(name)s") % {"name": appointment.specialist.display_name},
        description=description,
        organizer_email=parseaddr(settings.DEFAULT_FROM_EMAIL)[1],
        attendee_email=request.user.email,
        url=join_url or url,
        location=join_url,
    )
    response = HttpResponse(invite, content_type="text/calendar; charset=utf-8; method=REQUEST")
    filename = f"session-{to_zone(appointment.starts_at, request.user.timezone):%Y-%m-%d-%H%M}.ics"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Proposals --------------------------------------------------------------------


def _proposal_page(request, proposal, status=200, **extra):
    now = timezone.now()
    is_open = proposal.status == Proposal.Status.OPEN and proposal.expires_at > now
    blockers = booking_blockers(patient=request.user, offering=proposal.offering) if is_open else []
    proposal_url = reverse("booking:patient-proposal", args=[proposal.public_id])
    context = {
        "proposal": proposal,
        "options": list(proposal.appointments.all()),
        "is_open": is_open,
        "blockers": blockers,
        "complete_url": _flow_url(proposal_url) if blockers else "",
        "decline_form": ProposalDeclineForm(),
        "patient_zone": request.user.timezone,
        "specialist_zone": proposal.specialist.user.timezone,
        "policy": cancellation_policy_text(proposal.specialist),
    }
    context.update(extra)
    return render(request, PROPOSAL_TEMPLATE, context, status=status)


@require_GET
@portal_required(Portal.PATIENT)
def proposal_view(request, public_id):
    proposal = proposal_get_for_patient(patient=request.user, public_id=public_id)
    audit_read(request, proposal)
    return _proposal_page(request, proposal)


@require_POST
@portal_required(Portal.PATIENT)
def proposal_accept_view(request, public_id):
    proposal = proposal_get_for_patient(patient=request.user, public_id=public_id)
    form = ProposalAcceptForm(request.POST)
    if not form.is_valid():
        return _proposal_page(request, proposal, 422, error=_("Please choose one of the proposed times."))
    try:
        chosen = form.save(proposal=proposal, by=request.user)
    except ValidationError as error:
        proposal.refresh_from_db()
        return _proposal_page(request, proposal, refusal_status(error), error=error.messages[0])
    messages.success(request, form.done_text(chosen, request.user.timezone))
    return _see_other(_appointment_url(chosen))


@require_POST
@portal_required(Portal.PATIENT)
def proposal_decline_view(request, public_id):
    proposal = proposal_get_for_patient(patient=request.user, public_id=public_id)
    form = ProposalDeclineForm(request.POST)
    if not form.is_valid():
        return _proposal_page(request, proposal, 422, decline_form=form)
    try:
        proposal_decline(proposal=proposal, by=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        return _proposal_page(request, proposal, refusal_status(error), decline_form=form, error=error.messages[0])
    messages.success(
        request,
        _("You declined the proposed times. We have let %(name)s know.") % {"name": proposal.specialist.display_name},
    )
    return _see_other(reverse("booking:patient-appointments"))


# --- Asking for other times ----------------------------------------------------------


@require_http_methods(["GET", "POST"])
@portal_required(Portal.PATIENT)
def availability_request_view(request, slug):
    specialist = bookable_specialist_get(patient=request.user, slug=slug)
    if request.method == "GET":
        form = AvailabilityRequestForm(specialist=specialist, initial={"offering": request.GET.get("offering")})
    else:
        form = AvailabilityRequestForm(request.POST, specialist=specialist)
    context = {"form": form, "specialist": specialist, "patient_zone": request.user.timezone}
    if request.method == "GET":
        return render(request, "booking/patient/availability_request.html", context)
    if form.is_valid():
        try:
            availability_request_create(
                patient=request.user,
                specialist=specialist,
                offering=form.cleaned_data["offering"],
                windows=form.cleaned_data["windows"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Your request was sent to %(name)s. Their answer will appear here.")
                % {"name": specialist.display_name},
            )
            return _see_other(reverse("booking:patient-appointments"))
    return render(request, "booking/patient/availability_request.html", context, status=422)
