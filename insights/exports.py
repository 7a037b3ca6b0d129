"""One section of an insights page as CSV: only that section's query runs."""

from __future__ import annotations

from collections.abc import Iterator

from organizations.models import Organization, Program
from specialists.models import SpecialistProfile

from . import csv as rows
from .attendance import RETENTION_MONTHS, attendance_summary, retention_cohorts, time_to_first_session
from .funnel import journey_funnel, specialist_funnel
from .periods import Period
from .revenue import revenue_by_month
from .satisfaction import satisfaction_by_month

ORGANIZATION_SECTIONS = ("funnel", "attendance", "first-session", "satisfaction", "cohorts", "revenue")
SPECIALIST_SECTIONS = ("funnel", "attendance", "satisfaction", "cohorts")


def section_csv(
    section: str,
    *,
    period: Period,
    window_days: int,
    organization: Organization | None = None,
    specialist: SpecialistProfile | None = None,
    program: Program | None = None,
) -> list[str]:
    """CSV lines of `section` for the organization (narrowed to a program or
    specialist), or, without an organization, for the specialist alone.
    Counts under 11 are written "<11"; formulas are defused."""
    return list(
        _section_csv(
            section,
            period=period,
            window_days=window_days,
            organization=organization,
            specialist=specialist,
            program=program,
        )
    )


def _section_csv(section, *, period, window_days, organization, specialist, program) -> Iterator[str]:
    own = organization is None
    organization = organization or specialist.organization
    dates = {"organization": organization, "start_on": period.start_on, "end_on": period.end_on}
    scope = {"specialist": specialist} if own else {"specialist": specialist, "program": program}
    if section == "funnel":
        if own:
            funnel = specialist_funnel(
                specialist=specialist, start_on=period.start_on, end_on=period.end_on, window_days=window_days
            )
        else:
            funnel = journey_funnel(window_days=window_days, **dates, **scope)
        return rows.csv_lines(rows.FUNNEL_HEADER, rows.funnel_rows(funnel))
    if section == "attendance":
        return rows.csv_lines(rows.ATTENDANCE_HEADER, rows.attendance_rows(attendance_summary(**dates, **scope)))
    if section == "first-session":
        return rows.csv_lines(
            rows.TIME_TO_FIRST_HEADER, rows.time_to_first_rows(time_to_first_session(**dates, **scope))
        )
    if section == "satisfaction":
        if own:
            months, _total = satisfaction_by_month(period=period, specialist=specialist)
        else:
            months, _total = satisfaction_by_month(period=period, organization=organization, **scope)
        return rows.csv_lines(rows.SATISFACTION_HEADER, rows.satisfaction_rows(months))
    if section == "cohorts":
        table = retention_cohorts(**dates, **scope)
        return rows.csv_lines(rows.cohort_header(RETENTION_MONTHS), rows.cohort_rows(table))
    if section == "revenue":
        revenue = revenue_by_month(organization=organization, period=period, **scope)
        return rows.csv_lines(rows.REVENUE_HEADER, rows.revenue_rows(revenue))
    raise ValueError(section)
