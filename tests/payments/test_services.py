"""Changing payments with the offline provider: what a payment snapshots,
when starting one is refused, a charge that raced an expiry, refunds by
the cancellation policy and by hand, program coverage, payment after the
session, the receipt email and the notices. (test_journey.py walks the
main paths; this file covers the rules and the edges.)"""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.urls import reverse

from booking import services as booking
from booking.models import BookingSettings
from booking.states import AppointmentStatus as S
from core.models import AuditLog, Notification
from payments import selectors, services, tasks
from payments.models import BillingModel, Payment, PaymentTiming, PayoutAccount, Refund
from payments.providers import ProviderError, offline
from payments.providers.offline import REQUIRES_ACTION, SUCCEEDS
from tests.booking.factories import AppointmentFactory, next_week_at
from tests.booking.test_concurrency import pool_for_every_client  # noqa: F401 (a connection per thread)
from tests.specialists.factories import OfferingFactory

from .factories import PayoutAccountFactory, book, enrol_in_program

pytestmark = pytest.mark.django_db(transaction=True)

P = Payment.Status
HOUR = timedelta(hours=1)


def pay(appointment):
    payment = services.payment_start(appointment=appointment)
    services.offline_card_submit(payment=payment, card_number=SUCCEEDS)
    payment.refresh_from_db()
    appointment.refresh_from_db()
    return payment


def code_of(excinfo) -> str:
    return excinfo.value.code


def cancellation_window(specialist, hours: int) -> None:
    BookingSettings.objects.filter(specialist=specialist).update(cancellation_window_hours=hours)


def notifications(user, start: str) -> list[Notification]:
    return list(Notification.objects.filter(user=user, text__startswith=start))


# --- The payment an appointment asks for -------------------------------------------------


def test_the_payment_snapshots_amount_currency_and_terms_once(billing, specialist, patient, offering, tomorrow_10):
    billing.model = BillingModel.MARKETPLACE
    billing.fee_basis_points = 1000
    billing.fee_fixed_minor = 50
    billing.save()
    PayoutAccountFactory(specialist=specialist, stripe_account_id="acct_lena")
    appointment = book(patient, offering, tomorrow_10)

    payment = Payment.objects.get(appointment=appointment)  # made when it started waiting
    billing.fee_basis_points = 2000
    billing.save()

    assert services.payment_due_create(appointment=appointment) == payment
    assert (payment.amount_minor, payment.currency, payment.status) == (9000, "EUR", P.DUE)
    assert (payment.billing_model, payment.application_fee_minor, payment.connected_account) == (
        BillingModel.MARKETPLACE,
        950,
        "acct_lena",
    )
    assert (payment.patient, payment.specialist, payment.organization) == (patient, specialist, specialist.organization)


def test_no_payment_when_nobody_can_take_it_or_nothing_is_owed(billing, offering):
    free = OfferingFactory(specialist=offering.specialist, price_minor=0)
    assert services.payment_due_create(appointment=AppointmentFactory(offering=free, confirmed=True)) is None

    billing.enabled = False
    billing.save()
    paid = AppointmentFactory(offering=offering, confirmed=True, starts_at=next_week_at(14))
    assert services.payment_due_create(appointment=paid) is None


# --- Starting a payment: refusals ------------------------------------------------------------


def test_a_lapsed_booking_cannot_be_paid(patient, offering, tomorrow_10):
    appointment = book(patient, offering, tomorrow_10)

    with pytest.raises(ValidationError) as late:
        services.payment_start(appointment=appointment, now=appointment.expires_at)
    booking.appointments_expire_due(now=appointment.expires_at)
    appointment.refresh_from_db()
    with pytest.raises(ValidationError) as expired:
        services.payment_start(appointment=appointment)

    assert code_of(late) == code_of(expired) == "lapsed"
    payment = Payment.objects.get(appointment=appointment)
    assert (payment.status, payment.intent_id) == (P.VOID, None)  # nothing was asked of the provider


