"""The patient's payment pages: paying an appointment on the offline test
page (and Stripe's Payment Element), following the payment, the history,
and the "Pay now" buttons on the booking pages.

Payments settle through the provider's events, queued after the commit:
`settled()` runs those hooks, as the worker would a moment later."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from booking import services as booking
from booking.models import AppointmentEvent
from booking.nextsteps import patient_steps
from booking.states import AppointmentStatus as S
from core.models import AuditLog
from core.timeutils import format_datetime
from organizations.models import Membership, ProgramEnrolment
from payments import services
from payments.models import Payment, Refund, WebhookEvent
from payments.providers.offline import DECLINED, REQUIRES_ACTION, SUCCEEDS
from tests.booking.factories import AppointmentFactory
from tests.conftest import member
from tests.messaging.factories_pages import patient_of
from tests.organizations.factories import ProgramFactory

from .factories import PaymentFactory, ProgramBillingFactory

HTMX = {"HTTP_HX_REQUEST": "true"}
BAD_CARD_NUMBER = "Please enter a card number of 12 to 19 digits."


@pytest.fixture
def settled(django_capture_on_commit_callbacks):
    """Run what the commit queued (the provider's events, then what they set off)."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


def book(patient, offering, starts_at):
    """A session paid at booking, confirmed by the patient: it waits for payment."""
    held = booking.appointment_hold(patient=patient, offering=offering, starts_at=starts_at)
    return booking.appointment_hold_confirm(appointment=held, by=patient)


@pytest.fixture
def due(patient, offering, tomorrow_10):
    appointment = book(patient, offering, tomorrow_10)
    assert appointment.status == S.AWAITING_PAYMENT
    return appointment


def pay_url(appointment):
    return reverse("payments:pay", args=[appointment.public_id])


def status_url(appointment):
    return reverse("payments:pay-status", args=[appointment.public_id])


def authenticate_url(appointment):
    return reverse("payments:offline-authenticate", args=[appointment.public_id])


def signed_in(client, user):
    client.force_login(user)
    return client


def paid(patient, offering, starts_at, **fields):
    """A settled card payment of a confirmed session of `patient`'s."""
    appointment = AppointmentFactory(patient=patient, offering=offering, confirmed=True, starts_at=starts_at)
    return PaymentFactory(appointment=appointment, **fields)


def covered(patient, offering, program, starts_at):
    appointment = AppointmentFactory(patient=patient, offering=offering, confirmed=True, starts_at=starts_at)
    return PaymentFactory(
        appointment=appointment,
        program=program,
        kind=Payment.Kind.COVERAGE,
        intent_id=None,
        provider="",
        receipt_number=None,
    )


@pytest.fixture
def wellbeing(org, patient):
    """The patient's employer program, paying for eight sessions."""
    program = ProgramFactory(organization=org, name="Employee Wellbeing")
    ProgramBillingFactory(program=program, covered_sessions=8)
    ProgramEnrolment.objects.create(program=program, patient=patient, via="code")
    return program


# --- The payment page ----------------------------------------------------------------------


def test_the_pay_page_shows_what_is_paid_for_and_the_test_cards(client, patient, due):
    response = signed_in(client, patient).get(pay_url(due))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert "Lena Berg" in page and "Therapy session" in page
    assert format_datetime(due.starts_at, zone_name="America/New_York") in page
    assert "(America/New_York)" in page
    assert "Pay €90.00</button>" in page
    assert "Test payment page" in page
    for card in ("4242 4242 4242 4242", "4000 0000 0000 0002", "4000 0000 0000 9995", "4000 0027 6000 3184"):
        assert card in page
    assert "js.stripe.com" not in page
    payment = Payment.objects.get(appointment=due)
    assert (payment.amount_minor, payment.currency, payment.status, payment.provider) == (
        9000,
        "EUR",
        Payment.Status.DUE,
        "offline",
    )
    assert AuditLog.objects.filter(actor=patient, action="read", object_public_id=payment.public_id).exists()


def test_paying_with_a_good_card_confirms_the_session_at_the_price_of_the_database(client, patient, due, settled):
    client = signed_in(client, patient)
    with settled():
        response = client.post(pay_url(due), {"card_number": "4242 4242 4242 4242", "amount": "1", "currency": "USD"})
    assert response.status_code == 303
    assert response["Location"] == status_url(due)
    payment = Payment.objects.get(appointment=due)
    assert (payment.status, payment.amount_minor, payment.currency) == (Payment.Status.SUCCEEDED, 9000, "EUR")
    assert WebhookEvent.objects.get(type="payment_intent.succeeded").payload["data"]["object"]["amount"] == 9000
    due.refresh_from_db()
    assert due.status == S.CONFIRMED

    page = client.get(status_url(due)).content.decode()
    assert "Payment received" in page
    assert "Your session is confirmed." in page
    assert reverse("payments:receipt", args=[payment.public_id]) in page
    assert reverse("booking:patient-appointment", args=[due.public_id]) in page


def test_a_second_click_on_pay_charges_once_and_follows_the_first(client, patient, due, settled):
    client = signed_in(client, patient)
    with settled():
        client.post(pay_url(due), {"card_number": SUCCEEDS})
    response = client.post(pay_url(due), {"card_number": SUCCEEDS})
    assert response.status_code == 409  # paid already: the page says so, with the receipt
    assert "This session is paid already." in response.content.decode()
    assert Payment.objects.get(appointment=due).attempts == 1
    assert WebhookEvent.objects.count() == 1


def test_a_payment_under_way_sends_the_page_to_its_status(client, patient, due):
    client = signed_in(client, patient)
    client.post(pay_url(due), {"card_number": SUCCEEDS})  # its events wait for the commit
    assert Payment.objects.get(appointment=due).status == Payment.Status.PROCESSING
    for response in (client.get(pay_url(due)), client.post(pay_url(due), {"card_number": SUCCEEDS})):
        assert response.status_code == 303
        assert response["Location"] == status_url(due)
    assert Payment.objects.get(appointment=due).attempts == 1


@pytest.mark.parametrize(
    ("card_number", "message"),
    [
        ("", "Please enter a card number."),
        ("4242-abcd-4242-4242", BAD_CARD_NUMBER),
        ("4242", BAD_CARD_NUMBER),
        ("4" * 20, BAD_CARD_NUMBER),
        ("x" * 41, "Ensure this value has at most 40 characters (it has 41)."),
    ],
)
def test_a_bad_card_number_is_refused_and_nothing_changes(client, patient, due, card_number, message):
    client = signed_in(client, patient)
    client.get(pay_url(due))
    response = client.post(pay_url(due), {"card_number": card_number})
    assert response.status_code == 422
    assert message in response.content.decode()
    payment = Payment.objects.get(appointment=due)
    assert (payment.status, payment.attempts) == (Payment.Status.DUE, 0)
    assert not WebhookEvent.objects.exists()


def test_a_declined_card_says_why_and_offers_to_try_again(client, patient, due, settled):
    client = signed_in(client, patient)
    with settled():
        client.post(pay_url(due), {"card_number": DECLINED})
    page = client.get(status_url(due)).content.decode()
    assert "The payment did not go through" in page
    assert "Your card was declined." in page
    assert f'<a href="{pay_url(due)}" role="button">Try again</a>' in page

    again = client.get(pay_url(due)).content.decode()
    assert "Your last try did not go through: Your card was declined. Nothing was charged." in again
    with settled():
        client.post(pay_url(due), {"card_number": SUCCEEDS})
    assert Payment.objects.get(appointment=due).status == Payment.Status.SUCCEEDED


def test_the_banks_extra_step_is_confirmed_on_the_status_page(client, patient, due, settled):
    client = signed_in(client, patient)
    with settled():
        client.post(pay_url(due), {"card_number": REQUIRES_ACTION})
    page = client.get(status_url(due)).content.decode()
    assert "Your bank asks you to confirm" in page
    assert f'action="{authenticate_url(due)}"' in page
    assert 'value="confirm">Confirm payment</button>' in page and 'value="cancel"' in page

    response = client.post(authenticate_url(due), {"decision": "maybe"})
    assert response.status_code == 422
    assert "Please confirm or cancel the payment." in response.content.decode()
    assert Payment.objects.get(appointment=due).status == Payment.Status.REQUIRES_ACTION

    with settled():
        response = client.post(authenticate_url(due), {"decision": "confirm"})
    assert response.status_code == 303 and response["Location"] == status_url(due)
    assert Payment.objects.get(appointment=due).status == Payment.Status.SUCCEEDED
    assert "Payment received" in client.get(status_url(due)).content.decode()

    again = client.post(authenticate_url(due), {"decision": "confirm"})
    assert again.status_code == 409
    assert "Your bank is not waiting for a confirmation of this payment." in again.content.decode()


def test_cancelling_at_the_bank_fails_the_payment(client, patient, due, settled):
    client = signed_in(client, patient)
    with settled():
        client.post(pay_url(due), {"card_number": REQUIRES_ACTION})
    with settled():
        client.post(authenticate_url(due), {"decision": "cancel"})
    payment = Payment.objects.get(appointment=due)
    assert (payment.status, payment.error_message) == (
        Payment.Status.FAILED,
        "Your bank could not confirm this payment.",
    )
    assert "Try again" in client.get(status_url(due)).content.decode()


def test_an_expired_booking_cannot_be_paid_and_nothing_is_charged(client, patient, offering):
    lapsed = AppointmentFactory(
        patient=patient, offering=offering, awaiting_payment=True, expires_at=timezone.now() - timedelta(minutes=1)
    )
    client = signed_in(client, patient)
    for response in (client.get(pay_url(lapsed)), client.post(pay_url(lapsed), {"card_number": SUCCEEDS})):
        assert response.status_code == 410
        page = response.content.decode()
        assert "The time to pay for this booking has run out, so it was released. Nothing was charged." in page
        assert reverse("booking:book", args=[offering.public_id]) in page
    assert not Payment.objects.exists()
    assert not WebhookEvent.objects.exists()


def test_a_cancelled_booking_cannot_be_paid(client, patient, offering):
    cancelled = AppointmentFactory(patient=patient, offering=offering, cancelled=True)
    response = signed_in(client, patient).get(pay_url(cancelled))
    assert response.status_code == 410
    assert "This booking is no longer active. Nothing was charged." in response.content.decode()


def test_a_covered_session_says_so_and_there_is_nothing_to_pay(client, patient, offering, wellbeing, tomorrow_10):
    session = covered(patient, offering, wellbeing, tomorrow_10)
    response = signed_in(client, patient).get(pay_url(session.appointment))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Covered by Employee Wellbeing (1 of 8 used)" in page
    assert "There is nothing for you to pay for this session." in page
    assert 'name="card_number"' not in page


def test_an_appointment_with_nothing_to_pay_has_no_payment_page(client, patient, offering, tomorrow_10):
    free = AppointmentFactory(patient=patient, offering=offering, confirmed=True, starts_at=tomorrow_10, price_minor=0)
    response = signed_in(client, patient).get(pay_url(free))
    assert response.status_code == 409
    assert "There is nothing to pay for this session." in response.content.decode()
    assert not Payment.objects.exists()


# --- Stripe's Payment Element -----------------------------------------------------------------


@pytest.fixture
def stripe_due(patient, offering, tomorrow_10):
    """A payment whose intent Stripe created (no network: its row says so)."""
    appointment = AppointmentFactory(
        patient=patient,
        offering=offering,
        awaiting_payment=True,
        starts_at=tomorrow_10,
        expires_at=timezone.now() + timedelta(minutes=15),
    )
    return PaymentFactory(
        appointment=appointment,
        status=Payment.Status.DUE,
        provider="stripe",
        intent_id="pi_3Stripe",
        client_secret="pi_3Stripe_secret_abc",
        paid_at=None,
        receipt_number=None,
    )


@override_settings(STRIPE_PUBLISHABLE_KEY="pk_test_123")
def test_with_stripe_the_page_mounts_the_payment_element_on_the_servers_intent(client, patient, stripe_due):
    client = signed_in(client, patient)
    response = client.get(pay_url(stripe_due.appointment))
    page = response.content.decode()
    nonce = response.wsgi_request.csp_nonce
    assert f'<script src="https://js.stripe.com/v3/" nonce="{nonce}"></script>' in page
    assert "js/payments/pay.js" in page
    assert 'data-client-secret="pi_3Stripe_secret_abc"' in page
    assert 'data-key="pk_test_123"' in page
    expected_return = "http://testserver" + status_url(stripe_due.appointment)
    assert f'data-return-url="{expected_return}"' in page
    assert "Test payment page" not in page and "card_number" not in page

    refused = client.post(pay_url(stripe_due.appointment), {"card_number": SUCCEEDS})
    assert refused.status_code == 409
    assert "This payment is not made on the test payment page." in refused.content.decode()
    stripe_due.refresh_from_db()
    assert (stripe_due.status, stripe_due.attempts) == (Payment.Status.DUE, 0)


def test_with_stripe_and_no_publishable_key_the_page_says_it_cannot_take_cards(client, patient, stripe_due):
    page = signed_in(client, patient).get(pay_url(stripe_due.appointment)).content.decode()
    assert "js.stripe.com" not in page
    assert "Card payments are not set up here yet" in page


def test_back_from_stripe_the_status_waits_for_its_event(client, patient, stripe_due):
    client = signed_in(client, patient)
    url = status_url(stripe_due.appointment) + "?payment_intent=pi_3Stripe&redirect_status=succeeded"
    page = client.get(url).content.decode()
    assert "Processing…" in page
    assert 'hx-trigger="every 1s"' in page
    assert "Payment received" not in page  # Stripe's redirect alone settles nothing
    failed = client.get(status_url(stripe_due.appointment) + "?redirect_status=failed").content.decode()
    assert "The payment did not go through" in failed


# --- Following the payment --------------------------------------------------------------------


def test_the_status_page_polls_while_processing_and_stops_once_settled(client, patient, offering, tomorrow_10):
    payment = paid(patient, offering, tomorrow_10, status=Payment.Status.PROCESSING, paid_at=None, receipt_number=None)
    appointment = payment.appointment
    client = signed_in(client, patient)
    page = client.get(status_url(appointment)).content.decode()
    assert "Processing…" in page
    assert f'hx-get="{status_url(appointment)}" hx-trigger="every 1s"' in page

    poll = client.get(status_url(appointment), **HTMX)
    assert poll.status_code == 200
    assert "<html" not in poll.content.decode() and "every 1s" in poll.content.decode()
    assert poll["Vary"] and "HX-Request" in poll["Vary"]

    Payment.objects.filter(pk=payment.pk).update(
        status=Payment.Status.SUCCEEDED, paid_at=timezone.now(), receipt_number="DEMO-000007"
    )
    done = client.get(status_url(appointment), **HTMX)
    assert done.status_code == 286  # htmx stops polling
    body = done.content.decode()
    assert "Payment received" in body and "DEMO-000007" in body and "every 1s" not in body


def test_the_status_of_a_session_not_paid_yet_offers_to_pay(client, patient, due):
    page = signed_in(client, patient).get(status_url(due)).content.decode()
    assert "Not paid yet" in page
    assert f'href="{pay_url(due)}"' in page
    assert "every 1s" not in page


def test_the_bank_step_answers_only_posts(client):
    response = client.get(reverse("payments:offline-authenticate", args=["6f1c4b8e-0000-4000-8000-000000000000"]))
    assert response.status_code == 405


# --- Who may see what ---------------------------------------------------------------------------


def test_another_patients_appointment_and_receipt_are_not_found(client, org, patient, offering, due, tomorrow_10):
    receipt = paid(patient, offering, tomorrow_10 + timedelta(hours=2))
    other = patient_of(org, full_name="Sam Other")
    client = signed_in(client, other)
    for url in (pay_url(due), status_url(due)):
        assert client.get(url).status_code == 404
    assert client.post(pay_url(due), {"card_number": SUCCEEDS}).status_code == 404
    assert client.post(authenticate_url(due), {"decision": "confirm"}).status_code == 404
    for name in ("payments:receipt", "payments:receipt-pdf"):
        assert client.get(reverse(name, args=[receipt.public_id])).status_code == 404
    assert not Payment.objects.filter(appointment=due).exists()
    assert AuditLog.objects.filter(actor=other, action="denied").exists()


@pytest.mark.parametrize("role", [Membership.Role.SPECIALIST, Membership.Role.ADMIN])
def test_staff_get_the_patient_portals_refusal(client, org, patient, offering, due, tomorrow_10, role):
    receipt = paid(patient, offering, tomorrow_10 + timedelta(hours=2))
    client = signed_in(client, member(org, role, staff=True))
    urls = [
        pay_url(due),
        status_url(due),
        reverse("payments:history"),
        reverse("payments:receipt", args=[receipt.public_id]),
        reverse("payments:receipt-pdf", args=[receipt.public_id]),
    ]
    for url in urls:
        assert client.get(url).status_code == 403
    assert client.post(pay_url(due), {"card_number": SUCCEEDS}).status_code == 403
    assert not Payment.objects.filter(appointment=due).exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, patient, offering, due, tomorrow_10):
    receipt = paid(patient, offering, tomorrow_10 + timedelta(hours=2))
    urls = [
        pay_url(due),
        status_url(due),
        reverse("payments:history"),
        reverse("payments:receipt", args=[receipt.public_id]),
        reverse("payments:receipt-pdf", args=[receipt.public_id]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login") + "?next=")
    assert client.post(pay_url(due), {"card_number": SUCCEEDS}).status_code == 302
    assert not Payment.objects.filter(appointment=due).exists()


# --- The history ---------------------------------------------------------------------------------


def test_the_history_lists_charges_refunds_and_covered_sessions_newest_first(
    client, org, patient, offering, wellbeing, tomorrow_10
):
    now = timezone.now()
    first = paid(patient, offering, tomorrow_10, paid_at=now - timedelta(days=3), receipt_number="DEMO-000001")
    Refund.objects.create(
        payment=first,
        amount_minor=4500,
        cause=Refund.Cause.POLICY,
        status=Refund.Status.SUCCEEDED,
        succeeded_at=now - timedelta(days=2),
    )
    Payment.objects.filter(pk=first.pk).update(refunded_minor=4500)
    covered(patient, offering, wellbeing, tomorrow_10 + timedelta(hours=2))
    covered(patient, offering, wellbeing, tomorrow_10 + timedelta(hours=4))
    outsider = paid(patient_of(org), offering, tomorrow_10 + timedelta(hours=6), receipt_number="DEMO-000009")

    response = signed_in(client, patient).get(reverse("payments:history"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Employee Wellbeing" in page and "2 of 8 covered sessions used" in page and "6 left" in page
    history = page.split('id="history-title"', 1)[1]
    order = [
        history.index("Covered by Employee Wellbeing (2 of 8 used)"),
        history.index("Covered by Employee Wellbeing (1 of 8 used)"),
        history.index("Refunded"),
        history.index("Card payment"),
    ]
    assert order == sorted(order)
    assert "\u2212€45.00" in history and "€90.00" in history
    assert reverse("payments:receipt", args=[first.public_id]) in history
    assert "DEMO-000009" not in page and str(outsider.public_id) not in page
    assert AuditLog.objects.filter(actor=patient, action="read", path=reverse("payments:history")).exists()


def test_the_history_offers_to_pay_what_is_due(client, patient, due):
    client = signed_in(client, patient)
    client.get(pay_url(due))  # the payment is made ready
    page = client.get(reverse("payments:history")).content.decode()
    assert "Due" in page
    assert f'href="{pay_url(due)}" role="button"' in page


def test_the_history_costs_the_same_queries_whatever_it_holds(
    client, patient, offering, wellbeing, tomorrow_10, django_assert_num_queries
):
    client = signed_in(client, patient)
    paid(patient, offering, tomorrow_10)
    client.get(reverse("payments:history"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("payments:history"))
    for hours in (2, 4, 6):
        paid(patient, offering, tomorrow_10 + timedelta(hours=hours))
        covered(patient, offering, wellbeing, tomorrow_10 + timedelta(hours=hours + 1))
    with django_assert_num_queries(len(few)):
        client.get(reverse("payments:history"))


def test_an_empty_history_says_what_will_appear(client, patient):
    page = signed_in(client, patient).get(reverse("payments:history")).content.decode()
    assert "No payments yet" in page
    assert "When you pay for a session, or a program covers one, it appears here with its receipt." in page


def test_the_patient_navigation_leads_to_the_payments(client, patient):
    page = signed_in(client, patient).get(reverse("core:patient-home")).content.decode()
    assert f'<a href="{reverse("payments:history")}" >Payments</a>' in page


# --- "Pay now" on the booking pages ---------------------------------------------------------------


def test_the_appointment_page_and_list_offer_to_pay(client, patient, due):
    client = signed_in(client, patient)
    detail = client.get(reverse("booking:patient-appointment", args=[due.public_id])).content.decode()
    assert f'<a href="{pay_url(due)}" role="button">Pay now</a>' in detail
    listing = client.get(reverse("booking:patient-appointments")).content.decode()
    assert f'<a href="{pay_url(due)}" role="button">Pay now' in listing


def test_the_home_card_of_a_payment_due_goes_straight_to_paying(patient, due):
    [step] = [step for step in patient_steps(user=patient) if step.title.startswith("Payment due")]
    assert step.url == pay_url(due)
    assert step.cta == "Pay now"


def test_after_accepting_a_proposal_asking_for_payment_its_page_offers_to_pay(
    client, patient, specialist, offering, tomorrow_10
):
    proposal = booking.proposal_create(
        specialist=specialist,
        patient=patient,
        offering=offering,
        starts_at=[tomorrow_10, tomorrow_10 + timedelta(hours=2)],
        expires_at=tomorrow_10 - timedelta(hours=1),  # before the first time, whatever the hour now
        payment_required=True,
        by=specialist.user,
    )
    chosen = proposal.appointments.order_by("starts_at").first()
    booking.proposal_accept(proposal=proposal, appointment=chosen, by=patient)
    chosen.refresh_from_db()
    assert chosen.status == S.AWAITING_PAYMENT
    page = signed_in(client, patient).get(reverse("booking:patient-proposal", args=[proposal.public_id]))
    assert f'<a href="{pay_url(chosen)}" role="button">Pay now</a>' in page.content.decode()


def test_a_session_paid_after_it_took_place_is_offered_on_the_list(client, patient, offering):
    past = AppointmentFactory(
        patient=patient, offering=offering, completed=True, starts_at=timezone.now() - timedelta(days=2)
    )
    AppointmentEvent.objects.create(appointment=past, from_status="", to_status=S.CONFIRMED)
    services.payment_due_create(appointment=past)
    client = signed_in(client, patient)
    listing = client.get(reverse("booking:patient-appointments")).content.decode()
    assert "To pay" in listing
    assert f'<a href="{pay_url(past)}" role="button">Pay now' in listing
    detail = client.get(reverse("booking:patient-appointment", args=[past.public_id])).content.decode()
    assert "Not paid yet" in detail and f'href="{pay_url(past)}"' in detail


def test_the_appointment_page_says_how_its_payment_stands(client, patient, offering, wellbeing, tomorrow_10):
    client = signed_in(client, patient)

    def detail(payment):
        url = reverse("booking:patient-appointment", args=[payment.appointment.public_id])
        return " ".join(client.get(url).content.decode().split())

    card = paid(patient, offering, tomorrow_10)
    page = detail(card)
    assert f'Paid · <a href="{reverse("payments:receipt", args=[card.public_id])}">receipt' in page

    Payment.objects.filter(pk=card.pk).update(refunded_minor=4500)
    assert "Refunded €45.00" in detail(card)
    Payment.objects.filter(pk=card.pk).update(refunded_minor=9000)
    assert "Refunded in full (€90.00)" in detail(card)

    assert "Covered by Employee Wellbeing (1 of 8 used)" in detail(
        covered(patient, offering, wellbeing, tomorrow_10 + timedelta(hours=2))
    )
