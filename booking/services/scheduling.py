"""Booking as people do it: holds, requests, proposals, cancelling,
rescheduling, the payment gate and expiry.

Every status change goes through `appointment_transition`; these services
decide which one, check the person may make it, and check the time against
the specialist's availability. A time that is not free is refused with a
message saying why (passed, too soon, too far ahead, outside the hours),
and a time another booking took first with `SlotTaken`.
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time, timedelta
from itertools import pairwise

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from core import events
from core.payments import payment_due_before_confirmation, payments_available_for
from core.services import journey_event_record
from specialists.models import Offering, SpecialistProfile

from .. import selectors
from ..models import Appointment, AppointmentEvent, AvailabilityRequest, Proposal
from ..readiness import blockers_text, booking_blockers
from ..slots import validate_local_start
from ..states import EXPIRING, AppointmentStatus
from .appointments import (
    REASON_MAX_LENGTH,
    SlotTaken,
    _refuse_overlap,
    _save,
    appointment_create,
    appointment_transition,
)

S = AppointmentStatus

# A self-booking holds its time this long while the patient confirms.
HOLD_MINUTES = 10
# A booking that waits for payment lapses after this, or at its start if sooner.
PAYMENT_WINDOW = timedelta(hours=24)
# A self-booking paid at booking keeps its time this long on the payment page.
PAY_AT_BOOKING_WINDOW = timedelta(minutes=15)
MAX_PROPOSED_TIMES = 5
MAX_REQUEST_WINDOWS = 3
NOTE_MAX_LENGTH = 2000


# --- Checking a time -------------------------------------------------------------


def check_bookable(*, offering: Offering, starts_at: datetime, now: datetime, ignoring=None) -> None:
    """Raise a ValidationError saying why `starts_at` cannot be booked, or
    `SlotTaken` if it is within the hours but another booking has it."""
    settings = selectors.booking_settings_for(offering.specialist)
    if starts_at <= now:
        raise ValidationError(_("That time has already passed. Please pick a time in the future."), code="past")
    if starts_at < now + timedelta(minutes=settings.minimum_notice_minutes):
        raise ValidationError(
            _("%(name)s needs at least %(notice)s notice. Please pick a later time."),
            code="notice",
            params={
                "name": offering.specialist.display_name,
                "notice": _duration_words(settings.minimum_notice_minutes),
            },
        )
    if starts_at >= now + timedelta(days=settings.horizon_days):
        raise ValidationError(
            _("Sessions can be booked at most %(days)d days ahead."),
            code="horizon",
            params={"days": settings.horizon_days},
        )
    if selectors.is_free_start(offering=offering, starts_at=starts_at, now=now, ignoring=ignoring):
        return
    if _within_hours(offering, starts_at, now):
        raise SlotTaken
    raise ValidationError(
        _("That time is outside %(name)s's available hours. Please pick one of the times shown."),
        code="unavailable",
        params={"name": offering.specialist.display_name},
    )


def _within_hours(offering: Offering, starts_at: datetime, now: datetime) -> bool:
    """Whether the time would be free if no appointment held it."""
    day = selectors.specialist_local_date(offering.specialist, starts_at)
    return starts_at in selectors.working_starts_for_offering(offering=offering, on=day, now=now)


def _duration_words(minutes: int) -> str:
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return _("%(n)d day") % {"n": days} if days == 1 else _("%(n)d days") % {"n": days}
    if minutes % 60 == 0:
        hours = minutes // 60
        return _("%(n)d hour") % {"n": hours} if hours == 1 else _("%(n)d hours") % {"n": hours}
    return _("%(n)d minutes") % {"n": minutes}


def parse_local_start(*, day: date, at: time, zone_name: str) -> datetime:
    """A wall-clock start typed by someone in `zone_name`, as UTC; a time
    that does not exist or happens twice (a DST change) is refused."""
    try:
        return validate_local_start(day, at, zoneinfo.ZoneInfo(zone_name))
    except ValueError as error:
        raise ValidationError(str(error), code="dst") from error


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Please give a reason."), code="reason_required")
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            _("Please keep the reason under %(limit)d characters."), params={"limit": REASON_MAX_LENGTH}
        )
    return reason


def _require_status(appointment: Appointment, allowed: set, message) -> None:
    if appointment.status not in allowed:
        raise ValidationError(message, code="wrong_status")


# --- Direct self-booking ---------------------------------------------------------


def appointment_hold(*, patient, offering: Offering, starts_at: datetime, now: datetime | None = None) -> Appointment:
    """Hold a free time for `patient` for a few minutes while they confirm.

    A patient holds one time at a time: picking another releases the
    previous hold. It is released before the new time is checked, so a
    hold that ran out (and the sweep has not reached yet) does not stand
    in the way of picking the same time again; a refused pick keeps it.
    Anything due before booking does not stop a hold, only its
    confirmation: the time waits while the patient sees to it.
    """
    now = now or timezone.now()
    if offering.booking_mode != Offering.BookingMode.DIRECT:
        raise ValidationError(_("This service is booked on request. Please send a request instead."), code="on_request")
    with transaction.atomic():
        for previous in Appointment.objects.filter(patient=patient, status=S.HELD):
            appointment_transition(
                appointment=previous, to=S.CANCELLED, by=patient, reason=gettext_noop("Picked another time")
            )
        check_bookable(offering=offering, starts_at=starts_at, now=now)
        return appointment_create(
            patient=patient,
            offering=offering,
            starts_at=starts_at,
            status=S.HELD,
            by=patient,
            expires_at=now + timedelta(minutes=HOLD_MINUTES),
        )


def appointment_hold_confirm(*, appointment: Appointment, by, now: datetime | None = None) -> Appointment:
    """The patient confirms their hold: the session is booked, unless a
    consent or form due before booking is still missing (`not_ready`; the
    hold stays, to be confirmed once it is done). Where it is paid at
    booking (`core.payments`) it waits for the payment instead, its time
    kept a little longer while the patient pays; the payment confirms it."""
    now = now or timezone.now()
    _require_status(appointment, {S.HELD}, _("This time is no longer held for you. Please pick a time again."))
    if appointment.expires_at <= now:
        appointment_transition(appointment=appointment, to=S.EXPIRED, by=None, reason=gettext_noop("Hold ran out"))
        raise ValidationError(
            _("We held this time for %(minutes)d minutes and it has run out. Please pick a time again."),
            code="hold_expired",
            params={"minutes": HOLD_MINUTES},
        )
    _require_ready(patient=appointment.patient, offering=appointment.offering)
    if payment_due_before_confirmation(appointment):
        deadline = min(now + PAY_AT_BOOKING_WINDOW, appointment.starts_at)
        return appointment_transition(appointment=appointment, to=S.AWAITING_PAYMENT, by=by, expires_at=deadline)
    return appointment_transition(appointment=appointment, to=S.CONFIRMED, by=by)


def _require_ready(*, patient, offering: Offering) -> None:
    blockers = booking_blockers(patient=patient, offering=offering)
    if blockers:
        raise ValidationError(blockers_text(offering.specialist, blockers), code="not_ready")


def appointment_hold_release(*, appointment: Appointment, by) -> Appointment:
    """The patient goes back to pick another time."""
    _require_status(appointment, {S.HELD}, _("This time is no longer held for you."))
    return appointment_transition(
        appointment=appointment, to=S.CANCELLED, by=by, reason=gettext_noop("Released the hold")
    )


# --- Requests of one time (on-request services) --------------------------------


def appointment_request(*, patient, offering: Offering, starts_at: datetime, now: datetime | None = None):
    """Ask for one free time of an on-request service; the specialist accepts
    or declines. A request does not hold the time. Refused (`not_ready`)
    while a consent or form due before booking is missing: accepting it
    would book the session without them."""
    now = now or timezone.now()
    check_bookable(offering=offering, starts_at=starts_at, now=now)
    _require_ready(patient=patient, offering=offering)
    return appointment_create(patient=patient, offering=offering, starts_at=starts_at, status=S.REQUESTED, by=patient)


def appointment_request_accept(*, appointment: Appointment, by, now: datetime | None = None) -> Appointment:
    """The specialist accepts a requested time: booked (or, where it is paid
    before the session, waiting for the payment), or refused with
    `SlotTaken` if another booking holds it by now."""
    now = now or timezone.now()
    _require_status(appointment, {S.REQUESTED}, _("This request has already been answered."))
    if appointment.starts_at <= now:
        raise ValidationError(_("This time has already passed. Please propose other times instead."), code="past")
    if payment_due_before_confirmation(appointment):
        deadline = min(now + PAYMENT_WINDOW, appointment.starts_at)
        return appointment_transition(appointment=appointment, to=S.AWAITING_PAYMENT, by=by, expires_at=deadline)
    return appointment_transition(appointment=appointment, to=S.CONFIRMED, by=by)


def appointment_request_decline(*, appointment: Appointment, by, reason: str) -> Appointment:
    _require_status(appointment, {S.REQUESTED}, _("This request has already been answered."))
    return appointment_transition(appointment=appointment, to=S.DECLINED, by=by, reason=_require_reason(reason))


# --- Availability requests -------------------------------------------------------


def availability_request_create(
    *, patient, specialist: SpecialistProfile, offering: Offering | None, windows: list[dict], note: str
) -> AvailabilityRequest:
    """`windows`: [{"date": date, "from": time, "until": time}] in the patient's zone."""
    note = (note or "").strip()
    if not windows and not note:
        raise ValidationError(_("Please give at least one time that suits you, or a note."), code="empty")
    if len(windows) > MAX_REQUEST_WINDOWS:
        raise ValidationError(_("Please give at most %(n)d windows."), params={"n": MAX_REQUEST_WINDOWS})
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(_("Please keep the note under %(n)d characters."), params={"n": NOTE_MAX_LENGTH})
    if offering is not None and offering.specialist_id != specialist.pk:
        raise ValidationError(_("That service is not offered by this specialist."))
    today = timezone.now().astimezone(zoneinfo.ZoneInfo(patient.timezone)).date()
    for window in windows:
        if window["until"] <= window["from"]:
            raise ValidationError(_("Each window must end after it starts."), code="window_order")
        if window["date"] < today:
            raise ValidationError(_("Please pick dates from today on."), code="window_past")
    request = AvailabilityRequest.objects.create(
        patient=patient,
        specialist=specialist,
        offering=offering,
        windows=[
            {"date": w["date"].isoformat(), "from": w["from"].strftime("%H:%M"), "until": w["until"].strftime("%H:%M")}
            for w in windows
        ],
        patient_timezone=patient.timezone,
        note=note,
    )
    journey_event_record(actor=patient, verb="availability.requested", obj=request)
    events.send_on_commit(events.availability_requested, request_id=request.pk)
    return request


