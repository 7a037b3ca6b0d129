"""The demo population behind the demo clinic's insights (insights/demo.py)."""

import itertools
import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from booking.models import Appointment
from care.feedback import nps_csat_summary
from care.models import CareRelationship
from core import demo as core_demo
from insights import demo
from insights.attendance import attendance_summary, retention_cohorts, time_to_first_session
from insights.funnel import journey_funnel
from organizations.models import Organization
from organizations.selectors import terms_pending_for_user
from specialists.models import SpecialistProfile

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings, tmp_path, django_capture_on_commit_callbacks):
    """Every seeder as `make run` runs them, each committed before the next;
    returns how long the population took."""
    settings.DEMO_MODE = True
    settings.MEDIA_ROOT = str(tmp_path)
    took = None
    for _name, seeder in core_demo.seeders():
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            seeder()
        if seeder is demo.seed:
            took = time.monotonic() - started
    assert took is not None, "the population's seeder is registered"
    return took


@pytest.fixture
def org(seeded):
    return Organization.objects.get(slug=demo.ORG_SLUG)


def population():
    return User.objects.filter(email__endswith=f"@{demo.EMAIL_DOMAIN}")


def test_the_funnel_of_the_last_180_days_shows_every_step(org):
    """Every step counts at least 11 patients, so none is suppressed."""
    today = timezone.localdate()
    funnel = journey_funnel(organization=org, start_on=today - timedelta(days=180), end_on=today)
    counts = {step.key: step.patients.value for step in funnel.steps}
    assert all(not step.patients.is_suppressed for step in funnel.steps), counts
    assert counts["registered"] >= demo.PATIENTS
    values = list(counts.values())
    # Real drop-off at every step.
    assert all(later < earlier for earlier, later in itertools.pairwise(values)), counts


def test_the_busiest_demo_specialists_own_funnel_shows_every_step(org):
    """Her steps from choosing a specialist on count her patients only."""
    lena = SpecialistProfile.objects.get(user__email=demo.BUSIEST)
    today = timezone.localdate()
    funnel = journey_funnel(organization=org, start_on=today - timedelta(days=180), end_on=today, specialist=lena)
    assert all(not step.patients.is_suppressed for step in funnel.steps), [s.patients.value for s in funnel.steps]


def test_attendance_feedback_and_retention_show_figures(org):
    today = timezone.localdate()
    period = {"organization": org, "start_on": today - timedelta(days=180), "end_on": today}
    attendance = attendance_summary(**period)
    for name in ("completed", "cancelled", "late_cancelled", "no_show"):
        assert not getattr(attendance, name).is_suppressed, name
    assert time_to_first_session(**period).median_days is not None
    cohorts = retention_cohorts(**period)
    assert any(row.later[0].patients is not None and not row.later[0].patients.is_suppressed for row in cohorts)
    summary = nps_csat_summary(Appointment.objects.filter(specialist__organization=org))
    assert summary.nps_answered >= 11 and summary.csat_answered >= 11
    assert 30 < summary.response_rate < 80


def test_the_population_stays_in_the_past_away_from_the_demo_specialist(org):
    now = timezone.now()
    sessions = Appointment.objects.filter(patient__in=population())
    assert sessions.count() > 300
    assert not sessions.filter(ends_at__gt=now).exists()
    assert not sessions.filter(specialist__user__email=demo.SAM).exists()
    assert not CareRelationship.objects.filter(patient__in=population(), specialist__user__email=demo.SAM).exists()
    # No specialist is in two places at once.
    by_specialist = {}
    for session in Appointment.objects.filter(specialist__organization=org).order_by("starts_at"):
        by_specialist.setdefault(session.specialist_id, []).append(session)
    for sessions_of_one in by_specialist.values():
        for earlier, later in itertools.pairwise(sessions_of_one):
            if "cancelled" not in {earlier.status, later.status}:
                assert earlier.ends_at <= later.starts_at, (earlier, later)


def test_the_population_is_clearly_demo_and_cannot_sign_in(org):
    people = list(population())
    assert len(people) == demo.PATIENTS
    assert all(person.full_name.endswith("(demo)") for person in people)
    assert not any(person.has_usable_password() for person in people)
    # They accepted the clinic's terms when they joined.
    assert terms_pending_for_user(user=people[0]) == [] and terms_pending_for_user(user=people[-1]) == []


def test_seeding_is_quick_and_happens_once(seeded):
    assert seeded < 5
    before = (population().count(), Appointment.objects.count(), CareRelationship.objects.count())
    with transaction.atomic():
        assert demo.seed() == ["already there"]
    assert (population().count(), Appointment.objects.count(), CareRelationship.objects.count()) == before
