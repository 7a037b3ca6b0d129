"""The money journey through the services with the offline provider: pay
at booking, a declined card then a good one, the bank's extra step, a
cancellation refunded by the policy, and a program's covered session."""

from datetime import timedelta

import pytest

from booking import services as booking
from booking.states import AppointmentStatus as S
from core.models import Notification
from messaging.models import Message
from organizations.models import ProgramEnrolment
from payments import services
from payments.models import Payment, Refund
from payments.providers.offline import DECLINED, REQUIRES_ACTION, SUCCEEDS
from tests.organizations.factories import ProgramFactory

from .factories import ProgramBillingFactory

pytestmark = pytest.mark.django_db(transaction=True)


def book(patient, offering, starts_at):
    held = booking.appointment_hold(patient=patient, offering=offering, starts_at=starts_at)
    return booking.appointment_hold_confirm(appointment=held, by=patient)


def test_paid_at_booking_the_hold_waits_for_the_payment_which_confirms_it(patient, offering, tomorrow_10):
    appointment = book(patient, offering, tomorrow_10)
    assert appointment.status == S.AWAITING_PAYMENT
    payment = services.payment_start(appointment=appointment)
    assert (payment.amount_minor, payment.currency, payment.status) == (9000, "EUR", Payment.Status.DUE)

    services.offline_card_submit(payment=payment, card_number=DECLINED)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert payment.error_message == "Your card was declined."

    services.offline_card_submit(payment=payment, card_number=SUCCEEDS)
    payment.refresh_from_db()
    appointment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.receipt_number == "R-000001"
    assert appointment.status == S.CONFIRMED
    assert Notification.objects.filter(user=patient, text__startswith="Payment received").count() == 1


def test_the_banks_extra_step(patient, offering, tomorrow_10):
    payment = services.payment_start(appointment=book(patient, offering, tomorrow_10))
    services.offline_card_submit(payment=payment, card_number=REQUIRES_ACTION)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REQUIRES_ACTION
    services.offline_authenticate(payment=payment, approved=True)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED


def test_cancelled_in_time_is_refunded_in_full(patient, offering, tomorrow_10):
    # A day later than usual: outside the 24-hour cancellation window whatever the hour now.
    appointment = book(patient, offering, tomorrow_10 + timedelta(days=1))
    payment = services.payment_start(appointment=appointment)
    services.offline_card_submit(payment=payment, card_number=SUCCEEDS)
    appointment.refresh_from_db()
    booking.appointment_cancel(appointment=appointment, by=patient, reason="Cannot make it")
    payment.refresh_from_db()
    refund = payment.refunds.get()
    assert (refund.amount_minor, refund.status, refund.cause) == (9000, Refund.Status.SUCCEEDED, Refund.Cause.POLICY)
    assert payment.refunded_minor == 9000


def test_a_program_covers_its_sessions_then_the_patient_pays(patient, offering, tomorrow_10, org):
    program = ProgramFactory(organization=org)
    ProgramBillingFactory(program=program, covered_sessions=1)
    ProgramEnrolment.objects.create(program=program, patient=patient, via="code")
    first = book(patient, offering, tomorrow_10)
    assert first.status == S.CONFIRMED
    assert Payment.objects.get(appointment=first).kind == Payment.Kind.COVERAGE
    second = book(patient, offering, tomorrow_10.replace(hour=tomorrow_10.hour + 2))
    assert second.status == S.AWAITING_PAYMENT


def pay(appointment):
    payment = services.payment_start(appointment=appointment)
    services.offline_card_submit(payment=payment, card_number=SUCCEEDS)
    payment.refresh_from_db()
    appointment.refresh_from_db()
    return payment


def test_the_thread_hears_of_the_payment_and_the_refund(patient, offering, tomorrow_10, conversation):
    appointment = book(patient, offering, tomorrow_10)
    pay(appointment)
    booking.appointment_cancel(appointment=appointment, by=offering.specialist.user, reason="Unwell")
    verbs = list(conversation.messages.filter(kind=Message.Kind.NOTICE).values_list("verb", flat=True))
    assert verbs.count("payment.received") == 1
    assert verbs.count("payment.refunded") == 1


def test_a_proposal_asking_for_payment_is_confirmed_by_it_and_the_other_times_released(
    patient, offering, tomorrow_10, conversation
):
    proposal = booking.proposal_create(
        specialist=offering.specialist,
        patient=patient,
        offering=offering,
        starts_at=[tomorrow_10, tomorrow_10 + timedelta(hours=2)],
        expires_at=tomorrow_10 - timedelta(hours=2),
        payment_required=True,
        by=offering.specialist.user,
    )
    first, second = proposal.appointments.order_by("starts_at")
    chosen = booking.proposal_accept(proposal=proposal, appointment=first, by=patient)
    assert chosen.status == S.AWAITING_PAYMENT
    second.refresh_from_db()
    assert second.status == S.DECLINED
    assert pay(chosen).status == Payment.Status.SUCCEEDED
    assert chosen.status == S.CONFIRMED


def test_an_accepted_request_of_a_service_paid_first_waits_for_the_payment(patient, offering, tomorrow_10):
    offering.booking_mode = offering.BookingMode.ON_REQUEST
    offering.save()
    requested = booking.appointment_request(patient=patient, offering=offering, starts_at=tomorrow_10)
    accepted = booking.appointment_request_accept(appointment=requested, by=offering.specialist.user)
    assert accepted.status == S.AWAITING_PAYMENT
    assert Payment.objects.get(appointment=accepted).status == Payment.Status.DUE