def availability_request_close(*, request: AvailabilityRequest, by) -> AvailabilityRequest:
    if request.status != AvailabilityRequest.Status.OPEN:
        raise ValidationError(_("This request is no longer open."), code="not_open")
    request.status = AvailabilityRequest.Status.CLOSED
    request.save(update_fields=["status", "updated_at"])
    journey_event_record(actor=by, verb="availability.closed", obj=request)
    return request


# --- Proposals -------------------------------------------------------------------


def proposal_create(
    *,
    specialist: SpecialistProfile,
    patient,
    offering: Offering,
    starts_at: list[datetime],
    expires_at: datetime,
    payment_required: bool = False,
    note: str = "",
    request: AvailabilityRequest | None = None,
    by,
    now: datetime | None = None,
) -> Proposal:
    """Offer `patient` one or more times; each holds its slot until the
    patient answers or `expires_at` passes.

    A specialist may propose outside their weekly hours (that is the point
    of a proposal), but not in the past, not overlapping each other and not
    over another booking (`SlotTaken`). Payment can be required only where
    the specialist's billing can take it (`core.payments`).
    """
    now = now or timezone.now()
    times = sorted(set(starts_at))
    note = (note or "").strip()
    if offering.specialist_id != specialist.pk or not offering.is_active:
        raise ValidationError(_("Please choose one of your active services."), code="offering")
    if payment_required and not payments_available_for(specialist):
        raise ValidationError(
            _("Online payment is not available yet, so payment cannot be required before confirmation."),
            code="payments_unavailable",
        )
    if not times:
        raise ValidationError(_("Please propose at least one time."), code="no_times")
    if len(times) > MAX_PROPOSED_TIMES:
        raise ValidationError(_("Please propose at most %(n)d times."), params={"n": MAX_PROPOSED_TIMES})
    if times[0] <= now:
        raise ValidationError(_("Proposed times must be in the future."), code="past")
    if expires_at <= now:
        raise ValidationError(_("The answer-by time must be in the future."), code="expiry_past")
    if expires_at > times[0]:
        raise ValidationError(_("The answer-by time must be before the first proposed time."), code="expiry_late")
    length = timedelta(minutes=offering.duration_minutes)
    if any(later < earlier + length for earlier, later in pairwise(times)):
        raise ValidationError(_("Two of the proposed times overlap. Please space them out."), code="overlap")
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(_("Please keep the note under %(n)d characters."), params={"n": NOTE_MAX_LENGTH})
    if request is not None and (request.specialist_id != specialist.pk or request.patient_id != patient.pk):
        raise ValidationError(_("That request is not for this patient."))
    with transaction.atomic():
        proposal = Proposal.objects.create(
            specialist=specialist,
            patient=patient,
            offering=offering,
            request=request,
            expires_at=expires_at,
            payment_required=payment_required,
            note=note,
        )
        for start in times:
            appointment_create(
                patient=patient,
                offering=offering,
                starts_at=start,
                status=S.PROPOSED,
                by=by,
                expires_at=expires_at,
                proposal=proposal,
            )
        if request is not None:
            request.status = AvailabilityRequest.Status.ANSWERED
            request.save(update_fields=["status", "updated_at"])
    return proposal