def test_a_cancelled_booking_cannot_be_paid_and_its_payment_is_void(patient, offering, tomorrow_10):
    appointment = book(patient, offering, tomorrow_10)
    services.payment_start(appointment=appointment)
    booking.appointment_cancel(appointment=appointment, by=patient, reason="Changed my mind")
    appointment.refresh_from_db()

    with pytest.raises(ValidationError) as refused:
        services.payment_start(appointment=appointment)

    assert code_of(refused) == "lapsed"
    payment = Payment.objects.get(appointment=appointment)
    assert payment.status == P.VOID
    assert not payment.refunds.exists()
    assert selectors.pay_url(appointment) == ""


def test_a_paid_session_cannot_be_paid_again(patient, offering, tomorrow_10):
    appointment = book(patient, offering, tomorrow_10)
    payment = pay(appointment)

    with pytest.raises(ValidationError) as refused:
        services.payment_start(appointment=appointment)
    with pytest.raises(ValidationError) as resubmitted:
        services.offline_card_submit(payment=payment, card_number=SUCCEEDS)

    assert (code_of(refused), code_of(resubmitted)) == ("paid", "not_open")
    assert Payment.objects.get(pk=payment.pk).attempts == 1


def test_nothing_to_pay_for_a_free_or_covered_session(patient, offering, tomorrow_10, org):
    free = book(patient, OfferingFactory(specialist=offering.specialist, price_minor=0), tomorrow_10)
    enrol_in_program(patient, org, sessions=1)
    covered = book(patient, offering, tomorrow_10.replace(hour=tomorrow_10.hour + 2))

    assert free.status == covered.status == S.CONFIRMED
    for appointment in (free, covered):
        with pytest.raises(ValidationError) as refused:
            services.payment_start(appointment=appointment)
        assert code_of(refused) == "nothing_due"


def test_the_card_form_checks_the_number_and_belongs_to_the_offline_provider(patient, offering, tomorrow_10):
    payment = services.payment_start(appointment=book(patient, offering, tomorrow_10))

    with pytest.raises(ValidationError) as short:
        services.offline_card_submit(payment=payment, card_number="4242 4242")
    Payment.objects.filter(pk=payment.pk).update(provider="stripe")
    payment.refresh_from_db()
    with pytest.raises(ValidationError) as elsewhere:
        services.offline_card_submit(payment=payment, card_number=SUCCEEDS)

    assert (code_of(short), code_of(elsewhere)) == ("card_number", "not_offline")
    assert (payment.status, payment.attempts) == (P.DUE, 0)


def test_the_bank_refusing_its_extra_step_fails_the_payment(patient, offering, tomorrow_10):
    appointment = book(patient, offering, tomorrow_10)
    payment = services.payment_start(appointment=appointment)
    services.offline_card_submit(payment=payment, card_number=REQUIRES_ACTION)
    payment.refresh_from_db()

    services.offline_authenticate(payment=payment, approved=False)

    appointment.refresh_from_db()
    assert (payment.status, payment.error_message) == (P.FAILED, "Your bank could not confirm this payment.")
    assert appointment.status == S.AWAITING_PAYMENT
    with pytest.raises(ValidationError) as again:
        services.offline_authenticate(payment=payment, approved=True)
    assert code_of(again) == "no_action"


# --- A charge that raced the booking's end -------------------------------------------------------


def test_a_charge_arriving_after_the_booking_lapsed_is_refunded_in_full(patient, offering, tomorrow_10):
    appointment = book(patient, offering, tomorrow_10)
    payment = services.payment_start(appointment=appointment)
    booking.appointments_expire_due(now=appointment.expires_at)
    payment.refresh_from_db()
    assert payment.status == P.VOID

    # The patient's bank answers late: the charge went through all the same.
    intent = {"id": payment.intent_id, "object": "payment_intent", "status": "succeeded"}
    services.webhook_event_accept(offline.event("payment_intent.succeeded", intent))

    payment.refresh_from_db()
    appointment.refresh_from_db()
    assert appointment.status == S.EXPIRED
    assert payment.status == P.SUCCEEDED
    assert payment.refunded_minor == 9000
    [refund] = payment.refunds.all()
    assert (refund.cause, refund.amount_minor, refund.status) == (Refund.Cause.LAPSED, 9000, Refund.Status.SUCCEEDED)
    assert len(notifications(patient, "Refund sent")) == 1


