"""Timings of the insights pages over a large history.

`make bench` runs this after the other timings, in the same throw-away
database (SQLite, or PostgreSQL when DATABASE_URL says so). On its own:

    DJANGO_SETTINGS_MODULE=daraport.settings.test python -m bench.insights

A clinic of 50 specialists and `BENCH_PATIENTS` (5,000) patients who
registered over the last two years, seeded in bulk: most finish the intake
and choose a specialist, most of those come to sessions, every week or two,
attended, cancelled or missed, with a confirmation event each, an answer
after most attended sessions and a card payment for half of them. That is
over 100,000 rows of journey (memberships, intakes, care relationships,
appointments, their status events, feedback, payments). Then `ANALYZE`, and
the pages are requested through Django's test client as the clinic's admin
(and one specialist): p50/p95 in milliseconds and the SQL queries of one
request.
"""

import gc
import os
import random
import time
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "daraport.settings.test")
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from bench import analyze, measure, on_test_database  # noqa: E402
from booking.models import Appointment, AppointmentEvent  # noqa: E402
from booking.states import AppointmentStatus  # noqa: E402
from care.models import CareRelationship, Feedback  # noqa: E402
from organizations.models import Membership, Organization  # noqa: E402
from patients.models import Intake  # noqa: E402
from payments.models import BillingModel, BillingSettings, Payment  # noqa: E402
from specialists.models import Offering, SpecialistProfile  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "200"))
PATIENTS = int(os.environ.get("BENCH_PATIENTS", "5000"))
SPECIALISTS = 50
HISTORY_DAYS = 730
ADMIN_EMAIL = "bench-insights-admin@bench.test"
SPECIALIST_EMAIL = "bench-insights-specialist-0@bench.test"
S = AppointmentStatus


def _specialists(org: Organization) -> list[Offering]:
    users = User.objects.bulk_create(
        User(email=f"bench-insights-specialist-{n}@bench.test", full_name=f"Specialist {n}", password="!")
        for n in range(SPECIALISTS)
    )
    Membership.objects.bulk_create(
        Membership(user=user, organization=org, role=Membership.Role.SPECIALIST) for user in users
    )
    profiles = SpecialistProfile.objects.bulk_create(
        SpecialistProfile(
            user=user,
            organization=org,
            slug=f"bench-insights-{n}",
            display_name=f"Bench Insights {n}",
            status=SpecialistProfile.Status.APPROVED,
        )
        for n, user in enumerate(users)
    )
    return Offering.objects.bulk_create(
        Offering(specialist=profile, name="Session", duration_minutes=50, price_minor=9000) for profile in profiles
    )


def _without_auto_now(model, name: str):
    """Let a bulk insert keep the moments of the story in an `auto_now_add` field."""
    field = model._meta.get_field(name)

    class Restore:
        def __enter__(self):
            field.auto_now_add = False

        def __exit__(self, *exc):
            field.auto_now_add = True

    return Restore()