def proposal_accept(*, proposal: Proposal, appointment: Appointment, by, now: datetime | None = None) -> Appointment:
    """The patient accepts one proposed time; the others are released. With
    payment required (and due: possible, not covered by a program, not
    free; `core.payments`) it waits for payment, else it is booked. A proposal that asked for payment
    before payments were possible is booked at once: waiting for a payment
    nobody can make would only let the time lapse. Refused (`not_ready`)
    while a consent or form due before booking is missing, as a hold is:
    the times stay reserved until the proposal's deadline meanwhile."""
    now = now or timezone.now()
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().select_related("offering__specialist").get(pk=proposal.pk)
        if proposal.status != Proposal.Status.OPEN:
            raise ValidationError(_("This proposal has already been answered or has run out."), code="not_open")
        if proposal.expires_at <= now:
            raise ValidationError(_("This proposal has run out. Please ask for new times."), code="expired")
        if appointment.proposal_id != proposal.pk or appointment.status != S.PROPOSED:
            raise ValidationError(_("Please choose one of the proposed times."), code="not_an_option")
        _require_ready(patient=proposal.patient, offering=proposal.offering)
        for other in proposal.appointments.filter(status=S.PROPOSED).exclude(pk=appointment.pk):
            appointment_transition(
                appointment=other, to=S.DECLINED, by=by, reason=gettext_noop("Another time was chosen")
            )
        if proposal.payment_required and payment_due_before_confirmation(appointment):
            deadline = min(now + PAYMENT_WINDOW, appointment.starts_at)
            chosen = appointment_transition(appointment=appointment, to=S.AWAITING_PAYMENT, by=by, expires_at=deadline)
        else:
            chosen = appointment_transition(appointment=appointment, to=S.CONFIRMED, by=by)
        _proposal_close(proposal, Proposal.Status.ACCEPTED)
    return chosen


