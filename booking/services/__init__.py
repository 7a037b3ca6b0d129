"""Every write of the booking app.

`appointments` holds the two primitives (create, transition) and the
database's guarantee against double booking; `scheduling` is booking as
people do it on top of them; `availability` edits working hours, settings,
the organization's policy and the calendar feed; `reminders` plans and
sends reminders; `next_available` keeps the directory's earliest free times.
"""

from .appointments import (
    REASON_MAX_LENGTH,
    SIGNALS,
    SlotTaken,
    TransitionNotAllowed,
    appointment_create,
    appointment_transition,
)
from .availability import (
    MAX_RANGES_PER_DAY,
    REMINDER_CHOICES,
    availability_override_add,
    availability_override_delete,
    availability_rules_replace,
    booking_policy_update,
    booking_settings_update,
    calendar_feed_create,
    calendar_feed_revoke,
    check_day_ranges,
)
from .next_available import next_available_refresh, next_available_sweep
from .pre_visit import pre_visit_reminders_send
from .reminders import reminders_plan, reminders_send_due
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
    "MAX_RANGES_PER_DAY",
    "REASON_MAX_LENGTH",
    "REMINDER_CHOICES",
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
    "availability_override_add",
    "availability_override_delete",
    "availability_request_close",
    "availability_request_create",
    "availability_rules_replace",
    "booking_policy_update",
    "booking_settings_update",
    "calendar_feed_create",
    "calendar_feed_revoke",
    "check_bookable",
    "check_day_ranges",
    "is_late_cancellation",
    "next_available_refresh",
    "next_available_sweep",
    "parse_local_start",
    "pre_visit_reminders_send",
    "proposal_accept",
    "proposal_create",
    "proposal_decline",
    "proposal_withdraw",
    "reminders_plan",
    "reminders_send_due",
]
