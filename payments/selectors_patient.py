"""Reading one patient's own payments: how an appointment's payment stands,
the history of charges, refunds and covered sessions, and a receipt.

Every read is narrowed to the patient first: anyone else's payment is a
404 (`core.selectors.get_for_user`), never a 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, Q
from django.http import Http404

from booking.models import Appointment
from booking.states import AppointmentStatus
from core.money import Money
from core.selectors import get_for_user

from .models import Payment, ProgramBilling, Refund

P = Payment.Status


def _refunds_oldest_first() -> Prefetch:
    return Prefetch("refunds", queryset=Refund.objects.order_by("created_at", "pk"))


def payment_of_appointment(appointment: Appointment) -> Payment | None:
    """The payment of one of the patient's own appointments (already looked up for them), if any."""
    return Payment.objects.filter(appointment=appointment).select_related("program__billing").first()


def _program_total(payment: Payment) -> int:
    try:
        return payment.program.billing.covered_sessions
    except (AttributeError, ProgramBilling.DoesNotExist):
        return 0


def coverage_number(payment: Payment) -> int:
    """Which of the patient's sessions counted against its program this
    one is (1 for the first), as "Covered by … (3 of 8 used)" says."""
    earlier = Q(created_at__lt=payment.created_at) | Q(created_at=payment.created_at, pk__lte=payment.pk)
    return (
        Payment.objects.filter(
            program_id=payment.program_id, patient_id=payment.patient_id, kind=Payment.Kind.COVERAGE, status=P.SUCCEEDED
        )
        .filter(earlier)
        .count()
    )


@dataclass(frozen=True)
class AppointmentPayment:
    """How one appointment's payment stands, for the line on its page."""

    payment: Payment
    covered_number: int = 0
    covered_total: int = 0

    @property
    def refunded(self) -> Money:
        return Money(self.payment.refunded_minor, self.payment.currency)


def appointment_payment_for_patient(appointment: Appointment) -> AppointmentPayment | None:
    """The payment line of one of the patient's own appointments: paid,
    covered (and which covered session it is), refunded, due; None when it
    has no payment or none worth a line (nothing was charged)."""
    payment = payment_of_appointment(appointment)
    if payment is None or payment.status == P.VOID:
        return None
    if payment.kind == Payment.Kind.COVERAGE:
        return AppointmentPayment(payment, coverage_number(payment), _program_total(payment))
    return AppointmentPayment(payment)


def payments_due_after_session_for_patient(*, patient) -> list[Payment]:
    """The patient's payments still to make that no booking waits for (a
    session paid after it took place), soonest session first; one query."""
    return list(
        Payment.objects.filter(
            patient=patient,
            kind=Payment.Kind.CHARGE,
            status__in=[P.DUE, P.FAILED, P.REQUIRES_ACTION, P.PROCESSING],
        )
        .exclude(appointment__status=AppointmentStatus.AWAITING_PAYMENT)
        .select_related("appointment__offering", "specialist")
        .order_by("appointment__starts_at")
    )


# --- The history ----------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryLine:
    """One line of the patient's payments: a charge, a refund of one, or a
    session a program paid for."""

    CHARGE = "charge"
    REFUND = "refund"
    COVERAGE = "coverage"

    kind: str
    at: datetime
    payment: Payment
    amount: Money
    refund: Refund | None = None
    covered_number: int = 0
    covered_total: int = 0

    @property
    def status(self) -> str:
        return (self.refund or self.payment).status


def payment_history_for_patient(*, patient) -> list[HistoryLine]:
    """Every charge, refund and covered session of `patient`, newest first,
    in two queries whatever their number. Payments that came to nothing
    (a booking that lapsed unpaid, covered sessions given back) are left
    out: no money moved and no session was counted."""
    payments = list(
        Payment.objects.filter(patient=patient)
        .exclude(status=P.VOID)
        .select_related("appointment__offering", "specialist", "program__billing")
        .prefetch_related(_refunds_oldest_first())
        .order_by("created_at", "pk")
    )
    lines: list[HistoryLine] = []
    covered_so_far: dict[int, int] = {}
    for payment in payments:
        if payment.kind == Payment.Kind.COVERAGE:
            number = covered_so_far.get(payment.program_id, 0) + 1
            covered_so_far[payment.program_id] = number
            lines.append(
                HistoryLine(
                    HistoryLine.COVERAGE,
                    payment.paid_at or payment.created_at,
                    payment,
                    Money(payment.amount_minor, payment.currency),
                    covered_number=number,
                    covered_total=_program_total(payment),
                )
            )
            continue
        amount = Money(payment.amount_minor, payment.currency)
        lines.append(HistoryLine(HistoryLine.CHARGE, payment.paid_at or payment.created_at, payment, amount))
        for refund in payment.refunds.all():
            lines.append(
                HistoryLine(
                    HistoryLine.REFUND,
                    refund.succeeded_at or refund.created_at,
                    payment,
                    Money(refund.amount_minor, payment.currency),
                    refund=refund,
                )
            )
    order = {HistoryLine.REFUND: 2, HistoryLine.CHARGE: 1, HistoryLine.COVERAGE: 1}
    lines.sort(key=lambda line: (line.at, order[line.kind]), reverse=True)
    return lines


# --- Receipts -------------------------------------------------------------------------


def receipt_get_for_patient(*, patient, public_id) -> Payment:
    """A settled card payment of `patient`'s, with what its receipt shows.
    Anyone else's is a 404; so is one of theirs without a receipt (a
    covered session, a payment not made yet)."""
    queryset = (
        Payment.objects.filter(patient=patient)
        .select_related("appointment__offering", "specialist", "organization__billing", "patient")
        .prefetch_related(_refunds_oldest_first())
    )
    payment = get_for_user(queryset, public_id)
    if payment.kind != Payment.Kind.CHARGE or payment.status != P.SUCCEEDED or not payment.receipt_number:
        raise Http404
    return payment
