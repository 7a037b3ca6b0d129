"""Reading payments: who takes a session's money and what they keep, when
it is paid, whether a booking waits for it, what a program still covers,
and where the patient pays."""

import itertools
from datetime import timedelta

import pytest
from django.http import Http404
from django.urls import reverse

from booking.states import AppointmentStatus as S
from core import payments as gate
from payments import selectors
from payments.models import BillingModel, OfferingTiming, Payment, PaymentTiming, PayoutAccount
from payments.selectors import Terms
from tests.accounts.factories import UserFactory
from tests.booking.factories import AppointmentFactory, ProposalFactory, next_week_at
from tests.organizations.factories import OrganizationFactory
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

from .factories import BillingSettingsFactory, PaymentFactory, PayoutAccountFactory, enrol_in_program

pytestmark = pytest.mark.django_db

T = PaymentTiming
_hours = itertools.count()


def appointment(**fields):
    """An appointment in an hour of its own: one specialist's never overlap
    (PostgreSQL refuses that)."""
    return AppointmentFactory(starts_at=next_week_at(0) + timedelta(hours=next(_hours)), **fields)


def set_billing(billing, **fields):
    for name, value in fields.items():
        setattr(billing, name, value)
    billing.save()


# --- Who takes the money --------------------------------------------------------------


def test_an_organization_without_online_payments_takes_no_money(billing, specialist):
    set_billing(billing, enabled=False)
    elsewhere = SpecialistProfileFactory(organization=OrganizationFactory())

    assert selectors.terms_for(specialist=specialist) is None
    assert selectors.terms_for(specialist=elsewhere) is None  # no billing settings at all
    assert not selectors.available_for(specialist)
    assert not gate.payments_available_for(specialist)


def test_platform_managed_the_organizations_account_takes_it_all(billing, specialist):
    set_billing(billing, stripe_account_id="acct_clinic", fee_basis_points=1000, fee_fixed_minor=50)

    terms = selectors.terms_for(specialist=specialist)

    assert terms == Terms(BillingModel.PLATFORM, 0, 0, "acct_clinic")
    assert terms.fee_for(9000) == 0
    assert gate.payments_available_for(specialist)


@pytest.mark.parametrize("model", [BillingModel.SPECIALIST, BillingModel.MARKETPLACE])
def test_specialist_billing_and_marketplace_need_the_specialists_active_account(model, billing, specialist):
    set_billing(billing, model=model)
    assert selectors.terms_for(specialist=specialist) is None  # not connected

    account = PayoutAccountFactory(specialist=specialist, status=PayoutAccount.Status.PENDING)
    assert selectors.terms_for(specialist=specialist) is None
    account.status = PayoutAccount.Status.NEEDS_INFORMATION
    account.save()
    assert not selectors.available_for(specialist)

    account.status = PayoutAccount.Status.ACTIVE
    account.save()
    assert selectors.terms_for(specialist=specialist).connected_account == account.stripe_account_id
    assert selectors.available_for(specialist)


def test_specialist_billing_leaves_the_organization_nothing(billing, specialist):
    set_billing(billing, model=BillingModel.SPECIALIST, fee_basis_points=1000, fee_fixed_minor=50)
    PayoutAccountFactory(specialist=specialist)

    assert selectors.terms_for(specialist=specialist).fee_for(9000) == 0


@pytest.mark.parametrize(
    ("basis_points", "fixed", "amount", "fee"),
    [
        (1250, 0, 9000, 1125),
        (0, 200, 9000, 200),
        (1000, 50, 9000, 950),
        (5000, 100, 150, 150),  # never more than the amount
        (0, 500, 300, 300),
        (1, 0, 5000, 0),  # 0.5 rounds half to even
        (3, 0, 5000, 2),  # 1.5 too
    ],
)
def test_marketplace_keeps_its_fee_in_basis_points_and_fixed_capped_at_the_amount(
    basis_points, fixed, amount, fee, billing, specialist
):
    set_billing(billing, model=BillingModel.MARKETPLACE, fee_basis_points=basis_points, fee_fixed_minor=fixed)
    PayoutAccountFactory(specialist=specialist)

    assert selectors.terms_for(specialist=specialist).fee_for(amount) == fee


