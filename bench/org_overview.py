"""Timings of the organization's overview, its specialists' activity and its
bookings list over a large clinic.

`make bench` runs this after the other timings, in the same throw-away
database (SQLite, or PostgreSQL when DATABASE_URL says so). On its own:

    DJANGO_SETTINGS_MODULE=daraport.settings.test python -m bench.org_overview

A clinic of `BENCH_SPECIALISTS` (1,000) specialists with weekday working
hours, 10,000 patients who joined over two years (a fifth in one of three
programs), a care relationship each, and `BENCH_APPOINTMENTS` (50,000)
appointments from a year ago to two weeks ahead: held, cancelled (in time
or late), missed, expired, and confirmed ones to come, a published consent
that half the patients signed, feedback after most held sessions and a card
payment for half of them. Rows are written in bulk, then `ANALYZE`, then
each page is requested through Django's test client as the clinic's admin:
p50/p95 in milliseconds and the SQL queries of one request.
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
from booking.models import Appointment, AvailabilityRule  # noqa: E402
from booking.states import AppointmentStatus  # noqa: E402
from care.models import CareRelationship, Feedback  # noqa: E402
from consents.models import ConsentSignature  # noqa: E402
from consents.services import authoring  # noqa: E402
from organizations.models import Membership, Organization, Program, ProgramEnrolment, ProgramRosterEntry  # noqa: E402
from payments.models import BillingModel, BillingSettings, Payment, PayoutAccount  # noqa: E402
from specialists.models import Offering, SpecialistProfile  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "200"))
SPECIALISTS = int(os.environ.get("BENCH_SPECIALISTS", "1000"))
APPOINTMENTS = int(os.environ.get("BENCH_APPOINTMENTS", "50000"))
PATIENTS = 10_000
PAST_DAYS = 365
FUTURE_DAYS = 14
SLUG = "bench-overview"
ADMIN_EMAIL = "bench-overview-admin@bench.test"
S = AppointmentStatus


def _specialists(org: Organization, rng: random.Random, count: int) -> list[Offering]:
    users = User.objects.bulk_create(
        User(email=f"bench-overview-specialist-{n}@bench.test", full_name=f"Specialist {n}", password="!")
        for n in range(count)
    )
    Membership.objects.bulk_create(
        Membership(user=user, organization=org, role=Membership.Role.SPECIALIST) for user in users
    )
    profiles = SpecialistProfile.objects.bulk_create(
        SpecialistProfile(
            user=user,
            organization=org,
            slug=f"bench-overview-{n}",
            display_name=f"Bench Overview {n:04d}",
            status=SpecialistProfile.Status.PENDING if n % 20 == 0 else SpecialistProfile.Status.APPROVED,
        )
        for n, user in enumerate(users)
    )
    AvailabilityRule.objects.bulk_create(
        (
            AvailabilityRule(specialist=profile, weekday=weekday, start_time="09:00", end_time="17:00")
            for profile in profiles
            for weekday in range(5)
        ),
        batch_size=2000,
    )
    PayoutAccount.objects.bulk_create(
        PayoutAccount(specialist=profile, stripe_account_id=f"acct_bench{n:06d}", status=PayoutAccount.Status.ACTIVE)
        for n, profile in enumerate(profiles)
        if rng.random() < 0.7
    )
    return Offering.objects.bulk_create(
        Offering(specialist=profile, name="Session", duration_minutes=50, price_minor=9000) for profile in profiles
    )


def _patients(org: Organization, now, rng: random.Random, count: int) -> list[User]:
    users = User.objects.bulk_create(
        (
            User(email=f"bench-overview-patient-{n}@bench.test", full_name=f"Patient {n}", password="!")
            for n in range(count)
        ),
        batch_size=2000,
    )
    Membership.objects.bulk_create(
        (
            Membership(
                user=user,
                organization=org,
                role=Membership.Role.PATIENT,
                created_at=now - timedelta(minutes=rng.randrange(2 * 365 * 1440)),
            )
            for user in users
        ),
        batch_size=2000,
    )
    return users


def build(
    *, specialist_count: int = SPECIALISTS, patient_count: int = PATIENTS, appointment_count: int = APPOINTMENTS
) -> dict[str, int]:
    """The clinic and its history (also the bulk export's, bench/bulk_export.py);
    the number of rows written, per table."""
    rng = random.Random(15)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    org, _ = Organization.objects.get_or_create(slug=SLUG, defaults={"name": "Bench Overview"})
    BillingSettings.objects.create(organization=org, enabled=True, model=BillingModel.PLATFORM)
    admin = User.objects.create(email=ADMIN_EMAIL, full_name="Bench Admin", password="!")
    Membership.objects.create(user=admin, organization=org, role=Membership.Role.ADMIN)
    offerings = _specialists(org, rng, specialist_count)
    patients = _patients(org, now, rng, patient_count)

    programs = [
        Program.objects.create(organization=org, name=f"Program {n}", enrolment_code=f"BENCHOV{n}") for n in range(3)
    ]
    enrolments = ProgramEnrolment.objects.bulk_create(
        (
            ProgramEnrolment(
                program=programs[n % 3],
                patient=patient,
                via=ProgramEnrolment.Via.CODE,
                created_at=now - timedelta(minutes=rng.randrange(365 * 1440)),
            )
            for n, patient in enumerate(patients)
            if n % 5 == 0
        ),
        batch_size=2000,
    )
    ProgramRosterEntry.objects.bulk_create(
        ProgramRosterEntry(program=programs[n % 3], specialist_id=offering.specialist.user_id, capacity=10)
        for n, offering in enumerate(offerings[:300])
    )
    treated_by = [offerings[rng.randrange(len(offerings))] for _ in patients]
    relationships = CareRelationship.objects.bulk_create(
        (
            CareRelationship(patient=patient, specialist=offering.specialist, source=CareRelationship.Source.CHOSEN)
            for patient, offering in zip(patients, treated_by, strict=True)
        ),
        batch_size=2000,
    )

    document = authoring.consent_document_create(organization=org, by=admin, title="Telehealth consent")
    authoring.consent_draft_save(document=document, by=admin, summary="Sessions are online.", body="# Telehealth")
    version = authoring.consent_publish(document=document, by=admin)
    signatures = ConsentSignature.objects.bulk_create(
        (
            ConsentSignature(
                patient=patient,
                version=version,
                typed_name=patient.full_name,
                signed_at=now - timedelta(days=30),
                content_hash=version.content_hash,
            )
            for n, patient in enumerate(patients)
            if n % 2 == 0
        ),
        batch_size=2000,
    )

    # Each specialist's appointments on whole hours of their own, so no two
    # that hold the calendar overlap.
    appointments = []
    span_hours = (PAST_DAYS + FUTURE_DAYS) * 24
    first = now - timedelta(days=PAST_DAYS)
    per_specialist = appointment_count // len(offerings)
    for k, offering in enumerate(offerings):
        hours = sorted(rng.sample(range(span_hours), per_specialist))
        own = [n for n in range(k, len(patients), len(offerings))] or [k % len(patients)]
        for hour in hours:
            starts_at = first + timedelta(hours=hour)
            roll = rng.random()
            if starts_at > now:
                status = S.CONFIRMED
            elif roll < 0.8:
                status = S.COMPLETED
            elif roll < 0.9:
                status = S.CANCELLED
            elif roll < 0.95:
                status = S.NO_SHOW
            else:
                status = S.EXPIRED
            appointments.append(
                Appointment(
                    patient=patients[own[rng.randrange(len(own))]],
                    specialist=offering.specialist,
                    offering=offering,
                    starts_at=starts_at,
                    ends_at=starts_at + timedelta(minutes=50),
                    status=status,
                    price_minor=9000,
                    currency="EUR",
                    patient_timezone="UTC",
                    specialist_timezone="UTC",
                    created_at=starts_at - timedelta(days=rng.randint(1, 20)),
                    cancelled_at=starts_at - timedelta(hours=12) if status == S.CANCELLED else None,
                    is_late_cancellation=status == S.CANCELLED and roll < 0.83,
                )
            )
    appointments = Appointment.objects.bulk_create(appointments, batch_size=2000)
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
                currency=org.currency,
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
        "patients": len(patients),
        "enrolments": len(enrolments),
        "care relationships": len(relationships),
        "consent signatures": len(signatures),
        "appointments": len(appointments),
        "feedback": len(feedback),
        "payments": len(payments),
    }


def pages() -> list[tuple[str, str, dict]]:
    overview = reverse("insights:org-overview", args=[SLUG])
    readiness = reverse("insights:org-overview-readiness", args=[SLUG])
    activity = reverse("insights:org-specialists", args=[SLUG])
    bookings = reverse("booking:org-bookings", args=[SLUG])
    today = timezone.localdate()
    return [
        # The same portal page with no figures: what every request costs.
        ("brand settings (baseline)", reverse("organizations:brand", args=[SLUG]), {}),
        ("overview, 7 days", overview, {}),
        ("overview, 90 days", overview, {"days": "90"}),
        ("overview fragment (home), 7 days", overview, {"HTTP_HX_REQUEST": "true"}),
        ("overview: sessions not ready (tile)", readiness, {"HTTP_HX_REQUEST": "true"}),
        ("specialists activity, 30 days", activity, {}),
        ("specialists activity, by utilisation", f"{activity}?days=90&sort=utilisation", {}),
        ("bookings list", bookings, {}),
        (
            "bookings list, cancelled late, 90 days",
            f"{bookings}?status=cancelled&late=1&from={today - timedelta(days=89)}&to={today}",
            {},
        ),
    ]


def run(rounds: int = ROUNDS) -> None:
    """Build the clinic and print the timings."""
    began = time.perf_counter()
    rows = build()
    seeded = time.perf_counter() - began
    gc.freeze()  # as the web servers do after start-up (daraport/wsgi.py)
    print()
    print(
        f"organization overview: {SPECIALISTS} specialists, "
        f"{', '.join(f'{n} {name}' for name, n in rows.items())}; seeded in {seeded:.0f} s"
    )
    print(f"{connection.vendor}, {rounds} requests per page, through the views")
    print(f"{'page':40} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    with override_settings(DEMO_MFA_EXEMPT_EMAILS={ADMIN_EMAIL}):
        client = Client()
        client.force_login(User.objects.get(email=ADMIN_EMAIL))
        for label, path, headers in pages():
            client.defaults = headers
            timing = measure(client, path, rounds)
            print(f"{label:40} {timing.p50:8.2f} {timing.p95:8.2f} {timing.queries:8d}")


def main() -> None:
    on_test_database(run)


if __name__ == "__main__":
    main()
