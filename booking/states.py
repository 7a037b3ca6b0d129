"""The appointment lifecycle: its states and the moves between them.

Only `booking.services.appointment_transition` changes an appointment's
status, and only along `ALLOWED`. The terminal states have no entry: nothing
leaves them. Rescheduling moves the time, not the state.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AppointmentStatus(models.TextChoices):
    # The patient picked this free time and is confirming it: a hold of a
    # few minutes, so nobody else takes the time meanwhile.
    HELD = "held", _("Held")
    # The patient asked for this time; the specialist has not answered yet.
    REQUESTED = "requested", _("Requested")
    # The specialist offered this time; the patient has not answered yet.
    PROPOSED = "proposed", _("Proposed")
    # Agreed, but confirmed only once payment succeeds (payments calls in).
    AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
    # Booked: both sides expect to meet at this time.
    CONFIRMED = "confirmed", _("Confirmed")
    # The session has started (the video room opened).
    IN_PROGRESS = "in_progress", _("In progress")
    # The session took place.  Terminal.
    COMPLETED = "completed", _("Completed")
    # Called off by either side, with a reason.  Terminal.
    CANCELLED = "cancelled", _("Cancelled")
    # The other side said no to a request or a proposal.  Terminal.
    DECLINED = "declined", _("Declined")
    # Nobody answered (or paid) in time.  Terminal.
    EXPIRED = "expired", _("Expired")
    # The patient did not come.  Terminal.
    NO_SHOW = "no_show", _("No-show")


S = AppointmentStatus

# Where an agreed appointment can be (booking.selectors.agreed): a cancelled
# one only if it was confirmed or awaiting payment first.
AGREED_STATUSES = (S.AWAITING_PAYMENT, S.CONFIRMED, S.IN_PROGRESS, S.COMPLETED, S.NO_SHOW, S.CANCELLED)

ALLOWED: dict[AppointmentStatus, set[AppointmentStatus]] = {
    # Cancelled: the patient let go of the hold to pick another time.
    S.HELD: {S.AWAITING_PAYMENT, S.CONFIRMED, S.CANCELLED, S.EXPIRED},
    S.REQUESTED: {S.AWAITING_PAYMENT, S.CONFIRMED, S.DECLINED, S.CANCELLED, S.EXPIRED},
    S.PROPOSED: {S.AWAITING_PAYMENT, S.CONFIRMED, S.DECLINED, S.CANCELLED, S.EXPIRED},
    S.AWAITING_PAYMENT: {S.CONFIRMED, S.CANCELLED, S.EXPIRED},
    # Completed straight from confirmed: a session held outside the video
    # room (a phone fallback) can still be closed by the specialist.
    S.CONFIRMED: {S.IN_PROGRESS, S.COMPLETED, S.CANCELLED, S.NO_SHOW},
    # No-show from in progress: the specialist opened the room, nobody came.
    S.IN_PROGRESS: {S.COMPLETED, S.NO_SHOW},
}

TERMINAL: frozenset[AppointmentStatus] = frozenset(set(S) - set(ALLOWED))

# The statuses that occupy the specialist's calendar: the PostgreSQL
# exclusion constraint (booking migration 0002) and the SQLite overlap check
# refuse a second appointment overlapping one of these.
#
# REQUESTED does not hold the slot. A request is the patient's wish, not the
# specialist's commitment; if it held the slot, any patient could block a
# calendar with unanswered requests. Accepting a request moves it into a
# holding status, and that move is refused (SlotTaken) if the time has gone
# meanwhile. Direct self-booking creates the appointment HELD, so it holds
# from its first moment, then confirms it.
#
# Changing this set needs a migration that rebuilds the constraint (as 0003 did).
SLOT_HOLDING: frozenset[AppointmentStatus] = frozenset(
    {S.HELD, S.PROPOSED, S.AWAITING_PAYMENT, S.CONFIRMED, S.IN_PROGRESS}
)


# The statuses that lapse at `Appointment.expires_at` (the expiry sweep).
EXPIRING: frozenset[AppointmentStatus] = frozenset({S.HELD, S.PROPOSED, S.AWAITING_PAYMENT})

# The statuses of an appointment both sides expect to take place.
UPCOMING: frozenset[AppointmentStatus] = frozenset({S.AWAITING_PAYMENT, S.CONFIRMED, S.IN_PROGRESS})
