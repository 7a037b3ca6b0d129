"""Every write of the booking app.

`appointments` holds the two primitives (create, transition) and the
database's guarantee against double booking; `scheduling` is booking as
people do it on top of them; `availability` edits working hours.
"""

from .appointments import (
    REASON_MAX_LENGTH,
    SIGNALS,
    SlotTaken,
    TransitionNotAllowed,
    appointment_create,
    appointment_transition,
)
from .scheduling import (
    HOLD_MINUTES,
    appointment_cancel,
    appointment_hold,
    appointment_hold_confirm,
    appointment_hold_release,
    appointment_payment_received,
    appointment_request,
    appointment_request_accept,
    appointment_request_decline,
    appointment_reschedule,
    appointments_expire_due,
    availability_request_close,
    availability_request_create,
    check_bookable,
    is_late_cancellation,
    parse_local_start,
    proposal_accept,
    proposal_create,
    proposal_decline,
    proposal_withdraw,
)

__all__ = [
    "HOLD_MINUTES",
    "REASON_MAX_LENGTH",
    "SIGNALS",
    "SlotTaken",
    "TransitionNotAllowed",
    "appointment_cancel",
    "appointment_create",
    "appointment_hold",
    "appointment_hold_confirm",
    "appointment_hold_release",
    "appointment_payment_received",
    "appointment_request",
    "appointment_request_accept",
    "appointment_request_decline",
    "appointment_reschedule",
    "appointment_transition",
    "appointments_expire_due",
    "availability_request_close",
    "availability_request_create",
    "check_bookable",
    "is_late_cancellation",
    "parse_local_start",
    "proposal_accept",
    "proposal_create",
    "proposal_decline",
    "proposal_withdraw",
]