def proposal_decline(*, proposal: Proposal, by, reason: str = "", now: datetime | None = None) -> Proposal:
    """The patient says no to all the proposed times (while they still may)."""
    if proposal.expires_at <= (now or timezone.now()):
        raise ValidationError(_("This proposal has run out. Please ask for new times."), code="expired")
    return _proposal_end(proposal, by=by, to=S.DECLINED, status=Proposal.Status.DECLINED, reason=reason)


def proposal_withdraw(*, proposal: Proposal, by) -> Proposal:
    """The specialist takes a proposal back before the patient answers."""
    return _proposal_end(
        proposal, by=by, to=S.CANCELLED, status=Proposal.Status.WITHDRAWN, reason=gettext_noop("Withdrawn")
    )


def _proposal_end(proposal: Proposal, *, by, to: AppointmentStatus, status: str, reason: str) -> Proposal:
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            _("Please keep the reason under %(limit)d characters."), params={"limit": REASON_MAX_LENGTH}
        )
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if proposal.status != Proposal.Status.OPEN:
            raise ValidationError(_("This proposal has already been answered or has run out."), code="not_open")
        for option in proposal.appointments.filter(status=S.PROPOSED):
            appointment_transition(appointment=option, to=to, by=by, reason=reason)
        _proposal_close(proposal, status)
    return proposal


def _proposal_close(proposal: Proposal, status: str) -> None:
    proposal.status = status
    proposal.save(update_fields=["status", "updated_at"])
    journey_event_record(actor=None, verb=f"proposal.{status}", obj=proposal)


# --- The payment gate -------------------------------------------------------------


