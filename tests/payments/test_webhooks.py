"""Stripe's webhook deliveries through the real endpoint, signed with the
real scheme: what is accepted, what is refused with nothing stored, and
that repeats, strangers and events out of order end in the right state,
down to twenty copies of one event arriving at once (PostgreSQL)."""

import json
import threading
import time
import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from booking import services as booking
from booking.models import AppointmentEvent
from booking.states import AppointmentStatus as S
from core.models import Notification
from messaging.models import Message
from payments import services
from payments.models import Payment, PayoutAccount, Refund, WebhookEvent
from tests.booking.test_concurrency import pool_for_every_client  # noqa: F401 (a connection per thread)
from tests.payments.stripe_server import WEBHOOK_SECRET, deliver, payload_of, signature

from .factories import PayoutAccountFactory, book

pytestmark = pytest.mark.django_db(transaction=True)

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL (DATABASE_URL): SQLite serialises every writer, so there is no race to test",
)


@pytest.fixture(autouse=True)
def webhook_secret(settings):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET


@pytest.fixture
def appointment(patient, offering, tomorrow_10):
    """Booked and waiting for its payment, whose intent exists."""
    appointment = book(patient, offering, tomorrow_10)
    services.payment_start(appointment=appointment)
    return appointment


@pytest.fixture
def payment(appointment):
    return appointment.payment


def event(type_: str, obj: dict, *, event_id: str = "") -> dict:
    return {
        "id": event_id or f"evt_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "type": type_,
        "created": int(time.time()),
        "data": {"object": obj},
    }


def succeeded(payment, **kwargs) -> dict:
    intent = {
        "id": payment.intent_id,
        "object": "payment_intent",
        "amount": payment.amount_minor,
        "status": "succeeded",
    }
    return event("payment_intent.succeeded", intent, **kwargs)


def refunded(payment, *refunds: tuple[str, int]) -> dict:
    """`charge.refunded` with the refunds of the charge so far: (id, amount) each."""
    charge = {
        "id": f"ch_{payment.intent_id}",
        "object": "charge",
        "payment_intent": payment.intent_id,
        "amount": payment.amount_minor,
        "amount_refunded": sum(amount for _id, amount in refunds),
        "refunds": {"data": [{"id": id_, "amount": amount, "status": "succeeded"} for id_, amount in refunds]},
    }
    return event("charge.refunded", charge)


def test_a_signed_delivery_is_stored_once_and_settles_the_payment(client, payment, appointment):
    sent = succeeded(payment)

    assert deliver(client, sent).status_code == 200

    stored = WebhookEvent.objects.get()
    assert (stored.event_id, stored.type, stored.outcome) == (sent["id"], sent["type"], WebhookEvent.Outcome.PROCESSED)
    assert stored.payload == sent
    payment.refresh_from_db()
    appointment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert appointment.status == S.CONFIRMED


def _forged(body: bytes) -> tuple[bytes, str]:
    return body, signature(body, secret="whsec_someone_else")


def _altered(body: bytes) -> tuple[bytes, str]:
    return body.replace(b'"succeeded"', b'"succeeded" '), signature(body)


def _too_old(body: bytes) -> tuple[bytes, str]:
    return body, signature(body, timestamp=int(time.time()) - 6 * 60)  # the tolerance is five minutes


def _unsigned(body: bytes) -> tuple[bytes, str]:
    return body, ""