# --- Refunds by the cancellation policy ----------------------------------------------------------


@pytest.mark.parametrize(
    ("cancelled_by", "window_hours", "late_percent", "refunded"),
    [
        ("patient", 14 * 24, 30, 2700),  # late: the organization's share
        ("patient", 14 * 24, 0, 0),
        ("specialist", 14 * 24, 30, 9000),  # the specialist's late cancellation costs the patient nothing
        ("specialist", 2, 30, 9000),
    ],
)
def test_a_cancellation_is_refunded_by_the_policy(
    cancelled_by, window_hours, late_percent, refunded, billing, specialist, patient, offering, tomorrow_10
):
    billing.late_cancellation_refund_percent = late_percent
    billing.save()
    cancellation_window(specialist, window_hours)
    appointment = book(patient, offering, tomorrow_10)
    payment = pay(appointment)

    by = patient if cancelled_by == "patient" else specialist.user
    booking.appointment_cancel(appointment=appointment, by=by, reason="Something came up")

    payment.refresh_from_db()
    assert payment.refunded_minor == refunded
    refunds = list(payment.refunds.all())
    assert [(r.amount_minor, r.cause, r.status) for r in refunds] == (
        [(refunded, Refund.Cause.POLICY, Refund.Status.SUCCEEDED)] if refunded else []
    )
    assert len(notifications(patient, "Refund sent")) == len(refunds)
    for refund in refunds:  # every refund writes an audit row
        assert AuditLog.objects.filter(object_public_id=refund.public_id, action=AuditLog.Action.WRITE).count() == 1


@pytest.mark.parametrize(("fee_percent", "refunded"), [(80, 1800), (100, 0), (0, 9000)])
def test_a_no_show_is_refunded_all_but_the_fee(
    fee_percent, refunded, billing, specialist, patient, offering, tomorrow_10
):
    billing.no_show_fee_percent = fee_percent
    billing.save()
    appointment = book(patient, offering, tomorrow_10)
    payment = pay(appointment)

    booking.appointment_transition(appointment=appointment, to=S.NO_SHOW, by=specialist.user)

    payment.refresh_from_db()
    assert payment.refunded_minor == refunded
    assert payment.refunds.count() == (1 if refunded else 0)


def test_a_cancelled_covered_session_is_given_back_to_the_program(patient, offering, tomorrow_10, org):
    program = enrol_in_program(patient, org, sessions=2).program
    appointment = book(patient, offering, tomorrow_10)
    covered = Payment.objects.get(appointment=appointment)
    assert (covered.kind, covered.status, covered.amount_minor) == (Payment.Kind.COVERAGE, P.SUCCEEDED, 9000)
    assert selectors.coverages_for(patient)[0].used == 1

    booking.appointment_cancel(appointment=appointment, by=patient, reason="Cannot make it")

    covered.refresh_from_db()
    assert covered.status == P.VOID
    assert not covered.refunds.exists()
    [coverage] = selectors.coverages_for(patient)
    assert (coverage.program, coverage.used, coverage.left) == (program, 0, 2)


def test_covered_sessions_are_counted_until_used_up(patient, offering, tomorrow_10, org):
    enrol_in_program(patient, org, sessions=2)
    first = book(patient, offering, tomorrow_10)
    second = book(patient, offering, tomorrow_10.replace(hour=tomorrow_10.hour + 2))
    third = book(patient, offering, tomorrow_10.replace(hour=tomorrow_10.hour + 4))

    assert [a.status for a in (first, second, third)] == [S.CONFIRMED, S.CONFIRMED, S.AWAITING_PAYMENT]
    assert [Payment.objects.get(appointment=a).kind for a in (first, second, third)] == [
        Payment.Kind.COVERAGE,
        Payment.Kind.COVERAGE,
        Payment.Kind.CHARGE,
    ]
    assert selectors.coverages_for(patient)[0].left == 0
    assert services.coverage_record(appointment=first) is None  # counted once


