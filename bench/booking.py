"""Timings of booking a session: the patient's hold, then its confirmation.

`make bench` runs this last, in the same throw-away database (SQLite, or
PostgreSQL when DATABASE_URL says so). On its own:

    DJANGO_SETTINGS_MODULE=daraport.settings.test python -m bench.booking

One specialist in Europe/Berlin works every day 07:00-21:00 with 50-minute
sessions on the hour, 60 days ahead, with 150 sessions already booked. Each
round a patient holds a different free time and confirms it, so every call
does the full work (the slot check, the insert the database guards against
overlaps, the history rows and, after commit, the receivers: the directory's
"next available" is refreshed in the request; mail and reminders are only
enqueued, as in production, not run inline as the test settings would).

The hold is timed as the patient's POST to `booking:book` through Django's
test client; while that view is not there yet (it answers 404), the hold
and confirm services are timed directly instead, and the table says so.
p50/p95 are in milliseconds, with the SQL queries of one call.
"""

import gc
import logging
import os
import random
import statistics
import time
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "daraport.settings.test")
django.setup()

from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from bench import analyze, on_test_database  # noqa: E402
from booking import receivers  # noqa: E402
from booking.models import Appointment, AvailabilityRule, BookingSettings  # noqa: E402
from booking.selectors import free_slots_for_offering  # noqa: E402
from booking.services import appointment_hold, appointment_hold_confirm  # noqa: E402
from booking.states import AppointmentStatus  # noqa: E402
from core import events  # noqa: E402
from daraport.celery import app as celery_app  # noqa: E402
from organizations.models import Membership, Organization  # noqa: E402
from specialists.models import Offering, SpecialistProfile  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "200"))
BOOKED = 150


def build(rounds: int = ROUNDS, seed: int = 5) -> tuple[Offering, list[User]]:
    """The specialist, their offering and `BOOKED` sessions; and patients
    for two runs of `rounds` bookings (and a warm-up each)."""
    rng = random.Random(seed)
    org, _ = Organization.objects.get_or_create(slug="bench-booking", defaults={"name": "Bench Booking"})
    user = User.objects.create(email="bench-booking-specialist@bench.test", full_name="Bench", timezone="Europe/Berlin")
    Membership.objects.create(user=user, organization=org, role=Membership.Role.SPECIALIST)
    profile = SpecialistProfile.objects.create(
        user=user,
        organization=org,
        slug="bench-booking",
        display_name="Bench Booking",
        status=SpecialistProfile.Status.APPROVED,
    )
    offering = Offering.objects.create(specialist=profile, name="Session", duration_minutes=50, price_minor=9000)
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
    patients = User.objects.bulk_create(
        User(email=f"bench-booking-patient-{n}@bench.test", full_name=f"Patient {n}", password="!")
        for n in range(2 * (rounds + 1) + 1)
    )
    Membership.objects.bulk_create(
        Membership(user=patient, organization=org, role=Membership.Role.PATIENT) for patient in patients
    )
    today = timezone.now().date()
    free = free_slots_for_offering(offering=offering, start_on=today, end_on=today + timedelta(days=60))
    Appointment.objects.bulk_create(
        Appointment(
            patient=patients[-1],
            specialist=profile,
            offering=offering,
            starts_at=start,
            ends_at=start + timedelta(minutes=50),
            status=AppointmentStatus.CONFIRMED,
            price_minor=offering.price_minor,
            currency=offering.currency,
            patient_timezone="UTC",
            specialist_timezone="Europe/Berlin",
        )
        for start in rng.sample(free, BOOKED)
    )
    analyze()
    return offering, patients[:-1]


def _p50_p95(timings: list[float]) -> tuple[float, float]:
    timings.sort()
    return statistics.median(timings), timings[max(int(len(timings) * 0.95) - 1, 0)]


def _free_starts(offering: Offering, count: int) -> list:
    today = timezone.now().date()
    free = free_slots_for_offering(offering=offering, start_on=today, end_on=today + timedelta(days=60))
    random.Random(3).shuffle(free)
    return free[:count]


