"""The Stripe provider against localstripe: a real PaymentIntent made from
the database's amount, paid with a test card, settled by the signed
webhook Stripe would send, and refunded.

Every request is also looked at as it leaves the SDK (`sent`): the
idempotency keys and the `Stripe-Account` header of direct charges.
localstripe refuses the Connect parameters of destination charges
(`transfer_data`, `application_fee_amount`, `reverse_transfer`) and has no
accounts API, so those calls are answered by a recording transport
(`connect_only`) and asserted there.
"""

import json
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

import pytest
import stripe
from django.core import mail
from django.urls import reverse
from stripe._http_client import HTTPClient

from booking import services as booking
from booking.models import AppointmentEvent
from booking.states import AppointmentStatus as S
from core.models import Notification
from payments import services
from payments.models import BillingModel, Payment, PayoutAccount, Refund, WebhookEvent
from payments.providers.offline import SUCCEEDS
from payments.providers.stripe import StripeProvider
from tests.payments import stripe_server
from tests.payments.stripe_server import localstripe, stripe_api  # noqa: F401 (fixtures)

from .factories import PayoutAccountFactory, book

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("stripe_api")]


@dataclass(frozen=True)
class Sent:
    method: str
    path: str
    headers: dict
    params: dict


def _record(requests: list, method: str, url: str, headers, post_data) -> None:
    params = dict(parse_qsl(post_data or "", keep_blank_values=True))
    requests.append(Sent(method.upper(), urlsplit(url).path, dict(headers), params))


@pytest.fixture
def sent(monkeypatch):
    """The requests the SDK sends, recorded as they leave it and passed on."""
    requests: list[Sent] = []
    passed_on = HTTPClient.request_with_retries

    def recording(self, method, url, headers, post_data=None, *args, **kwargs):
        _record(requests, method, url, headers, post_data)
        return passed_on(self, method, url, headers, post_data, *args, **kwargs)

    monkeypatch.setattr(HTTPClient, "request_with_retries", recording)
    return requests


CONNECT_ANSWERS = {
    "/v1/payment_intents": {"id": "pi_connect1", "object": "payment_intent", "client_secret": "pi_connect1_secret_x"},
    "/v1/refunds": {"id": "re_connect1", "object": "refund", "status": "pending"},
    "/v1/accounts": {"id": "acct_connect1", "object": "account"},
    "/v1/account_links": {"object": "account_link", "url": "https://connect.stripe.test/setup/e/acct_connect1"},
}


@pytest.fixture
def connect_only(monkeypatch):
    """Stripe's answers to the Connect calls, given here: each request is
    recorded and nothing is sent."""
    requests: list[Sent] = []

    def answering(self, method, url, headers, post_data=None, *args, **kwargs):
        _record(requests, method, url, headers, post_data)
        return json.dumps(CONNECT_ANSWERS[urlsplit(url).path]), 200, {"Request-Id": "req_test"}

    monkeypatch.setattr(HTTPClient, "request_with_retries", answering)
    return requests


def posts_to(requests: list[Sent], path: str) -> list[Sent]:
    return [r for r in requests if r.method == "POST" and r.path == path]


def pay_at_stripe(http, payment: Payment) -> None:
    """The patient pays with a test card; Stripe's webhook reports it."""
    stripe_server.confirm(payment.intent_id)
    event = stripe_server.event_of("payment_intent.succeeded", payment.intent_id)
    assert stripe_server.deliver(http, event).status_code == 200


