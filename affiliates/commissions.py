"""Commissions: what referred patients' payments earn their affiliate, and
the monthly statements the organization approves and pays.

A settled card payment of a patient with a `Referral` earns a line in the
statement of the month it is processed in, once (the database refuses a
second line for one payment). A refund adds a negative line for the
refunded share, once per refund, in the month of the refund: a statement
already paid is never edited. Months are calendar months in UTC, the same
for everyone who reads them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.money import Money
from core.services import journey_event_record
from payments.models import Payment, Refund

from .models import Affiliate, Commission, CommissionStatement, Referral


class StatementStatusError(Exception):
    """The statement cannot move to that status now (a 409 for the page)."""


def month_start(at: datetime) -> date:
    """The first day of the UTC calendar month of `at`."""
    return at.astimezone(UTC).date().replace(day=1)


def month_after(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def statement_for_month(*, affiliate: Affiliate, at: datetime) -> CommissionStatement:
    statement, _created = CommissionStatement.objects.get_or_create(affiliate=affiliate, month=month_start(at))
    return statement


def _settled_charges(payment: Payment):
    return Payment.objects.filter(
        patient_id=payment.patient_id,
        organization_id=payment.organization_id,
        kind=Payment.Kind.CHARGE,
        status=Payment.Status.SUCCEEDED,
    )


def _earned_amount(affiliate: Affiliate, payment: Payment) -> Money | None:
    """What `payment` earns under the affiliate's rule, or None.

    Its place among the patient's settled charges with the organization
    (by the moment each was paid) decides: FLAT pays on the first only,
    PERCENT on each of the first `commission_payments`.
    """
    earlier = (
        _settled_charges(payment)
        .filter(Q(paid_at__lt=payment.paid_at) | Q(paid_at=payment.paid_at, pk__lt=payment.pk))
        .count()
    )
    kind = affiliate.commission_kind
    if kind == Affiliate.CommissionKind.FLAT and earlier == 0:
        return Money(int(affiliate.commission_flat_minor), affiliate.currency)
    if kind == Affiliate.CommissionKind.PERCENT and earlier < affiliate.commission_payments:
        return Money(payment.amount_minor, payment.currency).apply_bps(affiliate.commission_basis_points)
    return None


def commission_earn_for_payment(*, payment_id: int, at: datetime | None = None) -> Commission | None:
    """The commission a settled charge earns its patient's affiliate.

    Nothing for a payment that is not a settled charge, of a patient without
    a referral to this organization, or whose affiliate is inactive or has
    no rule covering it. Idempotent: a repeated event returns the line
    already there. `at` (now by default) picks the statement's month.
    """
    at = at or timezone.now()
    with transaction.atomic():
        payment = Payment.objects.filter(pk=payment_id).first()
        if (
            payment is None
            or payment.kind != Payment.Kind.CHARGE
            or payment.status != Payment.Status.SUCCEEDED
            or payment.paid_at is None
        ):
            return None
        referral = Referral.objects.filter(patient_id=payment.patient_id, organization_id=payment.organization_id)
        referral = referral.first()
        if referral is None:
            return None
        # One affiliate's lines are written one at a time: ranks and totals stay exact.
        affiliate = Affiliate.objects.select_for_update().get(pk=referral.affiliate_id)
        existing = Commission.objects.filter(payment=payment, reverses__isnull=True).first()
        if existing is not None or not affiliate.is_active:
            return existing
        amount = _earned_amount(affiliate, payment)
        if amount is None or amount.amount_minor <= 0:
            return None
        try:
            with transaction.atomic():
                commission = Commission.objects.create(
                    statement=statement_for_month(affiliate=affiliate, at=at),
                    referral=referral,
                    payment=payment,
                    amount_minor=amount.amount_minor,
                    currency=amount.currency,
                    earned_at=at,
                )
        except IntegrityError:  # the same payment earned meanwhile
            return Commission.objects.get(payment=payment, reverses__isnull=True)
        journey_event_record(
            actor=None,
            verb="affiliate.commission_earned",
            obj=commission,
            data={"affiliate": str(affiliate.public_id), "statement": str(commission.statement.public_id)},
        )
    return commission


def commission_reverse_for_refund(*, refund_id: int, at: datetime | None = None) -> Commission | None:
    """A negative line for the refunded share of a payment that earned a
    commission: the earned amount times refund / payment, rounded half-even
    once, never more in all than was earned. Once per refund; nothing for a
    refund not sent, or of a payment that earned nothing."""
    at = at or timezone.now()
    with transaction.atomic():
        refund = Refund.objects.select_related("payment").filter(pk=refund_id).first()
        if refund is None or refund.status != Refund.Status.SUCCEEDED:
            return None
        earned = Commission.objects.filter(payment_id=refund.payment_id, reverses__isnull=True).first()
        if earned is None:
            return None
        affiliate = Affiliate.objects.select_for_update().get(pk=earned.referral.affiliate_id)
        existing = Commission.objects.filter(refund=refund).first()
        if existing is not None:
            return existing
        share = Decimal(earned.amount_minor) * refund.amount_minor / Decimal(max(refund.payment.amount_minor, 1))
        amount = int(share.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))
        already = -sum(earned.reversals.values_list("amount_minor", flat=True))
        amount = min(amount, earned.amount_minor - already)
        if amount <= 0:
            return None
        reversal = Commission.objects.create(
            statement=statement_for_month(affiliate=affiliate, at=at),
            referral=earned.referral,
            payment_id=earned.payment_id,
            amount_minor=-amount,
            currency=earned.currency,
            earned_at=at,
            reverses=earned,
            refund=refund,
        )
        journey_event_record(
            actor=None,
            verb="affiliate.commission_reversed",
            obj=reversal,
            data={"affiliate": str(affiliate.public_id), "statement": str(reversal.statement.public_id)},
        )
    return reversal


# The moves the organization makes, in order: approve, then pay.
NEXT_STATUS = {
    CommissionStatement.Status.PENDING: CommissionStatement.Status.APPROVED,
    CommissionStatement.Status.APPROVED: CommissionStatement.Status.PAID,
}


def statement_status_set(*, statement: CommissionStatement, to: str, by, today: date | None = None):
    """Approve a statement once its month has ended, or mark an approved one
    paid. Raises ValidationError for a status that is not one of these, and
    StatementStatusError for a move out of order or too early."""
    if to not in (CommissionStatement.Status.APPROVED, CommissionStatement.Status.PAID):
        raise ValidationError(_("Choose “approved” or “paid”."), code="status")
    today = today or timezone.now().astimezone(UTC).date()
    with transaction.atomic():
        statement = CommissionStatement.objects.select_for_update().get(pk=statement.pk)
        if statement.status == to:
            raise StatementStatusError(
                _("This statement is already %(status)s.") % {"status": statement.get_status_display().lower()}
            )
        if NEXT_STATUS.get(statement.status) != to:
            raise StatementStatusError(_("A statement is approved before it is paid, and a paid statement stays paid."))
        if today < month_after(statement.month):
            raise StatementStatusError(_("A month's statement can be approved once the month has ended."))
        now = timezone.now()
        statement.status = to
        statement.decided_by = by
        if to == CommissionStatement.Status.APPROVED:
            statement.approved_at = now
        else:
            statement.paid_at = now
        statement.save(update_fields=["status", "decided_by", "approved_at", "paid_at", "updated_at"])
        journey_event_record(
            actor=by,
            verb=f"affiliate.statement_{to}",
            obj=statement,
            data={"affiliate": str(statement.affiliate.public_id), "month": statement.month.isoformat()},
        )
    return statement