def _hold_and_confirm(offering: Offering, patient: User, start, *, via_view: bool) -> tuple[float, float, int, int]:
    """One booking; returns the milliseconds and queries of the hold and of
    the confirmation."""
    results = []
    if via_view:
        client = Client()
        client.force_login(patient)
        steps = [
            lambda: client.post(reverse("booking:book", args=[offering.public_id]), {"starts_at": start.isoformat()}),
            lambda: client.post(reverse("booking:hold-confirm", args=[_held(patient).public_id])),
        ]
    else:
        held = []
        steps = [
            lambda: held.append(appointment_hold(patient=patient, offering=offering, starts_at=start)),
            lambda: appointment_hold_confirm(appointment=held[0], by=patient),
        ]
    for step in steps:
        reset_queries()  # the log keeps 9,000 queries at most: start counting afresh
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            response = step()
            elapsed = (time.perf_counter() - began) * 1000
        if via_view:
            assert response.status_code < 400, (response.status_code, response.content[:300])
        results += [elapsed, len(queries)]
    return results[0], results[2], results[1], results[3]


def _held(patient: User) -> Appointment:
    return Appointment.objects.filter(patient=patient, status=AppointmentStatus.HELD).latest("created_at")


def _time_bookings(offering: Offering, patients: list[User], *, via_view: bool) -> tuple[tuple, tuple]:
    """p50, p95 and queries of the hold and of the confirmation, one
    booking per patient (the first warms up)."""
    holds, confirms = [], []
    for patient, start in zip(patients, _free_starts(offering, len(patients)), strict=True):
        hold_ms, confirm_ms, hold_queries, confirm_queries = _hold_and_confirm(
            offering, patient, start, via_view=via_view
        )
        holds.append(hold_ms)
        confirms.append(confirm_ms)
    return (*_p50_p95(holds[1:]), hold_queries), (*_p50_p95(confirms[1:]), confirm_queries)


def _view_exists(offering: Offering, patient: User) -> bool:
    client = Client()
    client.force_login(patient)
    return client.get(reverse("booking:book", args=[offering.public_id])).status_code != 404


def run(rounds: int = ROUNDS) -> None:
    """Build the specialist and print the booking timings."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False  # enqueue, as in production
    # The in-memory broker has no host; kombu says so on every connection.
    logging.getLogger("kombu.connection").setLevel(logging.ERROR)
    try:
        offering, patients = build(rounds)
        gc.freeze()  # as the web servers do after start-up (daraport/wsgi.py)
        via_view = _view_exists(offering, patients[0])
        first, second = patients[: rounds + 1], patients[rounds + 1 :]
        hold, confirm = _time_bookings(offering, first, via_view=via_view)
        # The share of the directory's "next available" refresh in a hold.
        receiver = "booking.next_available.appointment"
        events.appointment_held.disconnect(dispatch_uid=receiver)
        try:
            without, _ = _time_bookings(offering, second, via_view=via_view)
        finally:
            events.appointment_held.connect(receivers.refresh_next_available_on_appointment, dispatch_uid=receiver)
    finally:
        celery_app.conf.task_always_eager = eager
    if via_view:
        labels = ["hold (POST booking:book)", "confirm (POST hold-confirm)", "hold without next-available"]
        note = "through the views"
    else:
        labels = ["hold (service)", "confirm (service)", "hold without next-available"]
        note = "booking:book is not there yet: the services"
    print()
    print(f"booking: one specialist, {BOOKED} sessions booked; {connection.vendor}, {rounds} rounds, {note}")
    print(f"{'step':32} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    for label, (p50, p95, queries) in zip(labels, [hold, confirm, without], strict=True):
        print(f"{label:32} {p50:8.2f} {p95:8.2f} {queries:8d}")


def main() -> None:
    on_test_database(run)


if __name__ == "__main__":
    main()
