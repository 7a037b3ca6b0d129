"""How the booking services' refusals answer over HTTP, on the booking pages
and in a thread's side panel alike."""

from __future__ import annotations

from django.core.exceptions import ValidationError

# Refusals about the state things are in (answered, taken, run out, or
# consents still to sign) rather than about the input: 409, not 422.
CONFLICT_CODES = frozenset(
    {
        "slot_taken",
        "wrong_status",
        "not_open",
        "expired",
        "hold_expired",
        "started",
        "transition_not_allowed",
        "not_ready",
    }
)


def refusal_status(error: ValidationError) -> int:
    codes = {getattr(item, "code", None) for item in getattr(error, "error_list", [error])}
    return 409 if codes & CONFLICT_CODES else 422