def test_the_intent_is_made_at_stripe_with_the_amount_of_the_database(sent, patient, offering, tomorrow_10):
    appointment = book(patient, offering, tomorrow_10)
    offering.price_minor = 100  # a later price change does not reach a booked session
    offering.save()

    payment = services.payment_start(appointment=appointment)

    intent = stripe_server.client().v1.payment_intents.retrieve(payment.intent_id)
    assert (intent.amount, intent.currency, intent.status) == (9000, "eur", "requires_payment_method")
    assert intent.metadata["payment"] == str(payment.public_id)
    assert (payment.provider, payment.client_secret) == ("stripe", intent.client_secret)
    [created] = posts_to(sent, "/v1/payment_intents")
    assert created.headers["Idempotency-Key"] == f"intent-{payment.public_id}"
    assert "Stripe-Account" not in created.headers  # the platform's own account
    assert (created.params["amount"], created.params["currency"]) == ("9000", "eur")
    assert "transfer_data[destination]" not in created.params

    assert services.payment_start(appointment=appointment).intent_id == payment.intent_id
    assert len(posts_to(sent, "/v1/payment_intents")) == 1  # a second visit makes no second intent


def test_a_tampered_payment_page_cannot_change_what_stripe_is_asked_for(sent, client, patient, offering, tomorrow_10):
    appointment = book(patient, offering, tomorrow_10)
    client.force_login(patient)
    page = reverse("payments:pay", args=[appointment.public_id])

    opened = client.get(page, {"amount": "100", "currency": "usd", "amount_minor": "100"})
    posted = client.post(page, {"amount": "100", "currency": "usd", "card_number": SUCCEEDS})

    assert opened.status_code == 200
    assert posted.status_code == 409  # Stripe's card form is its own: nothing is paid on this page
    payment = Payment.objects.get(appointment=appointment)
    [created] = posts_to(sent, "/v1/payment_intents")
    assert (created.params["amount"], created.params["currency"]) == ("9000", "eur")
    intent = stripe_server.client().v1.payment_intents.retrieve(payment.intent_id)
    assert (intent.amount, intent.currency) == (9000, "eur")
    assert (payment.amount_minor, payment.currency, payment.status) == (9000, "EUR", Payment.Status.DUE)


def test_paid_with_a_test_card_the_signed_webhook_settles_it_and_confirms_the_booking(
    client, patient, offering, tomorrow_10
):
    appointment = book(patient, offering, tomorrow_10)
    payment = services.payment_start(appointment=appointment)

    pay_at_stripe(client, payment)

    payment.refresh_from_db()
    appointment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.paid_at is not None
    assert payment.receipt_number.endswith("-000001")
    assert appointment.status == S.CONFIRMED
    assert AppointmentEvent.objects.filter(appointment=appointment, to_status=S.CONFIRMED).count() == 1
    assert WebhookEvent.objects.get(type="payment_intent.succeeded").outcome == WebhookEvent.Outcome.PROCESSED
    assert [m.to for m in mail.outbox if m.subject == f"Your receipt {payment.receipt_number}"] == [[patient.email]]
    assert Notification.objects.filter(user=patient, text__startswith="Payment received").count() == 1


def test_a_declined_card_leaves_the_booking_waiting_with_the_banks_words(client, patient, offering, tomorrow_10):
    appointment = book(patient, offering, tomorrow_10)
    payment = services.payment_start(appointment=appointment)

    with pytest.raises(stripe.CardError):
        stripe_server.confirm(payment.intent_id, "pm_card_chargeCustomerFail")
    event = stripe_server.event_of("payment_intent.payment_failed", payment.intent_id)
    assert stripe_server.deliver(client, event).status_code == 200

    payment.refresh_from_db()
    appointment.refresh_from_db()
    assert (payment.status, payment.error_message) == (Payment.Status.FAILED, "Your card was declined.")
    assert payment.receipt_number is None
    assert appointment.status == S.AWAITING_PAYMENT