# --- Refunds by hand -----------------------------------------------------------------------------


def test_a_refund_by_hand_cannot_exceed_what_is_left_counting_those_on_their_way(
    specialist, patient, offering, tomorrow_10
):
    payment = pay(book(patient, offering, tomorrow_10))

    def refund(amount, reason="Session cut short"):
        return services.refund_create(
            payment=payment, amount_minor=amount, cause=Refund.Cause.MANUAL, reason=reason, by=specialist.user
        )

    with transaction.atomic():  # the first refund is still on its way to the provider
        refund(6000)
        with pytest.raises(ValidationError) as too_much:
            refund(4000)
        refund(3000)
    payment.refresh_from_db()
    with pytest.raises(ValidationError) as nothing_left:
        refund(1)
    with pytest.raises(ValidationError) as zero:
        refund(0)
    with pytest.raises(ValidationError) as no_reason:
        refund(100, reason="  ")

    assert (code_of(too_much), code_of(nothing_left), code_of(zero)) == ("too_much", "too_much", "amount")
    assert code_of(no_reason) == "reason_required"
    assert payment.refunded_minor == 9000
    assert sorted(payment.refunds.values_list("amount_minor", flat=True)) == [3000, 6000]
    assert {r.by for r in payment.refunds.all()} == {specialist.user}
    assert len(notifications(patient, "Refund sent")) == 2


def test_an_unpaid_payment_cannot_be_refunded(specialist, patient, offering, tomorrow_10):
    payment = services.payment_start(appointment=book(patient, offering, tomorrow_10))

    with pytest.raises(ValidationError) as refused:
        services.refund_create(
            payment=payment, amount_minor=100, cause=Refund.Cause.MANUAL, reason="Goodwill", by=specialist.user
        )

    assert code_of(refused) == "too_much"
    assert not Refund.objects.exists()


# --- Paid after the session ----------------------------------------------------------------------


def test_a_session_paid_afterwards_becomes_due_when_completed(billing, specialist, patient, offering, tomorrow_10):
    billing.default_timing = PaymentTiming.AFTER_SESSION
    billing.save()
    appointment = book(patient, offering, tomorrow_10)
    assert appointment.status == S.CONFIRMED
    assert not Payment.objects.filter(appointment=appointment).exists()

    booking.appointment_transition(appointment=appointment, to=S.COMPLETED, by=specialist.user)

    payment = Payment.objects.get(appointment=appointment)
    assert payment.status == P.DUE
    [due] = notifications(patient, "Payment due")
    assert due.url == reverse("payments:pay", args=[appointment.public_id])
    assert pay(appointment).status == P.SUCCEEDED
    assert appointment.status == S.COMPLETED


# --- The receipt email and the notices ------------------------------------------------------------


def test_the_receipt_is_emailed_once_even_when_the_task_runs_again(patient, offering, tomorrow_10):
    payment = pay(book(patient, offering, tomorrow_10))

    assert tasks.send_receipt(payment.pk) is False
    assert tasks.send_receipt(payment.pk) is False

    receipts = [m for m in mail.outbox if m.subject == f"Your receipt {payment.receipt_number}"]
    assert [m.to for m in receipts] == [[patient.email]]
    payment.refresh_from_db()
    assert payment.receipt_emailed_at is not None


def test_the_patient_is_told_of_the_payment_and_the_refund(specialist, patient, offering, tomorrow_10):
    payment = pay(book(patient, offering, tomorrow_10))
    services.refund_create(
        payment=payment, amount_minor=2500, cause=Refund.Cause.MANUAL, reason="Shorter session", by=specialist.user
    )

    [received] = notifications(patient, "Payment received")
    [sent] = notifications(patient, "Refund sent")
    assert received.url == reverse("payments:receipt", args=[payment.public_id])
    assert sent.url == reverse("payments:history")
    assert "90" in received.text
    assert "25" in sent.text


# --- Connecting a specialist's account (offline) ---------------------------------------------------


