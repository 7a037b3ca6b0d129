"""The specialist's caseload: facts per patient, follow-up flags, the order
by what needs attention, ended care apart, and a fixed number of queries."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from care.caseload import FOLLOW_UP_WITHIN, caseload_for_specialist
from care.models import CareRelationship
from payments.models import Payment
from tests.accounts.factories import UserFactory
from tests.care import record_fixtures
from tests.care.factories import CareRelationshipFactory
from tests.care.record_fixtures import History, phq9_version, scored, session
from tests.consents.factories_patient import CareContextFactory, published_document
from tests.payments.factories import PaymentFactory

pytestmark = pytest.mark.django_db

# The shared fixtures (tests/care/record_fixtures.py).
history = record_fixtures.history
profile = record_fixtures.profile


def _row(rows, patient):
    return next(row for row in rows if row.patient == patient)


def _keys(row):
    return [flag.key for flag in row.flags]


def test_a_row_has_the_last_and_next_session_and_this_months_count(history: History):
    row = _row(caseload_for_specialist(specialist=history.profile), history.patient)
    assert row.last_session_at == history.held.starts_at
    assert row.next_session_at == history.upcoming.starts_at
    held_this_month = [
        a
        for a in (history.held, history.missed, history.upcoming)
        if a.starts_at.year == timezone.now().year and a.starts_at.month == timezone.now().month
    ]
    assert row.sessions_this_month == len(held_this_month)


def test_unpaid_sessions_and_rising_scores_ask_for_follow_up(history: History):
    row = _row(caseload_for_specialist(specialist=history.profile), history.patient)
    assert "unpaid" in _keys(row) and "score_rising" in _keys(row)
    assert "PHQ-9 rising (8 → 14)" in [flag.label for flag in row.flags]
    # the next session is within three weeks of the last: no "book the next one" flag
    assert "no_next_session" not in _keys(row)


def test_no_session_within_three_weeks_of_the_last_is_flagged(profile):
    patient = UserFactory()
    CareRelationshipFactory(patient=patient, specialist=profile)
    last = session(profile, patient, days=-2, status="completed")
    rows = caseload_for_specialist(specialist=profile)
    assert _keys(_row(rows, patient)) == ["no_next_session"]
    # booked, but further out than three weeks after the last one: still flagged
    too_late = (last.starts_at + FOLLOW_UP_WITHIN + timedelta(days=1) - timezone.now()).days + 1
    session(profile, patient, days=too_late, status="confirmed")
    assert _keys(_row(caseload_for_specialist(specialist=profile), patient)) == ["no_next_session"]
    session(profile, patient, days=5, status="confirmed")
    assert _keys(_row(caseload_for_specialist(specialist=profile), patient)) == []


def test_a_falling_score_and_a_paid_session_flag_nothing(profile):
    patient = UserFactory()
    CareRelationshipFactory(patient=patient, specialist=profile)
    version = phq9_version(profile.organization)
    scored(profile, patient, version, total=15, days_ago=20)
    paid = session(profile, patient, days=-3, status="completed")
    PaymentFactory(appointment=paid, status=Payment.Status.SUCCEEDED)
    session(profile, patient, days=4, status="confirmed")
    assert _keys(_row(caseload_for_specialist(specialist=profile), patient)) == []


def test_missing_consents_are_outstanding(profile):
    patient = UserFactory()
    CareRelationshipFactory(patient=patient, specialist=profile)
    booked = session(profile, patient, days=3, status="confirmed")
    CareContextFactory(patient=patient, specialist=profile, offering=booked.offering)
    published_document(organization=profile.organization)
    row = _row(caseload_for_specialist(specialist=profile), patient)
    assert row.outstanding == ["1 consent to sign"]


def test_patients_needing_attention_come_first(history: History, profile):
    calm = UserFactory(full_name="Aaron Calm")
    CareRelationshipFactory(patient=calm, specialist=profile)
    rows = caseload_for_specialist(specialist=profile)
    assert [row.patient for row in rows] == [history.patient, calm]


def test_ended_care_is_kept_apart_and_not_flagged(profile):
    patient = UserFactory()
    CareRelationshipFactory(patient=patient, specialist=profile, status=CareRelationship.Status.ENDED)
    session(profile, patient, days=-40, status="completed")
    (row,) = caseload_for_specialist(specialist=profile)
    assert not row.is_current and row.flags == []


def test_a_pair_with_ended_and_active_care_is_one_current_row(profile):
    patient = UserFactory()
    CareRelationshipFactory(patient=patient, specialist=profile, status=CareRelationship.Status.ENDED)
    CareRelationshipFactory(patient=patient, specialist=profile)
    (row,) = caseload_for_specialist(specialist=profile)
    assert row.is_current


def test_the_caseload_reads_in_a_fixed_number_of_queries(history, profile, django_assert_max_num_queries):
    for day in range(8):  # a day each: the specialist's sessions never overlap
        patient = UserFactory()
        CareRelationshipFactory(patient=patient, specialist=profile)
        session(profile, patient, days=-5 - day, status="completed")
        session(profile, patient, days=6 + day, status="confirmed")
    with django_assert_max_num_queries(16):
        rows = caseload_for_specialist(specialist=profile)
    assert len(rows) == 9


def test_the_page_lists_patients_with_links_to_their_record(client, history: History, django_assert_max_num_queries):
    client.force_login(history.profile.user)
    with django_assert_max_num_queries(40):
        response = client.get(reverse("care:specialist-patients"))
    page = response.content.decode()
    assert response.status_code == 200
    assert reverse("care:specialist-patient", args=[history.patient.public_id]) in page
    assert "1 patient needs your attention" in page and "PHQ-9 rising" in page


def test_the_page_puts_ended_care_under_a_toggle(client, profile):
    patient = UserFactory(full_name="Former Patient")
    CareRelationshipFactory(patient=patient, specialist=profile, status=CareRelationship.Status.ENDED)
    client.force_login(profile.user)
    page = client.get(reverse("care:specialist-patients")).content.decode()
    assert "No patients in your care yet" in page
    assert "Care ended (1 patient)" in page and "Former Patient" in page