def test_refunds_are_made_at_stripe_once_each_and_marked_sent_by_its_webhook(
    sent, client, patient, offering, specialist, tomorrow_10
):
    appointment = book(patient, offering, tomorrow_10)
    payment = services.payment_start(appointment=appointment)
    pay_at_stripe(client, payment)

    manual = services.refund_create(
        payment=payment, amount_minor=3000, cause=Refund.Cause.MANUAL, reason="Shorter session", by=specialist.user
    )
    manual.refresh_from_db()
    at_stripe = stripe_server.client().v1.refunds.list(params={"payment_intent": payment.intent_id}).data
    assert [(r.id, r.amount, r.metadata["refund"]) for r in at_stripe] == [
        (manual.provider_refund_id, 3000, str(manual.public_id))
    ]
    [asked] = posts_to(sent, "/v1/refunds")
    assert asked.headers["Idempotency-Key"] == f"refund-{manual.public_id}"
    assert (asked.params["payment_intent"], asked.params["amount"]) == (payment.intent_id, "3000")
    assert manual.status == Refund.Status.PENDING  # until Stripe reports it

    assert stripe_server.deliver(client, stripe_server.charge_refunded_event(payment.intent_id)).status_code == 200
    manual.refresh_from_db()
    payment.refresh_from_db()
    assert manual.status == Refund.Status.SUCCEEDED
    assert payment.refunded_minor == 3000

    # The specialist calls the session off: the policy gives back the rest.
    booking.appointment_cancel(appointment=appointment, by=specialist.user, reason="Unwell")
    policy = payment.refunds.get(cause=Refund.Cause.POLICY)
    assert policy.amount_minor == 6000
    assert stripe_server.deliver(client, stripe_server.charge_refunded_event(payment.intent_id)).status_code == 200
    payment.refresh_from_db()
    assert payment.refunded_minor == 9000
    assert set(payment.refunds.values_list("status", flat=True)) == {Refund.Status.SUCCEEDED}
    assert payment.refunds.count() == 2  # Stripe's report of ours added none of its own
    assert [r.headers["Idempotency-Key"] for r in posts_to(sent, "/v1/refunds")] == [
        f"refund-{manual.public_id}",
        f"refund-{policy.public_id}",
    ]
    assert Notification.objects.filter(user=patient, text__startswith="Refund sent").count() == 2


def test_a_refund_reported_before_stripes_answer_was_stored_is_matched_to_ours(
    monkeypatch, client, patient, offering, specialist, tomorrow_10
):
    appointment = book(patient, offering, tomorrow_10)
    payment = services.payment_start(appointment=appointment)
    pay_at_stripe(client, payment)
    asks_stripe = StripeProvider.refund

    def answered_after_the_webhook(self, refund, *, idempotency_key):
        answer = asks_stripe(self, refund, idempotency_key=idempotency_key)
        report = stripe_server.charge_refunded_event(payment.intent_id)
        assert stripe_server.deliver(client, report).status_code == 200
        return answer

    monkeypatch.setattr(StripeProvider, "refund", answered_after_the_webhook)
    refund = services.refund_create(
        payment=payment, amount_minor=9000, cause=Refund.Cause.MANUAL, reason="Goodwill", by=specialist.user
    )

    [stored] = payment.refunds.all()
    [at_stripe] = stripe_server.client().v1.refunds.list(params={"payment_intent": payment.intent_id}).data
    assert (stored.pk, stored.cause, stored.status) == (refund.pk, Refund.Cause.MANUAL, Refund.Status.SUCCEEDED)
    assert stored.provider_refund_id == at_stripe.id
    payment.refresh_from_db()
    assert payment.refunded_minor == 9000


