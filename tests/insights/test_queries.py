"""Every insight answers in one query (the funnel in two: first the ids of
the organization's specialists), however many patients there are."""

from datetime import timedelta

import pytest

from insights.attendance import attendance_summary, retention_cohorts, time_to_first_session
from insights.funnel import journey_funnel
from tests.specialists.factories import SpecialistProfileFactory

from .journeys import choose, complete_intake, register, session


def populate(clinic, at, patients):
    specialists = [SpecialistProfileFactory(organization=clinic) for _ in range(3)]
    for n in range(patients):
        specialist = specialists[n % 3]
        hour = n // 3 % 20
        patient = register(clinic, at(1, hour=hour))
        complete_intake(patient, at(2))
        choose(patient, specialist, at(2))
        session(patient, specialist, at(5, hour=hour), confirmed_at=at(3))
        session(patient, specialist, at(40, hour=hour), confirmed_at=at(30))


@pytest.mark.parametrize("patients", [3, 30])
def test_insights_take_one_query_each_at_any_size(clinic, at, base, patients, django_assert_num_queries):
    populate(clinic, at, patients)
    dates = {"organization": clinic, "start_on": base, "end_on": base + timedelta(days=60)}
    with django_assert_num_queries(2):
        funnel = journey_funnel(**dates)
    with django_assert_num_queries(1):
        attendance = attendance_summary(**dates)
    with django_assert_num_queries(1):
        first = time_to_first_session(**dates)
    with django_assert_num_queries(1):
        retention_cohorts(**dates)
    assert funnel.steps[4].patients.value == patients
    assert attendance.completed.value == 2 * patients
    assert first.patients.value == patients