def appointment_payment_received(*, appointment: Appointment, by=None) -> Appointment:
    """The one call payments makes when an awaited payment succeeds: the
    booking is confirmed. Idempotent for an already confirmed appointment
    (a webhook delivered twice)."""
    if appointment.status == S.CONFIRMED:
        return appointment
    _require_status(appointment, {S.AWAITING_PAYMENT}, _("This booking is not waiting for a payment."))
    return appointment_transition(
        appointment=appointment, to=S.CONFIRMED, by=by, reason=gettext_noop("Payment received")
    )


# --- Cancelling and rescheduling ----------------------------------------------------

CANCELLABLE = {S.REQUESTED, S.AWAITING_PAYMENT, S.CONFIRMED}
RESCHEDULABLE = {S.AWAITING_PAYMENT, S.CONFIRMED}


def is_late_cancellation(appointment: Appointment, now: datetime) -> bool:
    """Too close to the start to cancel free of charge."""
    hours = selectors.cancellation_window_hours(appointment.specialist)
    return now > appointment.starts_at - timedelta(hours=hours)


def appointment_cancel(*, appointment: Appointment, by, reason: str, now: datetime | None = None) -> Appointment:
    """Either side calls the session off, with a reason. Inside the
    cancellation window it is still allowed, and flagged as late."""
    now = now or timezone.now()
    reason = _require_reason(reason)
    _require_status(appointment, CANCELLABLE, _("This appointment can no longer be cancelled."))
    if appointment.starts_at <= now and appointment.status != S.REQUESTED:
        raise ValidationError(_("This session has already started."), code="started")
    return appointment_transition(
        appointment=appointment,
        to=S.CANCELLED,
        by=by,
        reason=reason,
        is_late_cancellation=appointment.status == S.CONFIRMED and is_late_cancellation(appointment, now),
    )


def appointment_reschedule(
    *, appointment: Appointment, starts_at: datetime, by, reason: str, now: datetime | None = None
) -> Appointment:
    """Move a booked session to another time, keeping its status and
    history. The patient picks from the free times; the specialist may
    pick any future time that does not overlap another booking."""
    now = now or timezone.now()
    reason = _require_reason(reason)
    _require_status(appointment, RESCHEDULABLE, _("This appointment can no longer be moved."))
    if appointment.starts_at <= now:
        raise ValidationError(_("This session has already started."), code="started")
    if starts_at == appointment.starts_at:
        raise ValidationError(_("That is the time it already has. Please pick another."), code="same_time")
    if by.pk == appointment.patient_id:
        check_bookable(offering=appointment.offering, starts_at=starts_at, now=now, ignoring=appointment)
    elif starts_at <= now:
        raise ValidationError(_("That time has already passed. Please pick a time in the future."), code="past")
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        _require_status(locked, RESCHEDULABLE, _("This appointment can no longer be moved."))
        previous = locked.starts_at
        locked.ends_at = starts_at + (locked.ends_at - locked.starts_at)
        locked.starts_at = starts_at
        locked.sequence += 1
        _refuse_overlap(locked)
        _save(locked, update_fields=["starts_at", "ends_at", "sequence", "updated_at"])
        AppointmentEvent.objects.create(
            appointment=locked,
            from_status=locked.status,
            to_status=locked.status,
            actor=by,
            reason=reason,
            previous_starts_at=previous,
            starts_at=starts_at,
        )
        journey_event_record(actor=by, verb="appointment.rescheduled", obj=locked)
        events.send_on_commit(
            events.appointment_rescheduled,
            appointment_id=locked.pk,
            previous_starts_at=previous.isoformat(),
            actor_id=by.pk,
        )
    return locked


# --- Expiry ----------------------------------------------------------------------


def appointments_expire_due(*, now: datetime | None = None) -> int:
    """Let holds, proposals and unpaid bookings past their deadline lapse
    (the beat sweep). Returns how many expired."""
    now = now or timezone.now()
    count = 0
    for appointment in Appointment.objects.filter(status__in=EXPIRING, expires_at__lte=now):
        try:
            appointment_transition(
                appointment=appointment, to=S.EXPIRED, by=None, reason=gettext_noop("Ran out of time")
            )
        except ValidationError:
            continue  # answered meanwhile
        count += 1
    Proposal.objects.filter(status=Proposal.Status.OPEN, expires_at__lte=now).update(
        status=Proposal.Status.EXPIRED, updated_at=now
    )
    return count
