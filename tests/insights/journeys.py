"""Building patients' journeys at chosen moments, for hand-counted figures.

Rows are made the way the services leave them (a patient membership, a
completed intake, a care relationship, appointments with the status change
that confirmed them), but at the moments a test names.
"""

import random
from datetime import timedelta

from django.utils import timezone

from booking.models import AppointmentEvent
from booking.states import AppointmentStatus
from care.models import CareRelationship, Feedback
from organizations.models import Membership
from patients.models import Intake
from tests.booking.factories import AppointmentFactory
from tests.care.factories import CareRelationshipFactory
from tests.organizations.factories import MembershipFactory
from tests.specialists.factories import OfferingFactory


def register(organization, at, user=None):
    kwargs = {"user": user} if user is not None else {}
    membership = MembershipFactory(organization=organization, role=Membership.Role.PATIENT, created_at=at, **kwargs)
    return membership.user


def complete_intake(patient, at):
    return Intake.objects.create(user=patient, completed_at=at, current_step="constraints")


def choose(patient, specialist, at):
    relationship = CareRelationshipFactory(patient=patient, specialist=specialist)
    # `started_at` is set on insert; move it to the moment of the story.
    CareRelationship.objects.filter(pk=relationship.pk).update(started_at=at)
    return relationship


def offering_of(specialist):
    return specialist.offerings.first() or OfferingFactory(specialist=specialist)


def session(patient, specialist, starts_at, *, status=AppointmentStatus.COMPLETED, confirmed_at=None, late=False):
    """An appointment in `status`; with `confirmed_at`, confirmed at that moment."""
    extra = {}
    if status == AppointmentStatus.CANCELLED:
        extra = {"cancelled_at": starts_at - timedelta(hours=2), "is_late_cancellation": late}
    appointment = AppointmentFactory(
        patient=patient, offering=offering_of(specialist), starts_at=starts_at, status=status, **extra
    )
    if confirmed_at is not None:
        AppointmentEvent.objects.create(
            appointment=appointment,
            from_status=AppointmentStatus.REQUESTED,
            to_status=AppointmentStatus.CONFIRMED,
            at=confirmed_at,
            starts_at=starts_at,
        )
    return appointment


def give_feedback(appointment, at, **answers):
    """The patient's answer about `appointment`, submitted at `at` (CSAT 5 unless told)."""
    return Feedback.objects.create(
        appointment=appointment,
        patient=appointment.patient,
        specialist=appointment.specialist,
        submitted_at=at,
        editable_until=at + timedelta(days=7),
        **({"csat": 5} | answers),
    )


def populate(organization, specialists, patients, *, days=150, seed=14):
    """`patients` patients who registered over the last `days` days and went
    some way along the journey, the way people do (a fixed seed: the same
    figures every run). Sessions are in the past; each of a specialist's
    patients (up to 24) has an hour of the day of their own, so none overlap."""
    rng = random.Random(seed)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    for n in range(patients):
        specialist = specialists[n % len(specialists)]
        joined = now - timedelta(days=days) + timedelta(days=n * (days - 30) / patients, hours=n % 9)
        patient = register(organization, joined)
        if rng.random() < 0.85:
            complete_intake(patient, joined + timedelta(hours=1))
        if rng.random() < 0.8:
            choose(patient, specialist, joined + timedelta(hours=2))
        else:
            continue
        if rng.random() < 0.15:
            continue
        at = (joined + timedelta(days=2)).replace(hour=(n // len(specialists)) % 24)
        for number in range(rng.choice([1, 1, 2, 3, 4, 5])):
            outcome = rng.random()
            status = AppointmentStatus.COMPLETED
            if number and outcome < 0.08:
                status = AppointmentStatus.NO_SHOW
            elif number and outcome < 0.16:
                status = AppointmentStatus.CANCELLED
            starts_at = at + timedelta(days=14 * number)
            if starts_at > now - timedelta(days=1):
                break
            visit = session(
                patient,
                specialist,
                starts_at,
                status=status,
                confirmed_at=starts_at - timedelta(days=1),
                late=outcome < 0.12,
            )
            if status == AppointmentStatus.COMPLETED and rng.random() < 0.85:
                give_feedback(
                    visit,
                    starts_at + timedelta(hours=3),
                    csat=rng.choice([3, 4, 4, 5, 5, 5]),
                    asked_nps=True,
                    nps=rng.choice([6, 7, 8, 9, 9, 10, 10, 10]),
                )
