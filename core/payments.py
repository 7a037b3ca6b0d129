"""Can a specialist's patients pay online, and must an appointment be paid
before it is confirmed?

The payments app answers by registering a `Gate` in its `AppConfig.ready`,
so booking's services and pages can ask without importing it. Until one is
registered the answer is no: nothing may then wait for a payment (booking
offers no "payment required" option, and an accepted time is booked at
once).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Gate:
    # specialist profile -> whether their organization's billing model can take money for them
    available_for: Callable[[object], bool]
    # appointment -> whether it must be paid before it is confirmed (price, coverage, timing)
    due_before_confirmation: Callable[[object], bool]
    # offering -> whether its organization has it paid before the session (a proposal's default)
    paid_before_session: Callable[[object], bool]
    # appointment -> the page where its patient pays, or "" when nothing is to pay
    pay_url: Callable[[object], str]


_gate: Gate | None = None


def register(gate: Gate | None) -> None:
    global _gate
    _gate = gate


def payments_available_for(specialist) -> bool:
    """Whether `specialist`'s patients can pay them online."""
    return _gate is not None and bool(_gate.available_for(specialist))


def payment_due_before_confirmation(appointment) -> bool:
    """Whether `appointment` waits for a payment before it is confirmed."""
    return _gate is not None and bool(_gate.due_before_confirmation(appointment))


def paid_before_session(offering) -> bool:
    """Whether `offering` is paid before its sessions take place (so a
    proposal of it asks for payment first unless the specialist says not)."""
    return _gate is not None and bool(_gate.paid_before_session(offering))


def pay_url(appointment) -> str:
    """Where the patient pays for `appointment` ("" when there is nothing to pay)."""
    return _gate.pay_url(appointment) if _gate is not None else ""