def test_a_program_has_its_own_fee_for_its_patients_only(billing, specialist, patient, org):
    set_billing(billing, model=BillingModel.MARKETPLACE, fee_basis_points=1000, fee_fixed_minor=0)
    PayoutAccountFactory(specialist=specialist, stripe_account_id="acct_lena")
    enrol_in_program(patient, org, fee_basis_points=500, fee_fixed_minor=100)

    assert selectors.terms_for(specialist=specialist, patient=patient) == Terms(
        BillingModel.MARKETPLACE, 500, 100, "acct_lena"
    )
    assert selectors.terms_for(specialist=specialist, patient=UserFactory()).fee_for(9000) == 900


def test_a_program_overrides_only_what_it_sets(billing, specialist, patient, org):
    set_billing(billing, model=BillingModel.MARKETPLACE, fee_basis_points=1000, fee_fixed_minor=70)
    PayoutAccountFactory(specialist=specialist)
    enrol_in_program(patient, org, fee_basis_points=0)

    assert selectors.terms_for(specialist=specialist, patient=patient).fee_for(9000) == 70


def test_a_program_can_have_the_organization_take_the_money_itself(billing, specialist, patient, org):
    set_billing(billing, model=BillingModel.SPECIALIST, stripe_account_id="acct_clinic")
    enrol_in_program(patient, org, model=BillingModel.PLATFORM)

    assert selectors.terms_for(specialist=specialist, patient=patient) == Terms(
        BillingModel.PLATFORM, 0, 0, "acct_clinic"
    )
    assert selectors.terms_for(specialist=specialist, patient=UserFactory()) is None  # not connected


# --- When it is paid ----------------------------------------------------------------------


def test_timing_is_the_offerings_own_else_the_organizations_default(billing, offering):
    assert selectors.timing_for(offering) == T.AT_BOOKING
    set_billing(billing, default_timing=T.AFTER_SESSION)
    assert selectors.timing_for(offering) == T.AFTER_SESSION
    assert not selectors.paid_before_session(offering)

    OfferingTiming.objects.create(offering=offering, timing=T.TO_CONFIRM)
    assert selectors.timing_for(offering) == T.TO_CONFIRM
    assert gate.paid_before_session(offering)


def test_without_online_payments_sessions_are_paid_after(billing, offering):
    set_billing(billing, enabled=False)

    assert selectors.timing_for(offering) == T.AFTER_SESSION
    assert not gate.paid_before_session(offering)


@pytest.mark.parametrize(
    ("status", "timing", "due"),
    [
        (S.HELD, T.AT_BOOKING, True),
        (S.HELD, T.TO_CONFIRM, False),
        (S.HELD, T.AFTER_SESSION, False),
        (S.REQUESTED, T.AT_BOOKING, True),
        (S.REQUESTED, T.TO_CONFIRM, True),
        (S.REQUESTED, T.AFTER_SESSION, False),
    ],
)
def test_due_before_confirmation_follows_the_timing(status, timing, due, offering):
    OfferingTiming.objects.create(offering=offering, timing=timing)
    asked = appointment(offering=offering, status=status)

    assert selectors.due_before_confirmation(asked) is due
    assert gate.payment_due_before_confirmation(asked) is due


@pytest.mark.parametrize(("required", "timing"), [(True, T.AFTER_SESSION), (False, T.AT_BOOKING)])
def test_a_proposal_waits_for_payment_when_the_specialist_asked_for_it(required, timing, offering):
    OfferingTiming.objects.create(offering=offering, timing=timing)
    proposal = ProposalFactory(offering=offering, payment_required=required)
    proposed = appointment(offering=offering, proposed=True, proposal=proposal, patient=proposal.patient)

    assert selectors.due_before_confirmation(proposed) is required


def test_nothing_waits_for_a_free_session_or_one_nobody_can_take_money_for(billing, offering):
    free = appointment(offering=OfferingFactory(specialist=offering.specialist, price_minor=0), held=True)
    assert not selectors.due_before_confirmation(free)

    held = appointment(offering=offering, held=True)
    assert selectors.due_before_confirmation(held)
    set_billing(billing, model=BillingModel.SPECIALIST)  # the specialist has not connected
    assert not selectors.due_before_confirmation(held)


