import csv
import io
from datetime import timedelta

from core.cells import Cell
from insights.attendance import attendance_summary, retention_cohorts, time_to_first_session
from insights.csv import (
    ATTENDANCE_HEADER,
    FUNNEL_HEADER,
    TIME_TO_FIRST_HEADER,
    attendance_rows,
    cohort_header,
    cohort_rows,
    csv_lines,
    funnel_rows,
    time_to_first_rows,
)
from insights.funnel import journey_funnel

from .journeys import register


def parse(lines):
    return list(csv.reader(io.StringIO("".join(lines))))


def test_cells_that_look_like_formulas_are_defused():
    rows = parse(csv_lines(["a", "b", "c", "d", "e"], [["=1+1", "+1", "-2", "@SUM(A1)", "plain"]]))
    assert rows[1] == ["'=1+1", "'+1", "'-2", "'@SUM(A1)", "plain"]


def test_suppressed_cells_are_written_as_less_than_eleven():
    rows = parse(csv_lines(["n", "m", "empty"], [[Cell(3), Cell(42), None]]))
    assert rows[1] == ["<11", "42", ""]


def test_every_insight_writes_as_csv_without_small_counts(clinic, at, base):
    for hour in range(12):
        register(clinic, at(1, hour=hour))
    end_on = base + timedelta(days=3)
    funnel = journey_funnel(organization=clinic, start_on=base, end_on=end_on)

    rows = parse(csv_lines(FUNNEL_HEADER, funnel_rows(funnel)))
    assert rows[0] == FUNNEL_HEADER
    assert rows[1] == ["Registered", "12", "", "", "100%"]
    assert rows[2] == ["Intake done", "<11", "<11", "<11", "<11"]
    assert rows[6] == ["Feedback given", "<11", "<11", "<11", "<11"]
    assert len(rows) == 8

    attendance = attendance_summary(organization=clinic, start_on=base, end_on=end_on)
    assert parse(csv_lines(ATTENDANCE_HEADER, attendance_rows(attendance)))[1] == ["completed", "<11", "<11"]
    first = time_to_first_session(organization=clinic, start_on=base, end_on=end_on)
    assert parse(csv_lines(TIME_TO_FIRST_HEADER, time_to_first_rows(first)))[1] == ["<11", "<11"]
    cohorts = retention_cohorts(organization=clinic, start_on=base, end_on=end_on)
    rows = parse(csv_lines(cohort_header(3), cohort_rows(cohorts)))
    assert rows[0] == ["first_session_month", "patients", "month_1", "month_2", "month_3"]
    assert rows[1][1:] == ["<11", "<11 (<11)", "<11 (<11)", "<11 (<11)"]
