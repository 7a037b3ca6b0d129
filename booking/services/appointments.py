"""Every write to appointments.

Status changes go through `appointment_transition` only. Double booking is
refused by the database: on PostgreSQL by the exclusion constraint of
migration 0002, on SQLite by an overlap check inside the IMMEDIATE
transaction every write runs in (SQLite serialises writers, so the check and
the insert cannot interleave with another booking's).
"""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import events
from core.services import journey_event_record
from specialists.models import Offering

from ..models import Appointment, AppointmentEvent
from ..states import ALLOWED, SLOT_HOLDING, AppointmentStatus

OVERLAP_CONSTRAINT = "booking_appointment_no_overlap"  # migration 0002, PostgreSQL only
REASON_MAX_LENGTH = 500

# The statuses an appointment may be created in. Later ones are reached only
# through transitions, so their history is complete.
INITIAL_STATUSES = frozenset(
    {
        AppointmentStatus.HELD,
        AppointmentStatus.REQUESTED,
        AppointmentStatus.PROPOSED,
        AppointmentStatus.AWAITING_PAYMENT,
        AppointmentStatus.CONFIRMED,
    }
)

SIGNALS: dict[AppointmentStatus, Signal] = {
    AppointmentStatus.HELD: events.appointment_held,
    AppointmentStatus.REQUESTED: events.appointment_requested,
    AppointmentStatus.PROPOSED: events.appointment_proposed,
    AppointmentStatus.AWAITING_PAYMENT: events.appointment_awaiting_payment,
    AppointmentStatus.CONFIRMED: events.appointment_confirmed,
    AppointmentStatus.IN_PROGRESS: events.appointment_started,
    AppointmentStatus.COMPLETED: events.appointment_completed,
    AppointmentStatus.CANCELLED: events.appointment_cancelled,
    AppointmentStatus.DECLINED: events.appointment_declined,
    AppointmentStatus.EXPIRED: events.appointment_expired,
    AppointmentStatus.NO_SHOW: events.appointment_no_show,
}


DEADLOCK_DETECTED = "40P01"  # PostgreSQL SQLSTATE


class SlotTaken(ValidationError):
    """Another appointment already holds (part of) this time."""

    def __init__(self):
        super().__init__(_("This time was just taken — here are the nearest free times"), code="slot_taken")


class TransitionNotAllowed(ValidationError):
    """The lifecycle table has no move from the current status to the asked one."""

    def __init__(self, from_status: AppointmentStatus, to_status: AppointmentStatus):
        self.from_status, self.to_status = from_status, to_status
        super().__init__(
            _("An appointment that is “%(from)s” cannot become “%(to)s”."),
            code="transition_not_allowed",
            params={"from": from_status.label, "to": to_status.label},
        )


def appointment_create(
    *, patient, offering: Offering, starts_at: datetime, status: str, by, expires_at=None, proposal=None
) -> Appointment:
    """Create an appointment for `patient` with `offering` at `starts_at`.

    Snapshots the offering's price and currency and both people's time
    zones, so later changes do not rewrite what was agreed. In a
    slot-holding status the database refuses an overlap with `SlotTaken`.
    Checks of availability, notice and horizon belong to the caller (the
    slot engine); this is the last line, which holds whatever the race.
    """
    status = AppointmentStatus(status)
    if status not in INITIAL_STATUSES:
        raise ValidationError(_("An appointment cannot start out “%(status)s”."), params={"status": status.label})
    if timezone.is_naive(starts_at):
        raise ValueError("starts_at must be an aware datetime")
    if not offering.is_active:
        raise ValidationError(_("This service is no longer offered."), code="offering_inactive")
    specialist = offering.specialist
    if specialist.user_id == patient.pk:
        raise ValidationError(_("You cannot book yourself."), code="self_booking")

    appointment = Appointment(
        patient=patient,
        specialist=specialist,
        offering=offering,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=offering.duration_minutes),
        status=status,
        price_minor=offering.price_minor,
        currency=offering.currency,
        patient_timezone=patient.timezone,
        specialist_timezone=specialist.user.timezone,
        expires_at=expires_at,
        proposal=proposal,
    )
    with transaction.atomic():
        if status in SLOT_HOLDING:
            _refuse_overlap(appointment)
        _save(appointment)
        _record(appointment, from_status="", to_status=status, by=by, reason="")
    return appointment