def test_a_covered_session_waits_for_nothing_until_the_coverage_is_used_up(offering, patient, org):
    program_billing = enrol_in_program(patient, org, sessions=1)
    held = appointment(offering=offering, patient=patient, held=True)
    assert not selectors.due_before_confirmation(held)

    covered_payment(patient, offering, program_billing.program)
    assert selectors.due_before_confirmation(held)


# --- What a program covers -------------------------------------------------------------------


def covered_payment(patient, offering, program, status=Payment.Status.SUCCEEDED):
    return PaymentFactory(
        appointment=appointment(offering=offering, patient=patient, confirmed=True),
        kind=Payment.Kind.COVERAGE,
        program=program,
        status=status,
        intent_id=None,
        receipt_number=None,
    )


def test_coverage_counts_the_programs_settled_sessions_of_that_patient(offering, patient, org):
    program = enrol_in_program(patient, org, sessions=8).program
    covered_payment(patient, offering, program)
    covered_payment(patient, offering, program)
    covered_payment(patient, offering, program, status=Payment.Status.VOID)  # given back
    PaymentFactory(appointment=appointment(offering=offering, patient=patient, confirmed=True))  # paid by card
    covered_payment(UserFactory(), offering, program)  # someone else's

    [coverage] = selectors.coverages_for(patient)

    assert (coverage.program, coverage.total, coverage.used, coverage.left) == (program, 8, 2, 6)
    assert selectors.coverage_for(patient=patient, specialist=offering.specialist) == coverage


def test_the_next_program_with_sessions_left_pays(offering, patient, org):
    first = enrol_in_program(patient, org, sessions=1).program
    second = enrol_in_program(patient, org, sessions=2).program
    assert selectors.coverage_for(patient=patient, specialist=offering.specialist).program == first

    covered_payment(patient, offering, first)
    assert selectors.coverage_for(patient=patient, specialist=offering.specialist).program == second
    covered_payment(patient, offering, second)
    covered_payment(patient, offering, second)
    assert selectors.coverage_for(patient=patient, specialist=offering.specialist) is None
    assert [c.left for c in selectors.coverages_for(patient)] == [0, 0]


def test_a_program_covers_its_own_organizations_sessions_only(patient, org):
    enrol_in_program(patient, org, sessions=4)
    enrol_in_program(patient, org, sessions=0)  # pays no sessions
    elsewhere = SpecialistProfileFactory(organization=OrganizationFactory())
    BillingSettingsFactory(organization=elsewhere.organization)

    assert len(selectors.coverages_for(patient)) == 1
    assert selectors.coverage_for(patient=patient, specialist=elsewhere) is None
    assert selectors.coverages_for(patient, elsewhere.organization) == []


# --- Where the patient pays -------------------------------------------------------------------


def test_the_pay_link_shows_while_something_is_to_pay(billing, offering):
    awaiting = appointment(offering=offering, awaiting_payment=True)
    url = reverse("payments:pay", args=[awaiting.public_id])
    assert selectors.pay_url(awaiting) == gate.pay_url(awaiting) == url

    confirmed = appointment(offering=offering, confirmed=True)
    assert selectors.pay_url(confirmed) == ""
    payment = PaymentFactory(appointment=confirmed, status=Payment.Status.DUE, paid_at=None, receipt_number=None)
    for status, shown in [
        (Payment.Status.DUE, True),
        (Payment.Status.FAILED, True),
        (Payment.Status.REQUIRES_ACTION, True),
        (Payment.Status.PROCESSING, True),
        (Payment.Status.SUCCEEDED, False),
        (Payment.Status.VOID, False),
    ]:
        Payment.objects.filter(pk=payment.pk).update(status=status)
        assert bool(selectors.pay_url(confirmed)) is shown, status

    set_billing(billing, enabled=False)
    assert selectors.pay_url(awaiting) == ""  # no way to pay it here


def test_a_patient_gets_their_own_payment_only(offering):
    payment = PaymentFactory(appointment=appointment(offering=offering, confirmed=True))
    public_id = payment.appointment.public_id

    assert selectors.payment_get_for_patient(patient=payment.patient, appointment_public_id=public_id) == payment
    with pytest.raises(Http404):
        selectors.payment_get_for_patient(patient=UserFactory(), appointment_public_id=public_id)