@pytest.mark.parametrize("model", [BillingModel.SPECIALIST, BillingModel.PLATFORM])
def test_a_direct_charge_is_made_on_the_account_that_takes_the_money(
    model, sent, client, billing, patient, offering, specialist, tomorrow_10
):
    billing.model = model
    billing.stripe_account_id = "acct_clinic" if model == BillingModel.PLATFORM else ""
    billing.save()
    PayoutAccountFactory(specialist=specialist, stripe_account_id="acct_lena")
    account = "acct_clinic" if model == BillingModel.PLATFORM else "acct_lena"

    payment = services.payment_start(appointment=book(patient, offering, tomorrow_10))
    pay_at_stripe(client, payment)
    refund = services.refund_create(
        payment=payment, amount_minor=9000, cause=Refund.Cause.MANUAL, reason="Goodwill", by=specialist.user
    )

    assert (payment.connected_account, payment.application_fee_minor) == (account, 0)
    [charge] = posts_to(sent, "/v1/payment_intents")
    [refunded] = posts_to(sent, "/v1/refunds")
    assert charge.headers["Stripe-Account"] == account
    assert charge.headers["Idempotency-Key"] == f"intent-{payment.public_id}"
    assert "transfer_data[destination]" not in charge.params
    assert "application_fee_amount" not in charge.params
    assert refunded.headers["Stripe-Account"] == account
    assert refunded.headers["Idempotency-Key"] == f"refund-{refund.public_id}"


def test_marketplace_a_destination_charge_keeps_the_organizations_fee(
    connect_only, billing, patient, offering, specialist, tomorrow_10
):
    billing.model = BillingModel.MARKETPLACE
    billing.fee_basis_points = 1250
    billing.fee_fixed_minor = 30
    billing.save()
    PayoutAccountFactory(specialist=specialist, stripe_account_id="acct_lena")

    payment = services.payment_start(appointment=book(patient, offering, tomorrow_10))
    # Settled as the webhook would, then refunded in part.
    services.webhook_event_accept(
        {
            "id": "evt_marketplace_paid",
            "type": "payment_intent.succeeded",
            "data": {"object": {"id": payment.intent_id, "object": "payment_intent", "status": "succeeded"}},
        }
    )
    refund = services.refund_create(
        payment=payment, amount_minor=4000, cause=Refund.Cause.MANUAL, reason="Shorter session", by=specialist.user
    )

    assert (payment.intent_id, payment.application_fee_minor) == ("pi_connect1", 1155)  # 12.5 % of 90.00 + 0.30
    [charge] = posts_to(connect_only, "/v1/payment_intents")
    assert charge.headers["Idempotency-Key"] == f"intent-{payment.public_id}"
    assert "Stripe-Account" not in charge.headers  # made on the platform, paid out to the specialist
    assert charge.params["transfer_data[destination]"] == "acct_lena"
    assert charge.params["application_fee_amount"] == "1155"
    assert (charge.params["amount"], charge.params["currency"]) == ("9000", "eur")
    [refunded] = posts_to(connect_only, "/v1/refunds")
    assert refunded.headers["Idempotency-Key"] == f"refund-{refund.public_id}"
    assert "Stripe-Account" not in refunded.headers
    assert refunded.params["reverse_transfer"] == "true"
    assert refunded.params["refund_application_fee"] == "true"
    assert refunded.params["amount"] == "4000"


def test_connecting_a_specialist_creates_one_express_account_and_an_onboarding_link(connect_only, specialist):
    urls = {"return_url": "https://daraport.test/back", "refresh_url": "https://daraport.test/again"}

    first = services.payout_account_onboarding_url(specialist=specialist, **urls)
    again = services.payout_account_onboarding_url(specialist=specialist, **urls)

    assert first == again == CONNECT_ANSWERS["/v1/account_links"]["url"]
    account = PayoutAccount.objects.get(specialist=specialist)
    assert (account.stripe_account_id, account.status) == ("acct_connect1", PayoutAccount.Status.PENDING)
    [created] = posts_to(connect_only, "/v1/accounts")
    assert created.headers["Idempotency-Key"] == f"account-{specialist.public_id}"
    assert (created.params["type"], created.params["email"]) == ("express", specialist.user.email)
    links = posts_to(connect_only, "/v1/account_links")
    assert [(link.params["account"], link.params["type"]) for link in links] == [
        ("acct_connect1", "account_onboarding")
    ] * 2
