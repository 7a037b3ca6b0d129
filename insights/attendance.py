"""How sessions went for one organization: attendance, time to the first
session, and whether patients come back month after month.

All figures count sessions with the organization's specialists (or one of
them), by when the session was to start, in the viewer's zone.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    Exists,
    F,
    FloatField,
    Func,
    Min,
    OuterRef,
    Q,
    Subquery,
    Window,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone

from booking.models import AppointmentEvent
from booking.states import AppointmentStatus
from core.cells import Cell, rate
from organizations.models import Membership, Organization, Program
from specialists.models import SpecialistProfile

from .periods import Period, period_clean
from .scope import add_months, check_scope, sessions_in_scope

S = AppointmentStatus
# How many months after the first one the cohort table follows.
RETENTION_MONTHS = 3


@dataclass(frozen=True)
class Attendance:
    period: Period
    completed: Cell
    cancelled: Cell
    late_cancelled: Cell
    no_show: Cell
    # Sessions booked for the period that have an outcome (the four above).
    total: Cell

    def rate(self, name: str) -> float | None:
        return rate(getattr(self, name), self.total)


@dataclass(frozen=True)
class TimeToFirstSession:
    period: Period
    # Patients whose first attended session fell in the period.
    patients: Cell
    # Median days from registration to that session; None when suppressed.
    median_days: float | None


@dataclass(frozen=True)
class RetentionCell:
    # None: month M+k has not started yet.
    patients: Cell | None
    rate: float | None


@dataclass(frozen=True)
class CohortRow:
    month: date
    patients: Cell
    # Months M+1 … M+RETENTION_MONTHS.
    later: list[RetentionCell]


def attendance_summary(
    *,
    organization: Organization,
    start_on: date,
    end_on: date,
    specialist: SpecialistProfile | None = None,
    program: Program | None = None,
    today: date | None = None,
) -> Attendance:
    """Completed, cancelled (in time and late) and no-show sessions that
    were to start in the period, and their shares. One query.

    Only cancellations of confirmed sessions count: letting go of a hold, or
    withdrawing a request nobody accepted, was never a session.
    """
    period = period_clean(start_on=start_on, end_on=end_on, today=today)
    check_scope(organization, specialist, program)
    start, end = period.bounds()
    was_confirmed = Exists(AppointmentEvent.objects.filter(appointment=OuterRef("pk"), to_status=S.CONFIRMED))
    cancelled = Q(status=S.CANCELLED, was_confirmed=True)
    counts = (
        sessions_in_scope(organization, specialist, program)
        .filter(starts_at__gte=start, starts_at__lt=end)
        .annotate(was_confirmed=was_confirmed)
        .aggregate(
            completed=Count("pk", filter=Q(status=S.COMPLETED)),
            cancelled=Count("pk", filter=cancelled & Q(is_late_cancellation=False)),
            late_cancelled=Count("pk", filter=cancelled & Q(is_late_cancellation=True)),
            no_show=Count("pk", filter=Q(status=S.NO_SHOW)),
        )
    )
    return Attendance(
        period=period,
        total=Cell(sum(counts.values())),
        **{name: Cell(value) for name, value in counts.items()},
    )


class Median(Aggregate):
    """The median of a number (PostgreSQL's `percentile_cont(0.5)`)."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


class EpochSeconds(Func):
    """An interval in seconds (PostgreSQL)."""

    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()


def time_to_first_session(
    *,
    organization: Organization,
    start_on: date,
    end_on: date,
    specialist: SpecialistProfile | None = None,
    program: Program | None = None,
    today: date | None = None,
) -> TimeToFirstSession:
    """The median days from becoming a patient of the organization to the
    first attended session, over the patients whose first session fell in
    the period. One query: on PostgreSQL the median is taken there
    (`percentile_cont`); SQLite has no percentile function, so there it is
    taken here over one row per such patient.
    """
    period = period_clean(start_on=start_on, end_on=end_on, today=today)
    check_scope(organization, specialist, program)
    start, end = period.bounds()
    # Each patient's first attended session, grouped in one pass over the
    # sessions; when they became the organization's patient is looked up
    # only for those whose first session fell in the period.
    joined = (
        Membership.objects.filter(organization=organization, role=Membership.Role.PATIENT, user=OuterRef("patient_id"))
        .order_by()
        .values("created_at")[:1]
    )
    firsts = (
        sessions_in_scope(organization, specialist, program)
        .filter(status=S.COMPLETED)
        .values("patient_id")
        .annotate(first_at=Min("starts_at"))
        .filter(first_at__gte=start, first_at__lt=end)
        .annotate(joined_at=Subquery(joined))
        .order_by()
    )
    if connection.vendor == "postgresql":
        # The median in the database: one row back, however many patients.
        # A wait below zero (a session before joining) counts as none: the
        # median of waits clamped at zero is (nearly) the clamped median.
        waited = EpochSeconds(F("first_at") - F("joined_at"))
        # Patients of the organization only: those without a membership have no `joined_at`.
        figures = firsts.aggregate(patients=Count("joined_at"), median=Median(waited))
        patients = Cell(figures["patients"])
        median = None if patients.is_suppressed else max(figures["median"], 0) / 86400
        return TimeToFirstSession(period=period, patients=patients, median_days=median)
    rows = [(joined, first) for joined, first in firsts.values_list("joined_at", "first_at") if joined is not None]
    patients = Cell(len(rows))
    median = None
    if not patients.is_suppressed:
        median = statistics.median(max((first - joined).total_seconds(), 0) / 86400 for joined, first in rows)
    return TimeToFirstSession(period=period, patients=patients, median_days=median)


def _month_start(month: date) -> datetime:
    return datetime.combine(month, time.min, tzinfo=timezone.get_current_timezone())


def _cohort_counts(sessions, *, first_month: date, end_month: date) -> dict[tuple[date, date], int]:
    """Distinct patients per (month of their first session, month of a
    session) among `sessions`, for first months from `first_month` up to
    (not including) `end_month`.

    Django cannot group by a window function, so the window query it
    writes (months in the viewer's zone, on either database) is wrapped in
    one grouping query here. The months come back as the database writes
    them (a naive local datetime, or its text on SQLite) and are compared
    with the bounds in that form.
    """
    journeys = (
        sessions.annotate(
            month=TruncMonth("starts_at"),
            cohort=Window(Min(TruncMonth("starts_at")), partition_by=[F("patient_id")]),
        )
        .values("patient_id", "month", "cohort")
        .order_by()
    )  # no model ordering: the outer query groups
    inner, params = journeys.query.sql_with_params()
    bounds = [datetime.combine(first_month, time.min), datetime.combine(end_month, time.min)]
    sql = (
        "SELECT journeys.cohort, journeys.month, COUNT(DISTINCT journeys.patient_id) "  # noqa: S608 (Django's own SQL)
        f"FROM ({inner}) journeys WHERE journeys.cohort >= %s AND journeys.cohort < %s "
        "GROUP BY journeys.cohort, journeys.month"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *(connection.ops.adapt_datetimefield_value(b) for b in bounds)])
        return {(_month_of(cohort), _month_of(month)): n for cohort, month, n in cursor.fetchall()}