def _not_json(body: bytes) -> tuple[bytes, str]:
    broken = body[: len(body) // 2]
    return broken, signature(broken)


def _no_event_id(body: bytes) -> tuple[bytes, str]:
    anonymous = json.loads(body)
    del anonymous["id"]
    anonymous = payload_of(anonymous)
    return anonymous, signature(anonymous)


@pytest.mark.django_db  # refused before anything commits: the quicker rollback suffices
@pytest.mark.parametrize("spoil", [_forged, _altered, _too_old, _unsigned, _not_json, _no_event_id])
def test_a_forged_altered_old_unsigned_or_malformed_delivery_is_refused_and_changes_nothing(
    spoil, client, payment, appointment
):
    body, header = spoil(payload_of(succeeded(payment)))
    extra = {"HTTP_STRIPE_SIGNATURE": header} if header else {}

    response = client.post(reverse("payments:webhook"), data=body, content_type="application/json", **extra)

    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()
    payment.refresh_from_db()
    appointment.refresh_from_db()
    assert (payment.status, payment.paid_at, payment.receipt_number) == (Payment.Status.DUE, None, None)
    assert appointment.status == S.AWAITING_PAYMENT


def test_a_replayed_event_is_acknowledged_and_changes_nothing(client, payment, patient):
    sent = succeeded(payment)
    assert deliver(client, sent).status_code == 200
    payment.refresh_from_db()
    first = (payment.receipt_number, payment.paid_at, payment.updated_at)

    # Stripe retries, and someone replays it freshly signed: both acknowledged.
    assert deliver(client, sent).status_code == 200
    assert deliver(client, payload_of(sent)).status_code == 200

    assert WebhookEvent.objects.count() == 1
    payment.refresh_from_db()
    assert (payment.receipt_number, payment.paid_at, payment.updated_at) == first
    assert Notification.objects.filter(user=patient, text__startswith="Payment received").count() == 1
    assert len([m for m in mail.outbox if m.subject.startswith("Your receipt")]) == 1


def test_an_event_about_something_unknown_is_stored_and_ignored(client, payment):
    stranger = succeeded(payment)
    stranger["data"]["object"]["id"] = "pi_not_ours"
    unhandled = event("customer.created", {"id": "cus_1", "object": "customer"})

    assert deliver(client, stranger).status_code == 200
    assert deliver(client, unhandled).status_code == 200

    assert set(WebhookEvent.objects.values_list("outcome", flat=True)) == {WebhookEvent.Outcome.IGNORED}
    assert WebhookEvent.objects.count() == 2
    payment.refresh_from_db()
    assert payment.status == Payment.Status.DUE


A = PayoutAccount.Status


@pytest.mark.parametrize(
    ("before", "account", "after"),
    [
        (A.PENDING, {"charges_enabled": True, "payouts_enabled": True, "details_submitted": True}, A.ACTIVE),
        (
            A.ACTIVE,
            {
                "charges_enabled": False,
                "payouts_enabled": False,
                "details_submitted": True,
                "requirements": {"currently_due": ["external_account"]},
            },
            A.NEEDS_INFORMATION,
        ),
        (A.NEEDS_INFORMATION, {"charges_enabled": False, "payouts_enabled": False}, A.PENDING),
    ],
)
def test_account_updated_sets_the_payout_accounts_status(before, account, after, client, specialist):
    connected = PayoutAccountFactory(specialist=specialist, status=before)
    update = event("account.updated", {"id": connected.stripe_account_id, "object": "account", **account})
    update["account"] = connected.stripe_account_id

    assert deliver(client, update).status_code == 200

    connected.refresh_from_db()
    assert connected.status == after
    assert WebhookEvent.objects.get().outcome == WebhookEvent.Outcome.PROCESSED


def test_a_refund_reported_before_the_charge_leaves_it_paid_refunded_and_the_booking_unconfirmed(
    client, payment, appointment, patient
):
    assert deliver(client, refunded(payment, ("re_dashboard", 9000))).status_code == 200
    assert deliver(client, succeeded(payment)).status_code == 200

    payment.refresh_from_db()
    appointment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.paid_at is not None
    assert payment.refunded_minor == payment.amount_minor == 9000
    assert payment.refundable_minor == 0
    [refund] = payment.refunds.all()
    assert (refund.cause, refund.status, refund.amount_minor) == (Refund.Cause.PROVIDER, Refund.Status.SUCCEEDED, 9000)
    # Nothing was kept, so nothing is confirmed: the booking lapses at its deadline.
    assert appointment.status == S.AWAITING_PAYMENT
    assert not AppointmentEvent.objects.filter(appointment=appointment, to_status=S.CONFIRMED).exists()
    booking.appointments_expire_due(now=appointment.expires_at + timedelta(seconds=1))
    appointment.refresh_from_db()
    payment.refresh_from_db()
    assert appointment.status == S.EXPIRED
    assert payment.refunds.count() == 1  # the lapse gives back nothing more
    assert payment.status == Payment.Status.SUCCEEDED
    assert Notification.objects.filter(user=patient, text__startswith="Refund sent").count() == 1


def test_late_news_never_undoes_what_is_settled(client, payment):
    deliver(client, succeeded(payment))
    stale_failure = event(
        "payment_intent.payment_failed",
        {"id": payment.intent_id, "object": "payment_intent", "last_payment_error": {"message": "Declined"}},
    )
    deliver(client, refunded(payment, ("re_1", 3000), ("re_2", 6000)))
    deliver(client, stale_failure)
    deliver(client, refunded(payment, ("re_1", 3000)))  # an earlier report, arriving last

    payment.refresh_from_db()
    assert (payment.status, payment.error_message) == (Payment.Status.SUCCEEDED, "")
    assert payment.refunded_minor == 9000
    assert sorted(payment.refunds.values_list("amount_minor", flat=True)) == [3000, 6000]


# --- Twenty at once (PostgreSQL) ---------------------------------------------------------

THREADS = 20


def deliver_all_at_once(bodies: list[bytes]) -> list:
    """POST each body from its own thread and connection, all released together."""
    barrier = threading.Barrier(len(bodies), timeout=30)
    outcomes = []

    def deliverer(body):
        try:
            connections["default"].ensure_connection()
            header = signature(body)
            barrier.wait()
            response = Client().post(
                reverse("payments:webhook"), data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
            )
            outcomes.append(response.status_code)
        except Exception as error:  # reported by the assertion of the outcomes
            outcomes.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliverer, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def assert_settled_once(payment, appointment, patient, conversation) -> None:
    payment.refresh_from_db()
    appointment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.receipt_number.endswith("-000001")
    assert payment.organization.billing.next_receipt_number == 2  # one number taken
    assert appointment.status == S.CONFIRMED
    assert AppointmentEvent.objects.filter(appointment=appointment, to_status=S.CONFIRMED).count() == 1
    assert Notification.objects.filter(user=patient, text__startswith="Payment received").count() == 1
    assert len([m for m in mail.outbox if m.subject.startswith("Your receipt")]) == 1
    assert conversation.messages.filter(kind=Message.Kind.NOTICE, verb="payment.received").count() == 1


@postgres_only
@pytest.mark.usefixtures("pool_for_every_client")
def test_twenty_simultaneous_deliveries_of_one_event_settle_it_once(payment, appointment, patient, conversation):
    body = payload_of(succeeded(payment))

    outcomes = deliver_all_at_once([body] * THREADS)

    assert outcomes == [200] * THREADS
    assert WebhookEvent.objects.count() == 1
    assert_settled_once(payment, appointment, patient, conversation)


@postgres_only
@pytest.mark.usefixtures("pool_for_every_client")
def test_twenty_different_events_of_one_payment_at_once_settle_it_once(payment, appointment, patient, conversation):
    bodies = [payload_of(succeeded(payment)) for _ in range(THREADS)]

    outcomes = deliver_all_at_once(bodies)

    assert outcomes == [200] * THREADS
    assert WebhookEvent.objects.filter(outcome=WebhookEvent.Outcome.PROCESSED).count() == THREADS
    assert_settled_once(payment, appointment, patient, conversation)
