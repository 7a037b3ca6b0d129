"""Insights as CSV files: the same cells as the pages, suppression included.

The formula guard is core's (`core.spreadsheets.safe_cell`): a cell that
starts with = + - @ (or a tab or carriage return) gets a leading apostrophe,
so a spreadsheet shows it instead of running it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from core.cells import Cell, rate_shown
from core.money import Money
from core.spreadsheets import csv_lines as _guarded_lines

from .attendance import Attendance, CohortRow, TimeToFirstSession
from .funnel import Funnel
from .revenue import Revenue
from .satisfaction import SatisfactionMonth


def _shown(value) -> str:
    """What a cell may show: suppressed counts as "<11", nothing else changed."""
    if isinstance(value, Cell):
        return value.shown
    return "" if value is None else str(value)


def csv_lines(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    """CSV text, one line at a time; counts suppressed, formulas guarded.

    Every count must arrive as a `Cell`: a bare int is written as it is.
    """
    return _guarded_lines(header, ([_shown(value) for value in row] for row in rows))


FUNNEL_HEADER = ["step", "patients", "drop_off", "of_previous", "of_first_step"]


def funnel_rows(funnel: Funnel) -> Iterator[list]:
    for step in funnel.steps:
        yield [
            step.label,
            step.patients,
            step.drop_off,
            rate_shown(step.rate_from_previous) if step.drop_off is not None else "",
            rate_shown(step.rate_from_start),
        ]


ATTENDANCE_HEADER = ["outcome", "sessions", "share"]
OUTCOMES = ["completed", "cancelled", "late_cancelled", "no_show"]


def attendance_rows(attendance: Attendance) -> Iterator[list]:
    for name in OUTCOMES:
        yield [name, getattr(attendance, name), rate_shown(attendance.rate(name))]
    yield ["total", attendance.total, ""]


TIME_TO_FIRST_HEADER = ["patients", "median_days"]


def time_to_first_rows(figure: TimeToFirstSession) -> Iterator[list]:
    median = figure.patients.shown if figure.median_days is None else f"{figure.median_days:.1f}"
    yield [figure.patients, median]


def cohort_header(months: int) -> list[str]:
    return ["first_session_month", "patients", *(f"month_{k}" for k in range(1, months + 1))]


def cohort_rows(table: list[CohortRow]) -> Iterator[list]:
    for row in table:
        later = [
            "" if cell.patients is None else f"{cell.patients.shown} ({rate_shown(cell.rate)})" for cell in row.later
        ]
        yield [row.month.strftime("%Y-%m"), row.patients, *later]


SATISFACTION_HEADER = [
    "month",
    "sessions_held",
    "responses",
    "response_rate",
    "csat_answers",
    "csat_percent",
    "nps_answers",
    "nps",
]


def _score(value: float | None) -> str:
    return rate_shown(None) if value is None else f"{value:.1f}"


def satisfaction_rows(months: list[SatisfactionMonth]) -> Iterator[list]:
    for month in months:
        yield [
            month.month.strftime("%Y-%m"),
            month.completed,
            month.responses,
            rate_shown(month.response_rate),
            month.csat_answered,
            _score(month.csat),
            month.nps_answered,
            _score(month.nps),
        ]


REVENUE_HEADER = ["month", "currency", "paying_patients", "gross", "refunded", "net"]


def revenue_rows(revenue: Revenue) -> Iterator[list]:
    for month in revenue.months:
        amounts = [month.gross_minor, month.refunded_minor, month.net_minor]
        yield [
            month.month.strftime("%Y-%m"),
            month.currency,
            month.patients,
            *(rate_shown(None) if a is None else str(Money(int(a), month.currency).decimal) for a in amounts),
        ]
