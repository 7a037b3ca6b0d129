"""Timings of the directory's "next available" over 1,000 specialists.

`make bench` runs this after bench.directory, on its specialists, in the same
throw-away database (SQLite, or PostgreSQL when DATABASE_URL says so). On
its own (it builds the specialists first):

    DJANGO_SETTINGS_MODULE=daraport.settings.test python -m bench.next_available

Every specialist gets weekly hours in one of five zones, some their own
booking settings, some a day off or extra hours; 300 confirmed appointments
fill the first free hours of the 20 specialists whose refresh is timed, so
the search has to walk past them. Printed: `next_available_refresh` for
those 20 and for 20 ordinary ones, the first refresh of everyone (what the
sweep does once), a sweep with nothing due, and the directory pages that
show, sort and filter by the stored times; p50/p95 in milliseconds, with
the SQL queries per call.
"""

import gc
import os
import random
import statistics
import time
import zoneinfo
from datetime import datetime, timedelta
from datetime import time as wall

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "daraport.settings.test")
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from bench import analyze, directory, measure, on_test_database  # noqa: E402
from booking.models import Appointment, AvailabilityOverride, AvailabilityRule, BookingSettings  # noqa: E402
from booking.selectors import shortest_direct_durations  # noqa: E402
from booking.services import next_available_refresh, next_available_sweep  # noqa: E402
from booking.states import AppointmentStatus  # noqa: E402
from organizations.models import Organization  # noqa: E402
from specialists.models import Offering, SpecialistProfile  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "200"))
PAGE = 20
APPOINTMENTS = 300
ZONES = ["Europe/Berlin", "Europe/London", "America/New_York", "Asia/Tokyo", "UTC"]
HOURS = [9, 10, 11, 13, 14, 15, 16]  # the starts of the working hours below


def seed(seed: int = 11) -> tuple[list[int], list[int]]:
    """Availability and appointments for the directory's specialists.

    Returns the ids of the 20 busy specialists and of 20 ordinary ones,
    both approved and with a direct offering.
    """
    rng = random.Random(seed)
    org = Organization.objects.filter(slug="bench-directory").first() or directory.build()
    profiles = list(SpecialistProfile.objects.filter(organization=org).order_by("pk").values_list("pk", "user_id"))
    for index, zone in enumerate(ZONES):
        User.objects.filter(pk__in=[user for n, (_, user) in enumerate(profiles) if n % len(ZONES) == index]).update(
            timezone=zone
        )
    rules, settings, overrides = [], [], []
    today = timezone.now().date()
    for pk, _ in profiles:
        if rng.random() < 0.05:
            continue  # no working hours yet
        days = range(5) if rng.random() < 0.7 else rng.sample(range(5), 3)
        for day in days:
            rules.append(AvailabilityRule(specialist_id=pk, weekday=day, start_time=wall(9), end_time=wall(12)))
            rules.append(AvailabilityRule(specialist_id=pk, weekday=day, start_time=wall(13), end_time=wall(17)))
        if rng.random() < 0.4:
            settings.append(
                BookingSettings(
                    specialist_id=pk,
                    minimum_notice_minutes=rng.choice([60, 240, 720, 1440, 2880]),
                    horizon_days=rng.choice([30, 60, 90]),
                    slot_increment_minutes=rng.choice([15, 30, 60]),
                    buffer_after_minutes=rng.choice([0, 10, 15]),
                )
            )
        if rng.random() < 0.2:
            overrides.append(
                AvailabilityOverride(
                    specialist_id=pk, date_on=today + timedelta(days=rng.randrange(14)), kind="day_off"
                )
            )
        if rng.random() < 0.05:
            overrides.append(
                AvailabilityOverride(
                    specialist_id=pk,
                    date_on=today + timedelta(days=rng.randrange(1, 14)),
                    kind="extra_hours",
                    start_time=wall(18),
                    end_time=wall(20),
                )
            )
    AvailabilityRule.objects.bulk_create(rules)
    BookingSettings.objects.bulk_create(settings)
    AvailabilityOverride.objects.bulk_create(overrides)

    approved = set(
        SpecialistProfile.objects.filter(organization=org, status=SpecialistProfile.Status.APPROVED).values_list(
            "pk", flat=True
        )
    )
    with_hours = set(
        AvailabilityRule.objects.filter(specialist_id__in=approved).values_list("specialist_id", flat=True)
    )
    durations = shortest_direct_durations(specialist_ids=with_hours)
    bookable = sorted(durations)
    busy, ordinary = bookable[:PAGE], rng.sample(bookable[PAGE:], PAGE)
    _book_first_hours(busy)
    analyze()
    return busy, ordinary