def test_a_specialist_connects_on_the_offline_onboarding_page(specialist):
    with pytest.raises(ValidationError) as not_started:
        services.offline_onboarding_finish(specialist=specialist, complete=True)
    url = services.payout_account_onboarding_url(specialist=specialist, return_url="/back", refresh_url="/again")
    account = PayoutAccount.objects.get(specialist=specialist)
    assert (url, account.status) == (reverse("payments:offline-onboarding"), PayoutAccount.Status.PENDING)

    assert services.offline_onboarding_finish(specialist=specialist, complete=False).status == (
        PayoutAccount.Status.NEEDS_INFORMATION
    )
    assert services.offline_onboarding_finish(specialist=specialist, complete=True).status == (
        PayoutAccount.Status.ACTIVE
    )
    services.payout_account_onboarding_url(specialist=specialist, return_url="/back", refresh_url="/again")
    assert PayoutAccount.objects.filter(specialist=specialist).count() == 1
    assert code_of(not_started) == "no_account"


# --- The last covered session, taken at once (PostgreSQL) ---------------------------------------


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL (DATABASE_URL): SQLite serialises every writer, so there is no race to test",
)
@pytest.mark.usefixtures("pool_for_every_client")
def test_twenty_sessions_confirmed_at_once_take_only_the_covered_sessions_left(patient, offering, org):
    program = enrol_in_program(patient, org, sessions=3).program
    appointments = [
        AppointmentFactory(offering=offering, patient=patient, confirmed=True, starts_at=next_week_at(0) + i * HOUR)
        for i in range(20)
    ]
    barrier = threading.Barrier(len(appointments), timeout=30)
    errors = []

    def confirmed(appointment):
        try:
            connections["default"].ensure_connection()
            barrier.wait()
            services.coverage_record(appointment=appointment)
        except Exception as error:  # reported by the assertion below
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=confirmed, args=(a,)) for a in appointments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    payments = Payment.objects.filter(appointment__in=appointments)
    assert payments.filter(kind=Payment.Kind.COVERAGE, program=program, status=P.SUCCEEDED).count() == 3
    # Those that lost the race for the last covered session are charged as usual.
    assert payments.filter(kind=Payment.Kind.CHARGE, status=P.DUE, amount_minor=9000).count() == 17
    assert selectors.coverages_for(patient)[0].left == 0


class RefusingProvider(offline.OfflineProvider):
    """The provider says no to everything asked of it."""

    def create_intent(self, payment, *, idempotency_key):
        raise ProviderError("No such account")

    def refund(self, refund, *, idempotency_key):
        raise ProviderError("Charge already disputed")


def test_a_provider_refusing_the_intent_is_a_clear_message_and_charges_nothing(
    monkeypatch, client, patient, offering, tomorrow_10
):
    appointment = book(patient, offering, tomorrow_10)
    monkeypatch.setattr(services, "provider", RefusingProvider)
    with pytest.raises(ValidationError) as excinfo:
        services.payment_start(appointment=appointment)
    assert code_of(excinfo) == "provider_unavailable"
    assert not Payment.objects.filter(intent_id__isnull=False).exists()
    client.force_login(patient)
    response = client.get(reverse("payments:pay", args=[appointment.public_id]))
    assert response.status_code == 503
    assert "Nothing was charged" in response.content.decode()


def test_a_refund_the_provider_refuses_fails_and_holds_back_nothing(monkeypatch, patient, offering, tomorrow_10):
    payment = pay(book(patient, offering, tomorrow_10))
    monkeypatch.setattr(services, "provider", RefusingProvider)
    refund = services.refund_create(
        payment=payment, amount_minor=9000, cause=Refund.Cause.MANUAL, reason="Goodwill", by=None
    )
    refund.refresh_from_db()
    assert refund.status == Refund.Status.FAILED
    payment.refresh_from_db()
    assert payment.refunded_minor == 0
    monkeypatch.setattr(services, "provider", offline.OfflineProvider)
    again = services.refund_create(
        payment=payment, amount_minor=9000, cause=Refund.Cause.MANUAL, reason="Retry", by=None
    )
    again.refresh_from_db()
    assert again.status == Refund.Status.SUCCEEDED
