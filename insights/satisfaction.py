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

from django.db.models.functions import TruncMonth

from care.feedback import csat_percent, nps_score, score_counts
from care.models import Feedback
from organizations.models import Organization, Program
from specialists.models import SpecialistProfile

from .attendance import _add_months, _check_specialist, _on
from .cells import Cell
from .periods import Period


@dataclass(frozen=True)
class SatisfactionMonth:
    month: date
    responses: Cell
    csat_answered: Cell
    satisfied: int
    nps_answered: Cell
    promoters: int
    detractors: int

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
        month = _add_months(month, 1)
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
    organization's sessions or one specialist's. One grouped query.

    Raises ValidationError for a specialist or program of another organization.
    """
    if organization is not None:
        _check_specialist(organization, specialist, program)
    start, end = period.bounds()
    months = _months(period)
    answers = Feedback.objects.filter(appointment__starts_at__gte=start, appointment__starts_at__lt=end)
    if specialist is not None:
        answers = answers.filter(specialist=specialist)
    else:
        answers = answers.filter(specialist__organization=organization)
    if program is not None:
        answers = answers.filter(patient__program_enrolments__program=program)
    rows = answers.values(month=TruncMonth("appointment__starts_at")).annotate(**score_counts()).order_by()
    by_month: dict[date, dict] = {}
    for row in rows:
        month = _on(row.pop("month")).replace(day=1)
        totals = by_month.setdefault(month, dict.fromkeys(row, 0))
        for name, value in row.items():
            totals[name] += value
    empty = dict.fromkeys(score_counts(), 0)
    table = [_month(month, by_month.get(month, empty)) for month in months]
    whole = {name: sum(by_month.get(month, empty)[name] for month in months) for name in empty}
    return table, _month(period.start_on, whole)


def _month(month: date, counts: dict) -> SatisfactionMonth:
    return SatisfactionMonth(
        month=month,
        responses=Cell(counts["responses"]),
        csat_answered=Cell(counts["csat_answered"]),
        satisfied=counts["satisfied"],
        nps_answered=Cell(counts["nps_answered"]),
        promoters=counts["promoters"],
        detractors=counts["detractors"],
    )
