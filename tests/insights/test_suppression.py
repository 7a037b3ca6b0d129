"""No figure may single a patient out: fewer than 11 shows as "<11", and
narrowing the dates can only make a cell disappear, never show it small."""

from datetime import timedelta

import pytest

from booking.states import AppointmentStatus
from core.cells import SUPPRESSED, Cell, difference, rate
from insights.attendance import attendance_summary, retention_cohorts, time_to_first_session
from insights.funnel import journey_funnel

from .journeys import choose, complete_intake, register, session

S = AppointmentStatus


def shown_counts(funnel, attendance, first, cohorts):
    cells = []
    for step in funnel.steps:
        cells += [step.patients, step.drop_off]
    cells += [attendance.completed, attendance.cancelled, attendance.no_show, attendance.total, first.patients]
    for row in cohorts:
        cells += [row.patients, *(cell.patients for cell in row.later)]
    return [cell.shown for cell in cells if cell is not None]


def test_a_cell_under_eleven_is_never_shown():
    assert [Cell(n).shown for n in (0, 1, 10, 11, 250)] == [SUPPRESSED] * 3 + ["11", "250"]
    assert rate(Cell(5), Cell(40)) is None
    assert rate(Cell(20), Cell(40)) == 0.5
    # Showing 40 - 5 = 35 would give the suppressed 5 away; 40 - 12 = 28 gives nothing.
    assert difference(Cell(40), Cell(5)).shown == SUPPRESSED
    assert difference(Cell(40), Cell(12)).shown == "28"


@pytest.mark.django_db
def test_no_narrower_range_reveals_a_count_under_eleven(clinic, specialist, at, base):
    # Two patients a day over six days, each all the way to a first session.
    for day in range(6):
        for hour in (9, 14):
            patient = register(clinic, at(day, hour=hour))
            complete_intake(patient, at(day, hour=hour + 1))
            choose(patient, specialist, at(day, hour=hour + 1))
            session(patient, specialist, at(day + 1, hour=hour), confirmed_at=at(day, hour=hour + 2))
    everything = journey_funnel(organization=clinic, start_on=base, end_on=base + timedelta(days=6))
    assert everything.steps[0].patients.shown == "12"

    for first in range(7):
        for last in range(first, 7):
            start_on, end_on = base + timedelta(days=first), base + timedelta(days=last)
            shown = shown_counts(
                journey_funnel(organization=clinic, start_on=start_on, end_on=end_on),
                attendance_summary(organization=clinic, start_on=start_on, end_on=end_on),
                time_to_first_session(organization=clinic, start_on=start_on, end_on=end_on),
                retention_cohorts(organization=clinic, start_on=start_on, end_on=end_on),
            )
            assert all(value == SUPPRESSED or int(value) >= 11 for value in shown), (first, last, shown)
