"""CSAT and NPS by month, against hand-computed answers."""

from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from booking.states import AppointmentStatus
from insights.periods import period_clean
from insights.satisfaction import satisfaction_by_month
from insights.scope import add_months
from tests.accounts.factories import UserFactory
from tests.organizations.factories import ProgramFactory

from .journeys import give_feedback, session

pytestmark = pytest.mark.django_db

# Month one: twelve answers.
CSAT = [5, 5, 5, 4, 4, 3, 2, 1, 5, 4, 3, 5]  # 8 of 12 are 4 or 5: 66.7%
NPS = [10, 10, 9, 9, 9, 8, 7, 6, 5, 0, 10, 3]  # 6 promoters, 4 detractors: (6 - 4) / 12 = 16.7


def moment(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def months():
    first = add_months(timezone.localdate().replace(day=1), -4)
    return first, add_months(first, 1)


@pytest.fixture
def answers(specialist, outsider, months):
    first, second = months
    for n, (csat, nps) in enumerate(zip(CSAT, NPS, strict=True)):
        appointment = session(UserFactory(), specialist, moment(first + timedelta(days=n)))
        give_feedback(appointment, moment(first + timedelta(days=n), 12), csat=csat, asked_nps=True, nps=nps)
    # Month two: five answers, too few to show; one without a satisfaction answer.
    for n in range(5):
        appointment = session(UserFactory(), specialist, moment(second + timedelta(days=n)))
        give_feedback(appointment, moment(second + timedelta(days=n), 12), csat=None if n == 0 else 5)
    # Another organization's answer is not counted.
    appointment = session(UserFactory(), outsider, moment(first))
    give_feedback(appointment, moment(first, 12), csat=1, asked_nps=True, nps=0)


def test_csat_and_nps_match_the_hand_computed_figures(clinic, answers, months):
    first, second = months
    period = period_clean(start_on=first, end_on=add_months(second, 1) - timedelta(days=1))
    table, whole = satisfaction_by_month(period=period, organization=clinic)
    assert [m.month for m in table] == [first, second]
    one, two = table
    assert (one.responses.value, one.csat_answered.value, one.satisfied) == (12, 12, 8)
    assert one.csat == pytest.approx(100 * 8 / 12)
    assert (one.nps_answered.value, one.promoters, one.detractors) == (12, 6, 4)
    assert one.nps == pytest.approx(100 * 2 / 12)
    # Five answers: counts shown as "<11", scores withheld.
    assert two.responses.shown == "<11"
    assert two.csat is None
    assert two.nps is None
    # The whole period: 16 satisfaction answers, 12 of them 4 or 5.
    assert (whole.csat_answered.value, whole.satisfied) == (16, 12)
    assert whole.csat == pytest.approx(75.0)
    assert whole.nps == pytest.approx(100 * 2 / 12)


def test_one_specialist_or_one_program_narrows_the_answers(clinic, colleague, answers, months):
    first, _second = months
    period = period_clean(start_on=first, end_on=first + timedelta(days=27))
    table, _whole = satisfaction_by_month(period=period, specialist=colleague)
    assert table[0].responses.value == 0
    program = ProgramFactory(organization=clinic)
    table, _whole = satisfaction_by_month(period=period, organization=clinic, program=program)
    assert table[0].responses.value == 0


def test_a_month_is_counted_by_the_sessions_start_within_the_period(clinic, answers, months):
    first, _second = months
    # The first six days only.
    period = period_clean(start_on=first, end_on=first + timedelta(days=5))
    table, _whole = satisfaction_by_month(period=period, organization=clinic)
    assert len(table) == 1
    assert table[0].responses.value == 6


def test_a_program_of_another_organization_is_refused(clinic, months):
    period = period_clean(start_on=months[0], end_on=months[0])
    with pytest.raises(ValidationError, match="not one of this organization"):
        satisfaction_by_month(period=period, organization=clinic, program=ProgramFactory())


def test_the_response_rate_counts_answers_per_session_held(clinic, specialist, answers, months):
    first, _second = months
    # Three more sessions held in month one, unanswered; a no-show is not a session held.
    for n in range(3):
        session(UserFactory(), specialist, moment(first + timedelta(days=n), 15))
    session(UserFactory(), specialist, moment(first, 17), status=AppointmentStatus.NO_SHOW)
    period = period_clean(start_on=first, end_on=add_months(first, 1) - timedelta(days=1))
    [one], whole = satisfaction_by_month(period=period, organization=clinic)
    assert (one.completed.value, one.responses.value) == (15, 12)
    assert one.response_rate == pytest.approx(12 / 15)
    assert whole.response_rate == pytest.approx(12 / 15)


def test_a_response_rate_from_few_sessions_is_withheld(clinic, answers, months):
    _first, second = months
    period = period_clean(start_on=second, end_on=add_months(second, 1) - timedelta(days=1))
    [two], _whole = satisfaction_by_month(period=period, organization=clinic)
    assert two.completed.shown == "<11"
    assert two.response_rate is None


def test_satisfaction_takes_one_query(clinic, answers, months, django_assert_num_queries):
    period = period_clean(start_on=months[0], end_on=months[1])
    with django_assert_num_queries(1):
        satisfaction_by_month(period=period, organization=clinic)
