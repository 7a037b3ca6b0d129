"""The insights pages' figures and charts, put together for one request.

Each section is one selector (one query, two for revenue) whatever the
size of the history, and each chart is drawn from its section's figures:
suppressed cells ("<11") become gaps, never bars or points.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.cells import SUPPRESSED, rate_shown
from core.charts import Chart, Series, bar_chart, line_chart
from core.money import Money
from organizations.models import Organization, Program
from specialists.models import SpecialistProfile

from .attendance import (
    RETENTION_MONTHS,
    Attendance,
    CohortRow,
    TimeToFirstSession,
    attendance_summary,
    retention_cohorts,
    time_to_first_session,
)
from .funnel import Funnel, journey_funnel, specialist_funnel
from .periods import Period
from .revenue import Revenue, revenue_by_month
from .satisfaction import SatisfactionMonth, satisfaction_by_month

OUTCOME_LABELS = {
    "completed": gettext_lazy("Completed"),
    "cancelled": gettext_lazy("Cancelled in time"),
    "late_cancelled": gettext_lazy("Cancelled late"),
    "no_show": gettext_lazy("No-show"),
}


@dataclass
class Insights:
    period: Period
    window_days: int
    funnel: Funnel
    attendance: Attendance
    satisfaction: list[SatisfactionMonth]
    satisfaction_total: SatisfactionMonth
    cohorts: list[CohortRow]
    first_session: TimeToFirstSession | None = None
    revenue: Revenue | None = None
    currency: str = ""

    @cached_property
    def funnel_chart(self) -> Chart:
        return funnel_chart(self.funnel)

    @cached_property
    def attendance_chart(self) -> Chart:
        return attendance_chart(self.attendance)

    @cached_property
    def satisfaction_chart(self) -> Chart:
        return satisfaction_chart(self.satisfaction)

    @cached_property
    def revenue_chart(self) -> Chart | None:
        return revenue_chart(self.revenue, self.currency) if self.revenue else None

    @cached_property
    def cohort_labels(self) -> list[str]:
        return [
            ngettext("%(n)d month later", "%(n)d months later", n) % {"n": n} for n in range(1, RETENTION_MONTHS + 1)
        ]

    @cached_property
    def attendance_rows(self) -> list[tuple[str, object, str]]:
        return [
            (label, getattr(self.attendance, name), rate_shown(self.attendance.rate(name)))
            for name, label in OUTCOME_LABELS.items()
        ]


def organization_insights(
    *,
    organization: Organization,
    period: Period,
    window_days: int,
    program: Program | None = None,
    specialist: SpecialistProfile | None = None,
) -> Insights:
    """Every section of the organization's page, in seven queries."""
    dates = {"organization": organization, "start_on": period.start_on, "end_on": period.end_on}
    scope = {"specialist": specialist, "program": program}
    months, total = satisfaction_by_month(period=period, organization=organization, **scope)
    return Insights(
        period=period,
        window_days=window_days,
        funnel=journey_funnel(window_days=window_days, **dates, **scope),
        attendance=attendance_summary(**dates, **scope),
        first_session=time_to_first_session(**dates, **scope),
        satisfaction=months,
        satisfaction_total=total,
        cohorts=retention_cohorts(**dates, **scope),
        revenue=revenue_by_month(organization=organization, period=period, **scope),
        currency=organization.currency,
    )


def specialist_insights(*, specialist: SpecialistProfile, period: Period, window_days: int) -> Insights:
    """The specialist's own page: their funnel from being matched on, their
    sessions, their patients' answers and cohorts. Four queries."""
    dates = {"organization": specialist.organization, "start_on": period.start_on, "end_on": period.end_on}
    months, total = satisfaction_by_month(period=period, specialist=specialist)
    return Insights(
        period=period,
        window_days=window_days,
        funnel=specialist_funnel(
            specialist=specialist, start_on=period.start_on, end_on=period.end_on, window_days=window_days
        ),
        attendance=attendance_summary(specialist=specialist, **dates),
        satisfaction=months,
        satisfaction_total=total,
        cohorts=retention_cohorts(specialist=specialist, **dates),
    )


# --- Charts ---------------------------------------------------------------------------------


def month_label(month: date) -> str:
    return date_format(month, "M Y")


def funnel_chart(funnel: Funnel) -> Chart:
    steps = funnel.steps
    return bar_chart(
        chart_id="funnel",
        title=_("Patients at each step"),
        caption=_("Each step counts the patients who reached it and every step before it within %(days)d days.")
        % {"days": funnel.window_days},
        labels=[step.label for step in steps],
        series=[
            Series(
                _("Patients"),
                [None if step.patients.is_suppressed else step.patients.value for step in steps],
                [step.patients.shown for step in steps],
            )
        ],
        x_label=_("Patients"),
        category_label=_("Step"),
        show_table=False,
    )


def attendance_chart(attendance: Attendance) -> Chart:
    names = list(OUTCOME_LABELS)
    cells = [getattr(attendance, name) for name in names]
    return bar_chart(
        chart_id="attendance",
        title=_("How sessions ended"),
        caption=_("Sessions that were to start in the period, by outcome, with their share."),
        labels=[str(OUTCOME_LABELS[name]) for name in names],
        series=[
            Series(
                _("Sessions"),
                [None if cell.is_suppressed else cell.value for cell in cells],
                [
                    cell.shown if cell.is_suppressed else f"{cell.shown} ({rate_shown(attendance.rate(name))})"
                    for name, cell in zip(names, cells, strict=True)
                ],
            )
        ],
        x_label=_("Sessions"),
        category_label=_("Outcome"),
        show_table=False,
    )


def _score(value: float | None) -> str:
    return SUPPRESSED if value is None else f"{value:.0f}"


def satisfaction_chart(months: list[SatisfactionMonth]) -> Chart:
    return line_chart(
        chart_id="satisfaction",
        title=_("Satisfaction and recommendation by month"),
        caption=_(
            "CSAT: percent of satisfaction answers that are 4 or 5. NPS: percent promoters (9 or 10) minus percent "
            "detractors (0 to 6), from -100 to 100."
        ),
        labels=[month_label(m.month) for m in months],
        series=[
            Series(_("CSAT (%)"), [m.csat for m in months], [_score(m.csat) for m in months]),
            Series(_("NPS"), [m.nps for m in months], [_score(m.nps) for m in months]),
        ],
        y_label=_("Score"),
        x_label=_("Month of the session"),
        y_min=-100,
        y_max=100,
        show_table=False,
    )


def revenue_chart(revenue: Revenue, currency: str) -> Chart | None:
    months = [m for m in revenue.months if m.currency == currency]
    if not months:
        return None

    def shown(minor: int | None) -> str:
        return SUPPRESSED if minor is None else Money(int(minor), currency).format()

    return line_chart(
        chart_id="revenue",
        title=_("Net card payments by month (%(currency)s)") % {"currency": currency},
        labels=[month_label(m.month) for m in months],
        series=[
            Series(
                _("Net"),
                [None if m.net_minor is None else float(Money(int(m.net_minor), currency).decimal) for m in months],
                [shown(m.net_minor) for m in months],
            )
        ],
        y_label=currency,
        x_label=_("Month paid"),
        show_table=False,
    )