def build(patients: int = PATIENTS) -> dict[str, int]:
    """The clinic and its history; the number of rows written, per table."""
    rng = random.Random(14)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    org, _ = Organization.objects.get_or_create(slug="bench-insights", defaults={"name": "Bench Insights"})
    BillingSettings.objects.create(organization=org, enabled=True, model=BillingModel.PLATFORM)
    admin = User.objects.create(email=ADMIN_EMAIL, full_name="Bench Admin", password="!")
    Membership.objects.create(user=admin, organization=org, role=Membership.Role.ADMIN)
    offerings = _specialists(org)

    users = User.objects.bulk_create(
        User(email=f"bench-insights-patient-{n}@bench.test", full_name=f"Patient {n}", password="!")
        for n in range(patients)
    )
    joined = [now - timedelta(days=HISTORY_DAYS) + timedelta(minutes=rng.randrange(HISTORY_DAYS * 1440 - 4320))
              for _ in users]  # fmt: skip
    memberships = Membership.objects.bulk_create(
        Membership(user=user, organization=org, role=Membership.Role.PATIENT, created_at=at)
        for user, at in zip(users, joined, strict=True)
    )
    intakes = Intake.objects.bulk_create(
        Intake(user=user, current_step="constraints", completed_at=at + timedelta(hours=1))
        for user, at in zip(users, joined, strict=True)
        if rng.random() < 0.85
    )
    chosen = [(n, offerings[rng.randrange(SPECIALISTS)]) for n in range(patients) if rng.random() < 0.8]
    with _without_auto_now(CareRelationship, "started_at"):
        relationships = CareRelationship.objects.bulk_create(
            CareRelationship(
                patient=users[n],
                specialist=offering.specialist,
                source=CareRelationship.Source.CHOSEN,
                started_at=joined[n] + timedelta(hours=2),
            )
            for n, offering in chosen
        )

    appointments = []
    for n, offering in chosen:
        if rng.random() < 0.15:
            continue
        at = (joined[n] + timedelta(days=rng.randint(2, 20))).replace(hour=8 + n % 10)
        for number in range(rng.choice([1, 1, 2, 3, 4, 6, 8, 10, 12, 16, 20, 24, 30, 36])):
            if at > now - timedelta(days=1):
                break
            roll = rng.random()
            status = S.COMPLETED
            if number and roll < 0.05:
                status = S.NO_SHOW
            elif number and roll < 0.12:
                status = S.CANCELLED
            appointments.append(
                Appointment(
                    patient=users[n],
                    specialist=offering.specialist,
                    offering=offering,
                    starts_at=at,
                    ends_at=at + timedelta(minutes=50),
                    status=status,
                    price_minor=9000,
                    currency="EUR",
                    patient_timezone="UTC",
                    specialist_timezone="UTC",
                    cancelled_at=at - timedelta(hours=12) if status == S.CANCELLED else None,
                    is_late_cancellation=status == S.CANCELLED and roll < 0.08,
                )
            )
            at += timedelta(days=rng.choice([7, 7, 14, 14, 21]))
    appointments = Appointment.objects.bulk_create(appointments, batch_size=2000)
    events = AppointmentEvent.objects.bulk_create(
        (
            AppointmentEvent(
                appointment=a,
                from_status=S.REQUESTED,
                to_status=S.CONFIRMED,
                at=a.starts_at - timedelta(days=2),
                starts_at=a.starts_at,
            )
            for a in appointments
        ),
        batch_size=2000,
    )
    attended = [a for a in appointments if a.status == S.COMPLETED]
    feedback = Feedback.objects.bulk_create(
        (
            Feedback(
                appointment=a,
                patient_id=a.patient_id,
                specialist_id=a.specialist_id,
                csat=rng.choice([2, 3, 4, 4, 5, 5, 5]),
                asked_nps=True,
                nps=rng.choice([3, 6, 7, 8, 9, 9, 10, 10, 10]),
                submitted_at=a.starts_at + timedelta(hours=2),
                editable_until=a.starts_at + timedelta(days=7),
            )
            for a in attended
            if rng.random() < 0.6
        ),
        batch_size=2000,
    )
    payments = Payment.objects.bulk_create(
        (
            Payment(
                appointment=a,
                patient_id=a.patient_id,
                organization=org,
                specialist_id=a.specialist_id,
                amount_minor=9000,
                currency="EUR",
                status=Payment.Status.SUCCEEDED,
                billing_model=BillingModel.PLATFORM,
                provider="offline",
                paid_at=a.starts_at,
            )
            for a in attended
            if rng.random() < 0.5
        ),
        batch_size=2000,
    )
    analyze()
    return {
        "patients (memberships)": len(memberships),
        "intakes": len(intakes),
        "care relationships": len(relationships),
        "appointments": len(appointments),
        "appointment events": len(events),
        "feedback": len(feedback),
        "payments": len(payments),
    }


def pages(org_slug: str) -> list[tuple[str, str, str]]:
    today = timezone.localdate()
    two_years = f"start={(today - timedelta(days=730)).isoformat()}&end={today.isoformat()}"
    org_page = reverse("insights:org-insights", args=[org_slug])
    org_csv = lambda section: reverse("insights:org-csv", args=[org_slug, section])  # noqa: E731
    return [
        ("org insights, last 90 days", ADMIN_EMAIL, org_page),
        ("org insights, two years", ADMIN_EMAIL, f"{org_page}?{two_years}"),
        ("org insights, one specialist", ADMIN_EMAIL, None),
        ("funnel CSV, two years", ADMIN_EMAIL, f"{org_csv('funnel')}?{two_years}"),
        ("cohorts CSV, two years", ADMIN_EMAIL, f"{org_csv('cohorts')}?{two_years}"),
        ("specialist insights, two years", SPECIALIST_EMAIL, f"{reverse('insights:specialist-insights')}?{two_years}"),
    ]


def run(rounds: int = ROUNDS, patients: int = PATIENTS) -> None:
    """Build the clinic and print the insights timings."""
    began = time.perf_counter()
    rows = build(patients)
    seeded = time.perf_counter() - began
    gc.freeze()  # as the web servers do after start-up (daraport/wsgi.py)
    specialist = SpecialistProfile.objects.get(user__email=SPECIALIST_EMAIL)
    today = timezone.localdate()
    one_specialist = (
        f"{reverse('insights:org-insights', args=['bench-insights'])}?start={(today - timedelta(days=730)).isoformat()}"
        f"&end={today.isoformat()}&specialist={specialist.public_id}"
    )
    print()
    print(
        f"insights: {patients} patients, {sum(rows.values())} journey rows "
        f"({', '.join(f'{n} {name}' for name, n in rows.items())}); seeded in {seeded:.0f} s"
    )
    print(f"{connection.vendor}, {rounds} requests per page, through the views")
    print(f"{'page':36} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    with override_settings(DEMO_MFA_EXEMPT_EMAILS={ADMIN_EMAIL, SPECIALIST_EMAIL}):
        for label, email, path in pages("bench-insights"):
            client = Client()
            client.force_login(User.objects.get(email=email))
            timing = measure(client, path or one_specialist, rounds)
            print(f"{label:36} {timing.p50:8.2f} {timing.p95:8.2f} {timing.queries:8d}")


def main() -> None:
    on_test_database(run)


if __name__ == "__main__":
    main()