def appointment_transition(
    *, appointment: Appointment, to: str, by, reason: str = "", is_late_cancellation: bool = False, expires_at=None
) -> Appointment:
    """Move `appointment` to status `to`, if the lifecycle table allows it.

    Locks the row first, so two racing transitions are decided one after
    the other against the current status, never a stale copy. Writes an
    `AppointmentEvent` and a journey event, raises the ICS sequence and
    sends the matching domain event after commit. Entering a slot-holding
    status from one that does not hold (accepting a request) is refused
    with `SlotTaken` if the time has gone meanwhile. `by` is None for the
    system (expiry sweeps). `expires_at` is the new deadline of an expiring
    status (a payment due); any other status clears it.
    """
    to = AppointmentStatus(to)
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            _("Please keep the reason under %(limit)d characters."), params={"limit": REASON_MAX_LENGTH}
        )
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        from_status = AppointmentStatus(locked.status)
        if to not in ALLOWED.get(from_status, set()):
            raise TransitionNotAllowed(from_status, to)
        fields = ["status", "sequence", "expires_at", "updated_at"]
        locked.status = to
        locked.sequence += 1
        locked.expires_at = expires_at
        if to == AppointmentStatus.CANCELLED:
            locked.cancelled_at = timezone.now()
            locked.cancelled_by = by
            locked.cancellation_reason = reason
            locked.is_late_cancellation = is_late_cancellation
            fields += ["cancelled_at", "cancelled_by", "cancellation_reason", "is_late_cancellation"]
        if to in SLOT_HOLDING and from_status not in SLOT_HOLDING:
            _refuse_overlap(locked)
        _save(locked, update_fields=fields)
        _record(locked, from_status=from_status, to_status=to, by=by, reason=reason)
    return locked


def _refuse_overlap(appointment: Appointment) -> None:
    """Raise `SlotTaken` if a slot-holding appointment overlaps this one.

    Only on databases without the exclusion constraint: there the enclosing
    IMMEDIATE transaction has already taken SQLite's write lock, so nothing
    can slip in between this check and the write. On PostgreSQL a check
    here could not see an uncommitted rival; the constraint decides.
    """
    if connection.vendor == "postgresql":
        return
    rivals = Appointment.objects.filter(
        specialist_id=appointment.specialist_id,
        status__in=SLOT_HOLDING,
        starts_at__lt=appointment.ends_at,
        ends_at__gt=appointment.starts_at,
    )
    if appointment.pk is not None:
        rivals = rivals.exclude(pk=appointment.pk)
    if rivals.exists():
        raise SlotTaken


def _save(appointment: Appointment, **kwargs) -> None:
    """Save, turning the exclusion constraint's refusal into `SlotTaken`.

    Two bookings racing for overlapping times can also meet as a deadlock:
    each waits for the other's uncommitted row while checking the
    constraint, and PostgreSQL aborts one of them. That one lost the race.
    """
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction stays usable
            appointment.save(**kwargs)
    except IntegrityError as error:
        diag = getattr(error.__cause__, "diag", None)
        if getattr(diag, "constraint_name", None) == OVERLAP_CONSTRAINT:
            raise SlotTaken from error
        raise
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) == DEADLOCK_DETECTED:
            raise SlotTaken from error
        raise


def _record(appointment: Appointment, *, from_status: str, to_status: AppointmentStatus, by, reason: str) -> None:
    AppointmentEvent.objects.create(
        appointment=appointment,
        from_status=from_status,
        to_status=to_status,
        actor=by,
        reason=reason,
        starts_at=appointment.starts_at,
    )
    # No reason in the journey: it may hold health details.
    journey_event_record(
        actor=by, verb=f"appointment.{to_status}", obj=appointment, data={"from": from_status, "to": str(to_status)}
    )
    events.send_on_commit(
        SIGNALS[to_status],
        appointment_id=appointment.pk,
        from_status=str(from_status),
        actor_id=getattr(by, "pk", None),
    )