def _book_first_hours(specialist_ids: list[int]) -> None:
    """APPOINTMENTS confirmed sessions, the same number for each specialist,
    in their first working hours from tomorrow (local), on working days."""
    patient = User.objects.create(email="bench-next-available-patient@bench.test", full_name="Bench Patient")
    per_specialist = APPOINTMENTS // len(specialist_ids)
    appointments = []
    profiles = SpecialistProfile.objects.filter(pk__in=specialist_ids).select_related("user")
    offerings = {}
    for offering in Offering.objects.filter(
        specialist_id__in=specialist_ids, is_active=True, booking_mode=Offering.BookingMode.DIRECT
    ).order_by("-duration_minutes"):
        offerings[offering.specialist_id] = offering  # the shortest wins
    for profile in profiles:
        zone = zoneinfo.ZoneInfo(profile.user.timezone)
        offering = offerings[profile.pk]
        working = set(profile.availability_rules.values_list("weekday", flat=True))
        day = timezone.now().astimezone(zone).date() + timedelta(days=1)
        starts = []
        while len(starts) < per_specialist:
            if day.weekday() in working:
                starts += [datetime.combine(day, wall(hour), tzinfo=zone) for hour in HOURS]
            day += timedelta(days=1)
        for start in starts[:per_specialist]:
            appointments.append(
                Appointment(
                    patient=patient,
                    specialist=profile,
                    offering=offering,
                    starts_at=start,
                    ends_at=start + timedelta(minutes=offering.duration_minutes),
                    status=AppointmentStatus.CONFIRMED,
                    price_minor=offering.price_minor,
                    currency=offering.currency,
                    patient_timezone="UTC",
                    specialist_timezone=profile.user.timezone,
                )
            )
    Appointment.objects.bulk_create(appointments)


def _p50_p95(timings: list[float]) -> tuple[float, float]:
    timings.sort()
    return statistics.median(timings), timings[max(int(len(timings) * 0.95) - 1, 0)]


def _time(call, rounds: int) -> tuple[float, float, int]:
    call()  # warm up
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        timings.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as queries:
        call()
    return (*_p50_p95(timings), len(queries))


def run(rounds: int = ROUNDS) -> None:
    """Seed availability on the directory's specialists and print the timings."""
    start = time.perf_counter()
    busy, ordinary = seed()
    seeded = time.perf_counter() - start
    everyone = list(
        SpecialistProfile.objects.filter(status=SpecialistProfile.Status.APPROVED).values_list("pk", flat=True)
    )
    start = time.perf_counter()
    next_available_sweep()  # the first sweep: a row for every listed specialist
    first_sweep = time.perf_counter() - start
    gc.freeze()  # as the web servers do after start-up (daraport/wsgi.py)
    print()
    print(
        f"next available: {len(everyone)} listed specialists, {APPOINTMENTS} appointments, seeded in {seeded:.1f} s; "
        f"{connection.vendor}, {rounds} rounds"
    )
    print(f"{'step':32} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    for label, ids in [("refresh 20 (booked-up start)", busy), ("refresh 20 (ordinary)", ordinary)]:
        p50, p95, queries = _time(lambda ids=ids: next_available_refresh(specialist_ids=ids), rounds)
        print(f"{label:32} {p50:8.2f} {p95:8.2f} {queries:8d}")
    p50, p95, queries = _time(lambda: next_available_refresh(specialist_ids=busy[:1]), rounds)
    print(f"{'refresh 1 (a receiver)':32} {p50:8.2f} {p95:8.2f} {queries:8d}")
    p50, p95, queries = _time(next_available_sweep, rounds)
    print(f"{'sweep, nothing due':32} {p50:8.2f} {p95:8.2f} {queries:8d}")
    start = time.perf_counter()
    next_available_refresh(specialist_ids=everyone)
    print(
        f"first sweep {first_sweep * 1000:.0f} ms; refreshing all {len(everyone)} {(time.perf_counter() - start) * 1000:.0f} ms"
    )

    pages = [
        ("directory with next available", "/specialists/"),
        ("directory, soonest available", "/specialists/?sort=availability"),
        ("directory, within 3 days", "/specialists/?available_within_days=3&sort=availability"),
        ("directory, soonest, page 10", "/specialists/?sort=availability&page=10"),
    ]
    print(f"{'page':32} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'found':>6}")
    client = Client()
    for label, path in pages:
        timing = measure(client, path, rounds)
        print(f"{label:32} {timing.p50:8.2f} {timing.p95:8.2f} {timing.queries:8d} {directory.found_shown(timing):>6}")


def main() -> None:
    on_test_database(run)


if __name__ == "__main__":
    main()
