"""Attendance, time to the first session and retention cohorts, against
hand-counted fixtures."""

from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from booking.states import AppointmentStatus
from insights.attendance import attendance_summary, retention_cohorts, time_to_first_session
from tests.accounts.factories import UserFactory

from .journeys import register, session

S = AppointmentStatus


def test_attendance_counts_outcomes_of_sessions_in_the_range(clinic, specialist, outsider, at, base):
    patient = UserFactory()
    for day in (1, 2, 3):
        session(patient, specialist, at(day), confirmed_at=at(0))
    session(patient, specialist, at(4), status=S.CANCELLED, confirmed_at=at(0))
    session(patient, specialist, at(5), status=S.CANCELLED, confirmed_at=at(0), late=True)
    session(patient, specialist, at(6), status=S.NO_SHOW, confirmed_at=at(0))
    # Not sessions: a hold let go of, a request declined, one still ahead.
    session(patient, specialist, at(7), status=S.CANCELLED)
    session(patient, specialist, at(7, hour=12), status=S.DECLINED)
    session(patient, specialist, at(8), status=S.CONFIRMED, confirmed_at=at(0))
    # Outside the range, or another organization's.
    session(patient, specialist, at(30), confirmed_at=at(0))
    session(patient, outsider, at(2), status=S.NO_SHOW, confirmed_at=at(0))

    figures = attendance_summary(organization=clinic, start_on=base, end_on=base + timedelta(days=9))

    assert (figures.completed.value, figures.cancelled.value, figures.late_cancelled.value) == (3, 1, 1)
    assert (figures.no_show.value, figures.total.value) == (1, 6)
    assert figures.completed.shown == "<11"
    assert figures.rate("completed") is None


def test_attendance_rates_are_shares_of_sessions_with_an_outcome(clinic, specialist, colleague, at, base):
    patient = UserFactory()
    for hour in range(12):
        session(patient, specialist, at(1, hour=hour), confirmed_at=at(0))
        session(patient, specialist, at(2, hour=hour), status=S.NO_SHOW, confirmed_at=at(0))
    session(patient, colleague, at(3), status=S.NO_SHOW, confirmed_at=at(0))

    figures = attendance_summary(organization=clinic, start_on=base, end_on=base + timedelta(days=2))
    assert (figures.completed.shown, figures.no_show.shown, figures.total.shown) == ("12", "12", "24")
    assert figures.rate("completed") == 0.5
    assert figures.rate("cancelled") is None  # 0 sessions: suppressed

    mine = attendance_summary(
        organization=clinic, start_on=base, end_on=base + timedelta(days=3), specialist=specialist
    )
    assert mine.no_show.value == 12


def test_time_to_first_session_is_the_median_over_first_sessions_in_the_range(clinic, specialist, at, base):
    # Eleven patients registered on day 0, first session 1…11 days later.
    for days in range(1, 12):
        patient = register(clinic, at(0))
        session(patient, specialist, at(days), confirmed_at=at(0))
        session(patient, specialist, at(days + 1, hour=15), confirmed_at=at(0))  # a later one: not the first
    # Attended before the range: not a first session in it.
    early = register(clinic, at(-20))
    session(early, specialist, at(-1), confirmed_at=at(-20))
    session(early, specialist, at(5, hour=18), confirmed_at=at(-20))

    figure = time_to_first_session(organization=clinic, start_on=base, end_on=base + timedelta(days=11))
    assert figure.patients.shown == "11"
    assert figure.median_days == 6

    narrower = time_to_first_session(organization=clinic, start_on=base, end_on=base + timedelta(days=5))
    assert narrower.patients.shown == "<11"
    assert narrower.median_days is None


def test_time_to_first_session_counts_the_organizations_patients_only(clinic, specialist, at, base):
    """Twelve patients waited 1 to 12 days: the median is 6.5 on either
    database (PostgreSQL takes it in SQL, SQLite here)."""
    for days in range(1, 13):
        patient = register(clinic, at(0))
        session(patient, specialist, at(days), confirmed_at=at(0))
    # Sessions with the clinic's specialist, but never the clinic's patient.
    session(UserFactory(), specialist, at(3, hour=16), confirmed_at=at(0))

    figure = time_to_first_session(organization=clinic, start_on=base, end_on=base + timedelta(days=13))
    assert figure.patients.value == 12
    assert figure.median_days == pytest.approx(6.5)


def _month(today: date, back: int) -> date:
    index = today.year * 12 + today.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def _in(month: date, day: int = 10, hour: int = 10) -> datetime:
    return datetime.combine(month.replace(day=day), time(hour), tzinfo=timezone.get_current_timezone())


def test_retention_cohorts_follow_each_first_session_month(clinic, specialist, outsider, today):
    m0, m1, m2, m3 = (_month(today, back) for back in (6, 5, 4, 3))
    a, b, c, d, e = (UserFactory() for _ in range(5))
    for patient, hour in ((a, 9), (b, 11), (c, 13)):
        session(patient, specialist, _in(m0, hour=hour))
    session(a, specialist, _in(m1))
    session(a, specialist, _in(m1, day=20))  # twice in a month: one patient
    session(b, specialist, _in(m2))
    session(b, specialist, _in(m3))
    session(d, specialist, _in(m1, hour=15))
    session(d, specialist, _in(m2, hour=15))
    # First attended before m0: in no cohort of the table.
    session(e, specialist, _in(_month(today, 7)))
    session(e, specialist, _in(m0, hour=17))
    # Cancelled sessions and another organization's do not count.
    session(c, specialist, _in(m1, hour=17), status=S.CANCELLED, confirmed_at=_in(m0))
    session(c, outsider, _in(m2))

    end_of_m1 = m2 - timedelta(days=1)
    table = retention_cohorts(organization=clinic, start_on=m0 + timedelta(days=3), end_on=end_of_m1)

    assert [row.month for row in table] == [m0, m1]
    assert [(row.patients.value, [cell.patients.value for cell in row.later]) for row in table] == [
        (3, [1, 1, 1]),
        (1, [1, 0, 0]),
    ]
    assert table[0].later[0].rate is None  # 1 of 3: suppressed


def test_retention_months_not_started_yet_are_empty(clinic, specialist, today):
    this_month = today.replace(day=1)
    table = retention_cohorts(organization=clinic, start_on=this_month, end_on=today)
    assert len(table) == 1
    assert all(cell.patients is None for cell in table[0].later)


def test_attendance_refuses_another_organizations_specialist(clinic, outsider, base):
    for selector in (attendance_summary, time_to_first_session, retention_cohorts):
        with pytest.raises(ValidationError, match="not one of this organization"):
            selector(organization=clinic, start_on=base, end_on=base, specialist=outsider)
