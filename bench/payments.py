"""Timings of paying for a session, and of the provider's webhooks.

`make bench` runs this after the booking timings, in the same throw-away
database (SQLite, or PostgreSQL when DATABASE_URL says so). On its own:

    DJANGO_SETTINGS_MODULE=daraport.settings.test python -m bench.payments

A clinic takes payments online (platform-managed, paid at booking) with
the built-in offline provider. Its specialist in Europe/Berlin works
every day 07:00-21:00 with 50-minute sessions on the hour, 60 days ahead.

1. Booking plus payment, through the views: each round a patient holds a
   free time (POST `booking:book`), confirms it (POST `booking:hold-confirm`,
   which now waits for the payment and sends them to `payments:pay`), opens
   the payment page (GET, which creates the payment's intent) and pays with
   the test card that succeeds (POST). The provider's answer is an event,
   queued as in production (Celery is not eager here); the worker's share,
   processing it (the payment settles and confirms the booking), is timed
   on its own row and is not part of the patient's four requests.
2. Webhooks: `BENCH_WEBHOOKS` (2,000) appointments of other specialists wait
   for their payment; one `payment_intent.succeeded` event each is
   delivered to `payments:webhook` with a valid `Stripe-Signature`, then the
   stored events are processed by the worker's service, then every event
   is delivered again (a retried delivery: nothing new is stored or queued).

p50/p95 are in milliseconds, with the SQL queries of one call (of one
round for the whole booking plus payment); throughput in calls a second,
one after another on one connection.
"""

import gc
import hashlib
import hmac
import json
import logging
import os
import random
import statistics
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "daraport.settings.test")
django.setup()

from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from bench import on_test_database  # noqa: E402
from booking.models import Appointment, AvailabilityRule, BookingSettings  # noqa: E402
from booking.selectors import free_slots_for_offering  # noqa: E402
from booking.states import AppointmentStatus  # noqa: E402
from core.models import QueuedTask  # noqa: E402
from daraport.celery import app as celery_app  # noqa: E402
from organizations.models import Membership, Organization  # noqa: E402
from payments.models import BillingModel, BillingSettings, Payment, PaymentTiming, WebhookEvent  # noqa: E402
from payments.providers.offline import SUCCEEDS  # noqa: E402
from payments.services import webhook_event_process  # noqa: E402
from specialists.models import Offering, SpecialistProfile  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "200"))
WEBHOOKS = int(os.environ.get("BENCH_WEBHOOKS", "2000"))
WEBHOOK_SECRET = "whsec_bench"
BERLIN = ZoneInfo("Europe/Berlin")
# The due payments of the webhook run: this many per specialist, ten a day
# (08:00-17:00 Berlin) from tomorrow on.
PER_SPECIALIST = 100


def _specialist(org: Organization, n: int) -> Offering:
    user = User.objects.create(
        email=f"bench-payments-specialist-{n}@bench.test", full_name="Bench", timezone="Europe/Berlin"
    )
    Membership.objects.create(user=user, organization=org, role=Membership.Role.SPECIALIST)
    profile = SpecialistProfile.objects.create(
        user=user,
        organization=org,
        slug=f"bench-payments-{n}",
        display_name=f"Bench Payments {n}",
        status=SpecialistProfile.Status.APPROVED,
    )
    BookingSettings.objects.create(
        specialist=profile,
        minimum_notice_minutes=120,
        horizon_days=60,
        slot_increment_minutes=60,
        buffer_after_minutes=10,
    )
    AvailabilityRule.objects.bulk_create(
        AvailabilityRule(specialist=profile, weekday=day, start_time="07:00", end_time="21:00") for day in range(7)
    )
    return Offering.objects.create(specialist=profile, name="Session", duration_minutes=50, price_minor=9000)


def _patients(org: Organization, prefix: str, count: int) -> list[User]:
    patients = User.objects.bulk_create(
        User(email=f"bench-payments-{prefix}-{n}@bench.test", full_name=f"Patient {n}", password="!")
        for n in range(count)
    )
    Membership.objects.bulk_create(
        Membership(user=patient, organization=org, role=Membership.Role.PATIENT) for patient in patients
    )
    return patients


