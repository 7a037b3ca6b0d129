"""Commissions: earned on referred patients' settled charges under the
affiliate's rule, once; reversed on refunds; statements approved and paid
by the organization in order."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from affiliates.commissions import (
    StatementStatusError,
    commission_earn_for_payment,
    commission_reverse_for_refund,
    month_start,
    statement_status_set,
)
from affiliates.models import Affiliate, Commission, CommissionStatement
from core import events
from core.models import JourneyEvent
from payments.models import Payment, Refund
from tests.accounts.factories import UserFactory
from tests.affiliates.factories import AffiliateFactory, ReferralFactory, ReferralLinkFactory
from tests.organizations.factories import OrganizationFactory
from tests.payments.factories import RefundFactory, payment_of
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

from .referred import month_ago

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return OrganizationFactory(currency="EUR")


@pytest.fixture
def offering(org):
    return OfferingFactory(specialist=SpecialistProfileFactory(organization=org), price_minor=8000)


def referral_of(affiliate):
    return ReferralFactory(link=ReferralLinkFactory(affiliate=affiliate))


def paid(offering, patient, *, minutes_ago=60, **fields):
    return payment_of(offering, patient=patient, paid_at=timezone.now() - timedelta(minutes=minutes_ago), **fields)


def test_a_flat_rule_pays_on_the_first_paid_session_only(org, offering):
    affiliate = AffiliateFactory(organization=org, flat=True)
    patient = referral_of(affiliate).patient
    first = paid(offering, patient, minutes_ago=120)
    second = paid(offering, patient, minutes_ago=60)

    # Events may arrive in any order: the rank comes from when each was paid.
    assert commission_earn_for_payment(payment_id=second.pk) is None
    commission = commission_earn_for_payment(payment_id=first.pk)

    assert (commission.amount_minor, commission.currency) == (2500, "EUR")
    assert commission.statement.month == month_start(timezone.now())
    assert commission.statement.affiliate == affiliate
    assert JourneyEvent.objects.filter(verb="affiliate.commission_earned").count() == 1


def test_a_percent_rule_pays_a_share_of_each_of_the_first_payments(org, offering):
    affiliate = AffiliateFactory(organization=org, percent=True)  # 10 % of the first 3
    patient = referral_of(affiliate).patient
    payments = [paid(offering, patient, minutes_ago=100 - i) for i in range(4)]

    lines = [commission_earn_for_payment(payment_id=p.pk) for p in payments]

    assert [line.amount_minor if line else None for line in lines] == [800, 800, 800, None]
    assert CommissionStatement.objects.filter(affiliate=affiliate).count() == 1


def test_earning_twice_for_one_payment_keeps_one_line(org, offering):
    affiliate = AffiliateFactory(organization=org, flat=True)
    payment = paid(offering, referral_of(affiliate).patient)

    first = commission_earn_for_payment(payment_id=payment.pk)
    again = commission_earn_for_payment(payment_id=payment.pk)

    assert first == again
    assert Commission.objects.count() == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"status": Payment.Status.DUE},
        {"status": Payment.Status.FAILED},
        {"kind": Payment.Kind.COVERAGE},
    ],
)
def test_only_a_settled_card_payment_earns(org, offering, fields):
    affiliate = AffiliateFactory(organization=org, flat=True)
    payment = paid(offering, referral_of(affiliate).patient, **fields)

    assert commission_earn_for_payment(payment_id=payment.pk) is None
    assert not Commission.objects.exists()


def test_a_patient_without_a_referral_or_with_another_organizations_earns_nothing(org, offering):
    unreferred = paid(offering, UserFactory())
    elsewhere = AffiliateFactory(organization=OrganizationFactory(), flat=True)
    other_patient = referral_of(elsewhere).patient
    foreign = paid(offering, other_patient)

    assert commission_earn_for_payment(payment_id=unreferred.pk) is None
    assert commission_earn_for_payment(payment_id=foreign.pk) is None
    assert commission_earn_for_payment(payment_id=10**9) is None
    assert not Commission.objects.exists()


def test_an_inactive_affiliate_or_one_without_a_rule_earns_nothing(org, offering):
    paused = AffiliateFactory(organization=org, flat=True, is_active=False)
    no_rule = AffiliateFactory(organization=org, commission_kind=Affiliate.CommissionKind.NONE)

    for affiliate in (paused, no_rule):
        payment = paid(offering, referral_of(affiliate).patient)
        assert commission_earn_for_payment(payment_id=payment.pk) is None
    assert not Commission.objects.exists()


def test_the_payment_received_event_earns_the_commission(org, offering, django_capture_on_commit_callbacks):
    affiliate = AffiliateFactory(organization=org, flat=True)
    payment = paid(offering, referral_of(affiliate).patient)

    with django_capture_on_commit_callbacks(execute=True):
        events.send_on_commit(events.payment_received, payment_id=payment.pk, appointment_id=payment.appointment_id)

    assert Commission.objects.get().payment == payment


def refund_of(payment, amount_minor, **fields):
    Payment.objects.filter(pk=payment.pk).update(refunded_minor=payment.refunded_minor + amount_minor)
    return RefundFactory(payment=payment, amount_minor=amount_minor, **fields)


def test_a_refund_takes_back_its_share_once_in_the_month_it_is_sent(org, offering):
    affiliate = AffiliateFactory(organization=org, percent=True)
    payment = paid(offering, referral_of(affiliate).patient)
    earned = commission_earn_for_payment(payment_id=payment.pk, at=month_ago(2))  # 800 in an earlier month
    CommissionStatement.objects.filter(pk=earned.statement_id).update(status=CommissionStatement.Status.PAID)

    refund = refund_of(payment, 2000)  # a quarter of 8000
    reversal = commission_reverse_for_refund(refund_id=refund.pk)
    again = commission_reverse_for_refund(refund_id=refund.pk)

    assert reversal == again
    assert (reversal.amount_minor, reversal.reverses, reversal.refund) == (-200, earned, refund)
    # Into this month's statement: the paid one is left as it was paid.
    assert reversal.statement.month == month_start(timezone.now())
    assert reversal.statement != earned.statement
    assert Commission.objects.filter(statement=earned.statement).count() == 1


def test_refunds_never_take_back_more_than_was_earned(org, offering):
    affiliate = AffiliateFactory(organization=org, flat=True)  # 2500 on an 8000 payment
    payment = paid(offering, referral_of(affiliate).patient)
    commission_earn_for_payment(payment_id=payment.pk)

    amounts = [commission_reverse_for_refund(refund_id=refund_of(payment, 4000).pk).amount_minor for _ in range(2)]
    assert amounts == [-1250, -1250]
    extra = RefundFactory(payment=payment, amount_minor=1)  # more than the payment: nothing left to take back
    assert commission_reverse_for_refund(refund_id=extra.pk) is None


def test_a_refund_not_sent_or_of_a_payment_that_earned_nothing_reverses_nothing(org, offering):
    affiliate = AffiliateFactory(organization=org, flat=True)
    patient = referral_of(affiliate).patient
    payment = paid(offering, patient)
    commission_earn_for_payment(payment_id=payment.pk)
    pending = RefundFactory(payment=payment, status=Refund.Status.PENDING, succeeded_at=None)
    unearned = RefundFactory(payment=paid(offering, patient, minutes_ago=10))

    assert commission_reverse_for_refund(refund_id=pending.pk) is None
    assert commission_reverse_for_refund(refund_id=unearned.pk) is None
    assert not Commission.objects.filter(reverses__isnull=False).exists()


@pytest.fixture
def statement(org):
    affiliate = AffiliateFactory(organization=org, flat=True)
    return CommissionStatement.objects.create(affiliate=affiliate, month=month_start(month_ago(1)))


def test_a_statement_is_approved_after_its_month_then_paid(statement):
    admin = UserFactory()
    approved = statement_status_set(statement=statement, to="approved", by=admin)
    assert (approved.status, approved.decided_by) == ("approved", admin)
    assert approved.approved_at is not None

    paid_statement = statement_status_set(statement=approved, to="paid", by=admin)
    assert paid_statement.status == "paid"
    assert paid_statement.paid_at is not None
    verbs = list(JourneyEvent.objects.filter(verb__startswith="affiliate.statement").values_list("verb", flat=True))
    assert sorted(verbs) == ["affiliate.statement_approved", "affiliate.statement_paid"]


def test_the_current_months_statement_cannot_be_approved_yet(org):
    affiliate = AffiliateFactory(organization=org)
    current = CommissionStatement.objects.create(affiliate=affiliate, month=month_start(timezone.now()))

    with pytest.raises(StatementStatusError, match="once the month has ended"):
        statement_status_set(statement=current, to="approved", by=UserFactory())
    current.refresh_from_db()
    assert current.status == "pending"


def test_moves_out_of_order_are_refused(statement):
    admin = UserFactory()
    with pytest.raises(StatementStatusError, match="approved before it is paid"):
        statement_status_set(statement=statement, to="paid", by=admin)
    statement_status_set(statement=statement, to="approved", by=admin)
    with pytest.raises(StatementStatusError, match="already approved"):
        statement_status_set(statement=statement, to="approved", by=admin)
    statement_status_set(statement=statement, to="paid", by=admin)
    with pytest.raises(StatementStatusError):
        statement_status_set(statement=statement, to="approved", by=admin)
    with pytest.raises(ValidationError):
        statement_status_set(statement=statement, to="pending", by=admin)
    statement.refresh_from_db()
    assert statement.status == "paid"
