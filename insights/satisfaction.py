"""Satisfaction (CSAT) and the recommendation score (NPS) month by month.

The arithmetic is `care.feedback`'s: CSAT is the share of
satisfaction answers that are 4 or 5; NPS is the share of promoters (9 or
10) minus the share of detractors (0 to 6), from -100 to 100. Answers are
grouped by the month their session was to start, in the viewer's zone, and
a month's score is withheld while fewer than 11 patients' answers make it.
Only aggregates leave this module: whether an answer was anonymous does not
matter here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count
from django.db.models.functions import TruncMonth

from booking.states import AppointmentStatus
from care.feedback import csat_percent, nps_score, score_counts
from core.cells import Cell, rate
from organizations.models import Organization, Program
from specialists.models import SpecialistProfile

from .periods import Period
from .scope import add_months, check_scope, local_day, sessions_in_scope


@dataclass(frozen=True)
class SatisfactionMonth:
    month: date
    completed: Cell  # sessions that took place
    responses: Cell  # of them, answered
    csat_answered: Cell
    satisfied: int
    nps_answered: Cell
    promoters: int
    detractors: int

    @property
    def response_rate(self) -> float | None:
        """Answered sessions per session held, as a fraction; None when withheld."""
        return rate(self.responses, self.completed)

    @property
    def csat(self) -> float | None:
        """Percent of satisfaction answers that are 4 or 5; None when withheld."""
        if self.csat_answered.is_suppressed:
            return None
        return csat_percent(satisfied=self.satisfied, answered=self.csat_answered.value)

    @property
    def nps(self) -> float | None:
        """Percent promoters minus percent detractors; None when withheld."""
        if self.nps_answered.is_suppressed:
            return None
        return nps_score(promoters=self.promoters, detractors=self.detractors, answered=self.nps_answered.value)


def _months(period: Period) -> list[date]:
    months, month = [], period.start_on.replace(day=1)
    while month <= period.end_on:
        months.append(month)
        month = add_months(month, 1)
    return months


def satisfaction_by_month(
    *,
    period: Period,
    organization: Organization | None = None,
    specialist: SpecialistProfile | None = None,
    program: Program | None = None,
) -> tuple[list[SatisfactionMonth], SatisfactionMonth]:
    """Each month touched by `period` (the first and last only for their
    days inside it) and the period as a whole, over the answers about the
    organization's sessions or one specialist's, with the sessions held
    (for the response rate). One grouped query.

    Raises ValidationError for a specialist or program of another organization.
    """
    if organization is not None:
        check_scope(organization, specialist, program)
    start, end = period.bounds()
    months = _months(period)
    # Answers exist only for sessions held: one pass over those sessions
    # counts both (a session has at most one answer).
    held = sessions_in_scope(organization or specialist.organization, specialist, program).filter(
        status=AppointmentStatus.COMPLETED, starts_at__gte=start, starts_at__lt=end
    )
    rows = (
        held.values(month=TruncMonth("starts_at"))
        .annotate(completed=Count("pk"), **score_counts(of="feedback__"))
        .order_by()
    )
    empty = dict.fromkeys(["completed", *score_counts()], 0)
    by_month: dict[date, dict] = {}
    for row in rows:
        month = local_day(row.pop("month")).replace(day=1)
        totals = by_month.setdefault(month, dict(empty))
        for name, value in row.items():
            totals[name] += value
    table = [_month(month, by_month.get(month, empty)) for month in months]
    whole = {name: sum(by_month.get(month, empty)[name] for month in months) for name in empty}
    return table, _month(period.start_on, whole)


def _month(month: date, counts: dict) -> SatisfactionMonth:
    return SatisfactionMonth(
        month=month,
        completed=Cell(counts["completed"]),
        responses=Cell(counts["responses"]),
        csat_answered=Cell(counts["csat_answered"]),
        satisfied=counts["satisfied"],
        nps_answered=Cell(counts["nps_answered"]),
        promoters=counts["promoters"],
        detractors=counts["detractors"],
    )