def build(rounds: int = ROUNDS, webhooks: int = WEBHOOKS) -> tuple[Offering, list[User], list[Payment]]:
    """The clinic; the offering booked and paid in the views, with a patient
    per round (and one to warm up); and `webhooks` payments due."""
    org, _ = Organization.objects.get_or_create(slug="bench-payments", defaults={"name": "Bench Payments"})
    BillingSettings.objects.create(
        organization=org,
        enabled=True,
        model=BillingModel.PLATFORM,
        default_timing=PaymentTiming.AT_BOOKING,
        legal_name="Bench Payments GmbH",
        address="1 Example Street\n10115 Berlin",
    )
    offering = _specialist(org, 0)
    patients = _patients(org, "patient", rounds + 1)

    payers = _patients(org, "payer", webhooks)
    offerings = [_specialist(org, n + 1) for n in range(-(-webhooks // PER_SPECIALIST))]
    tomorrow = timezone.now().astimezone(BERLIN).date() + timedelta(days=1)
    appointments = []
    for n, payer in enumerate(payers):
        due = offerings[n // PER_SPECIALIST]
        slot = n % PER_SPECIALIST
        day = tomorrow + timedelta(days=slot // 10)
        starts_at = datetime(day.year, day.month, day.day, 8 + slot % 10, tzinfo=BERLIN)
        appointments.append(
            Appointment(
                patient=payer,
                specialist=due.specialist,
                offering=due,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=50),
                status=AppointmentStatus.AWAITING_PAYMENT,
                expires_at=timezone.now() + timedelta(days=1),
                price_minor=due.price_minor,
                currency=due.currency,
                patient_timezone="UTC",
                specialist_timezone="Europe/Berlin",
            )
        )
    appointments = Appointment.objects.bulk_create(appointments)
    payments = Payment.objects.bulk_create(
        Payment(
            appointment=appointment,
            patient=appointment.patient,
            organization=org,
            specialist=appointment.specialist,
            amount_minor=appointment.price_minor,
            currency=appointment.currency,
            billing_model=BillingModel.PLATFORM,
            provider="offline",
            intent_id=f"pi_bench_{n:06d}",
        )
        for n, appointment in enumerate(appointments)
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return offering, patients, payments


def _p50_p95(timings: list[float]) -> tuple[float, float]:
    timings = sorted(timings)
    return statistics.median(timings), timings[max(int(len(timings) * 0.95) - 1, 0)]


def _timed(call, *args, **kwargs) -> tuple:
    """What `call(*args, **kwargs)` returns, its milliseconds and its SQL queries."""
    reset_queries()  # the log keeps 9,000 queries at most: start counting afresh
    with CaptureQueriesContext(connection) as queries:
        began = time.perf_counter()
        result = call(*args, **kwargs)
        elapsed = (time.perf_counter() - began) * 1000
    return result, elapsed, len(queries)


# --- Booking plus payment ---------------------------------------------------------------


def _book_and_pay(offering: Offering, patient: User, start) -> list[tuple[float, int]]:
    """One booking paid through the views, then the worker's processing of
    the provider's answer; the milliseconds and queries of each step."""
    client = Client()
    client.force_login(patient)
    steps = []
    response, *measured = _timed(
        client.post, reverse("booking:book", args=[offering.public_id]), {"starts_at": start.isoformat()}
    )
    assert response.status_code == 303, (response.status_code, response.content[:300])
    steps.append(measured)
    held = Appointment.objects.get(patient=patient, status=AppointmentStatus.HELD)
    pay_url = reverse("payments:pay", args=[held.public_id])

    response, *measured = _timed(client.post, reverse("booking:hold-confirm", args=[held.public_id]))
    assert (response.status_code, response["Location"]) == (303, pay_url), (response.status_code, response.content)
    steps.append(measured)
    response, *measured = _timed(client.get, pay_url)
    assert response.status_code == 200, (response.status_code, response.content[:300])
    steps.append(measured)
    response, *measured = _timed(client.post, pay_url, {"card_number": SUCCEEDS})
    assert response.status_code == 303, (response.status_code, response.content[:300])
    steps.append(measured)

    payment = Payment.objects.get(appointment=held)
    events = WebhookEvent.objects.filter(
        outcome=WebhookEvent.Outcome.PENDING, payload__data__object__id=payment.intent_id
    ).values_list("pk", flat=True)
    (event,) = events
    _, *measured = _timed(webhook_event_process, event)
    steps.append(measured)
    held.refresh_from_db()
    assert held.status == AppointmentStatus.CONFIRMED, held.status
    return steps


def _free_starts(offering: Offering, count: int) -> list:
    today = timezone.now().date()
    free = free_slots_for_offering(offering=offering, start_on=today, end_on=today + timedelta(days=60))
    random.Random(3).shuffle(free)  # spread over the weeks, as in bench.booking
    return free[:count]


def _time_book_and_pay(offering: Offering, patients: list[User]) -> list[tuple[float, float, int]]:
    """p50, p95 and queries of each step and of the patient's four requests
    together, one round per patient (the first warms up)."""
    starts = _free_starts(offering, len(patients))
    rounds = [_book_and_pay(offering, patient, start) for patient, start in zip(patients, starts, strict=True)][1:]
    rows = [(*_p50_p95([r[step][0] for r in rounds]), rounds[-1][step][1]) for step in range(len(rounds[0]))]
    whole = [sum(ms for ms, _ in r[:4]) for r in rounds]
    rows.append((*_p50_p95(whole), sum(queries for _, queries in rounds[-1][:4])))
    return rows


# --- Webhooks ------------------------------------------------------------------------------


def _event(payment: Payment, n: int) -> bytes:
    """A `payment_intent.succeeded` event as Stripe sends it."""
    intent = {
        "id": payment.intent_id,
        "object": "payment_intent",
        "amount": payment.amount_minor,
        "currency": payment.currency.lower(),
        "status": "succeeded",
        "metadata": {"payment": str(payment.public_id)},
    }
    event = {
        "id": f"evt_bench_{n:06d}",
        "object": "event",
        "api_version": "2024-06-20",
        "type": "payment_intent.succeeded",
        "created": int(time.time()),
        "livemode": False,
        "account": None,
        "data": {"object": intent},
    }
    return json.dumps(event).encode()


def _signature(payload: bytes) -> str:
    """The `Stripe-Signature` header of `payload`, signed now."""
    stamp = int(time.time())
    digest = hmac.new(WEBHOOK_SECRET.encode(), f"{stamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"


def _deliver(payloads: list[bytes]) -> tuple[list[float], int]:
    """Every payload POSTed once to the webhook view (each signed just before
    its delivery, outside the time); the milliseconds of each and the
    queries of the last."""
    client = Client()
    url = reverse("payments:webhook")
    timings = []
    for payload in payloads:
        signature = _signature(payload)
        response, elapsed, queries = _timed(
            client.post, url, payload, content_type="application/json", headers={"Stripe-Signature": signature}
        )
        assert response.status_code == 200, response.status_code
        timings.append(elapsed)
    return timings, queries


def _time_webhooks(payments: list[Payment]) -> list[tuple[float, float, int, float]]:
    """p50, p95, queries and calls a second of receiving, processing and
    receiving again each payment's event."""
    payloads = [_event(payment, n) for n, payment in enumerate(payments)]
    received, received_queries = _deliver(payloads)

    pending = list(
        WebhookEvent.objects.filter(event_id__startswith="evt_bench_", outcome=WebhookEvent.Outcome.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    assert len(pending) == len(payments), len(pending)
    processed = []
    for pk in pending:
        outcome, elapsed, processed_queries = _timed(webhook_event_process, pk)
        assert outcome == WebhookEvent.Outcome.PROCESSED, outcome
        processed.append(elapsed)
    paid = Payment.objects.filter(intent_id__startswith="pi_bench_", status=Payment.Status.SUCCEEDED).count()
    assert paid == len(payments), paid

    stored, queued = WebhookEvent.objects.count(), QueuedTask.objects.count()
    again, again_queries = _deliver(payloads)
    assert (WebhookEvent.objects.count(), QueuedTask.objects.count()) == (stored, queued), "a repeat stored something"

    return [
        (*_p50_p95(timings), queries, len(timings) / (sum(timings) / 1000))
        for timings, queries in [(received, received_queries), (processed, processed_queries), (again, again_queries)]
    ]


def run(rounds: int = ROUNDS, webhooks: int = WEBHOOKS) -> None:
    """Build the clinic and print the payment timings."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False  # enqueue, as in production
    # The in-memory broker has no host; kombu says so on every connection.
    logging.getLogger("kombu.connection").setLevel(logging.ERROR)
    try:
        # The offline provider (no Stripe key), and a secret to sign the webhooks with.
        with override_settings(STRIPE_SECRET_KEY="", STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET):
            offering, patients, payments = build(rounds, webhooks)
            gc.freeze()  # as the web servers do after start-up (daraport/wsgi.py)
            steps = _time_book_and_pay(offering, patients)
            hooks = _time_webhooks(payments)
    finally:
        celery_app.conf.task_always_eager = eager
    labels = [
        "hold (POST booking:book)",
        "confirm (POST hold-confirm)",
        "pay page (GET payments:pay)",
        "pay (POST payments:pay)",
        "payment event (worker)",
        "booking plus payment (4 requests)",
    ]
    print()
    print(f"payments: booking plus payment, offline provider; {connection.vendor}, {rounds} rounds, through the views")
    print(f"{'step':36} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    for label, (p50, p95, queries) in zip(labels, steps, strict=True):
        print(f"{label:36} {p50:8.2f} {p95:8.2f} {queries:8d}")
    print()
    print(f"webhooks: {webhooks} payment_intent.succeeded events, one after another; {connection.vendor}")
    print(f"{'step':36} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'per s':>8}")
    labels = ["receive (POST payments:webhook)", "process (the worker's service)", "duplicate delivery (POST)"]
    for label, (p50, p95, queries, per_second) in zip(labels, hooks, strict=True):
        print(f"{label:36} {p50:8.2f} {p95:8.2f} {queries:8d} {per_second:8.0f}")


def main() -> None:
    on_test_database(run)


if __name__ == "__main__":
    main()