def _month_of(value) -> date:
    """A truncated month as the database returns it: a datetime or its text."""
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value.date() if isinstance(value, datetime) else value


def retention_cohorts(
    *,
    organization: Organization,
    start_on: date,
    end_on: date,
    specialist: SpecialistProfile | None = None,
    program: Program | None = None,
    today: date | None = None,
) -> list[CohortRow]:
    """A cohort table: for each month M touched by the period, the patients
    whose first attended session was in M, and how many of them attended
    another session in M+1, M+2 and M+3.

    One query returns distinct patients per (first month, session month):
    its answer grows with months, not with patients or sessions. Each
    patient's first month is a window function over their attended
    sessions (computed once per session row, where a correlated subquery
    would look each patient up again for every session), so the database
    reads the sessions once, in one pass.
    """
    today = today or timezone.localdate()
    period = period_clean(start_on=start_on, end_on=end_on, today=today)
    check_scope(organization, specialist, program)
    first_month = period.start_on.replace(day=1)
    last_month = period.end_on.replace(day=1)
    sessions_end = _month_start(add_months(last_month, RETENTION_MONTHS + 1))
    counts = _cohort_counts(
        sessions_in_scope(organization, specialist, program).filter(status=S.COMPLETED, starts_at__lt=sessions_end),
        first_month=first_month,
        end_month=add_months(last_month, 1),
    )
    table = []
    month = first_month
    while month <= last_month:
        size = Cell(counts.get((month, month), 0))
        later = []
        for offset in range(1, RETENTION_MONTHS + 1):
            later_month = add_months(month, offset)
            if later_month > today:
                later.append(RetentionCell(None, None))
                continue
            cell = Cell(counts.get((month, later_month), 0))
            later.append(RetentionCell(cell, rate(cell, size)))
        table.append(CohortRow(month=month, patients=size, later=later))
        month = add_months(month, 1)
    return table
