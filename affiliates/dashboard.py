"""An affiliate's figures: aggregates only, never who.

Per link and per calendar month (the last 12, this one included, from the
month of the affiliate's first link on; months in UTC, so no one can shift
the boundaries by changing their own time zone), four counts: clicks on
the link, sign-ups through it, and of those sign-ups the people who booked
a first session with the organization (confirmed at least once) and who
paid for one (a settled card payment). Sign-ups, bookings and payments are
counted in the row of the month of the sign-up, so each row is a small
funnel. There is no free date range: the months are the only cut, so
narrowing the dates cannot isolate anyone.

Every count under 11 shows as "<11" (`core.cells`), rates built on one are
withheld, and totals across months or links are shown only when they do
not let a hidden count be worked out (`core.cells.margins`). The months
before a link was made show a dash: nothing could be counted there.
Commissions are the monthly statements' totals, by currency.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from booking.models import AppointmentEvent
from booking.states import AppointmentStatus
from core.cells import ABSENT, Cell, margins, rate, rate_shown
from core.money import Money
from core.spreadsheets import csv_lines
from payments.models import Payment

from .commissions import month_after, month_start
from .models import Affiliate, Commission, CommissionStatement, Referral, ReferralClickDay, ReferralLink
from .selectors import affiliate_list_for_user

MONTHS = 12
STEPS = ("clicks", "signups", "first_bookings", "first_paid")


@dataclass(frozen=True)
class Row:
    """One link's (or all links') four counts for one month or a total."""

    clicks: Cell
    signups: Cell
    first_bookings: Cell
    first_paid: Cell

    # Conversion rates as shown: "<11" when either side is suppressed.
    @property
    def signup_rate(self) -> str:
        return _rate(self.signups, self.clicks)

    @property
    def booking_rate(self) -> str:
        return _rate(self.first_bookings, self.signups)

    @property
    def paid_rate(self) -> str:
        return _rate(self.first_paid, self.signups)


def _rate(numerator: Cell, denominator: Cell) -> str:
    if numerator.absent or denominator.absent:
        return ABSENT
    return rate_shown(rate(numerator, denominator))


@dataclass(frozen=True)
class LinkFigures:
    link: ReferralLink
    dates: list[date]  # the months, newest first
    months: list[Row]  # aligned with `dates`
    total: Row

    @property
    def month_rows(self) -> list[tuple[date, Row]]:
        return list(zip(self.dates, self.months, strict=True))


@dataclass(frozen=True)
class CommissionMonth:
    month: date
    status: str
    status_label: str
    statement_public_id: object
    currency: str
    earned: Money
    reversed: Money

    @property
    def net(self) -> Money:
        return self.earned + self.reversed

    @property
    def taken_back(self) -> Money:
        """The reversals as the positive amount taken off."""
        return -self.reversed


@dataclass(frozen=True)
class AffiliateFigures:
    affiliate: Affiliate
    months: list[date]  # newest first
    links: list[LinkFigures]
    by_month: list[Row]  # every link together, aligned with `months`
    total: Row
    commissions: list[CommissionMonth]

    @property
    def month_rows(self) -> list[tuple[date, Row]]:
        return list(zip(self.months, self.by_month, strict=True))


def _month_before(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def last_months(today: date | None = None) -> list[date]:
    """The first days of the last `MONTHS` calendar months, newest first."""
    months = [month_start(timezone.now()) if today is None else today.replace(day=1)]
    while len(months) < MONTHS:
        months.append(_month_before(months[-1]))
    return months


def _counts(affiliate: Affiliate, first: date, end: date) -> dict[tuple[int, date], dict[str, int]]:
    """(link id, month) → count per step. Two grouped queries."""
    counts: dict[tuple[int, date], dict[str, int]] = defaultdict(lambda: dict.fromkeys(STEPS, 0))
    clicks = (
        ReferralClickDay.objects.filter(link__affiliate=affiliate, day__gte=first, day__lt=end)
        .values("link_id", month=TruncMonth("day"))
        .annotate(n=Sum("clicks"))
        .order_by()
    )
    for row in clicks:
        counts[(row["link_id"], _as_date(row["month"]))]["clicks"] = row["n"]
    booked = AppointmentEvent.objects.filter(
        appointment__patient_id=OuterRef("patient_id"),
        appointment__specialist__organization_id=OuterRef("organization_id"),
        to_status=AppointmentStatus.CONFIRMED,
    )
    paid = Payment.objects.filter(
        patient_id=OuterRef("patient_id"),
        organization_id=OuterRef("organization_id"),
        kind=Payment.Kind.CHARGE,
        status=Payment.Status.SUCCEEDED,
    )
    start = datetime(first.year, first.month, 1, tzinfo=UTC)
    stop = datetime(end.year, end.month, 1, tzinfo=UTC)
    referrals = (
        Referral.objects.filter(affiliate=affiliate, registered_at__gte=start, registered_at__lt=stop)
        .annotate(has_booked=Exists(booked), has_paid=Exists(paid))
        .values("link_id", month=TruncMonth("registered_at", tzinfo=UTC))
        .annotate(
            signups=Count("pk"),
            first_bookings=Count("pk", filter=Q(has_booked=True)),
            first_paid=Count("pk", filter=Q(has_paid=True)),
        )
        .order_by()
    )
    for row in referrals:
        cell = counts[(row["link_id"], _as_date(row["month"]))]
        cell.update(signups=row["signups"], first_bookings=row["first_bookings"], first_paid=row["first_paid"])
    return counts


def _as_date(value) -> date:
    return value.astimezone(UTC).date() if hasattr(value, "hour") else value


def _commissions(affiliate: Affiliate, first: date) -> list[CommissionMonth]:
    """The statements of the months shown, their totals by currency. One query."""
    rows = (
        Commission.objects.filter(statement__affiliate=affiliate, statement__month__gte=first)
        .values("statement__month", "statement__status", "statement__public_id", "currency")
        .annotate(
            earned=Sum("amount_minor", filter=Q(reverses__isnull=True)),
            reversed=Sum("amount_minor", filter=Q(reverses__isnull=False)),
        )
        .order_by("-statement__month", "currency")
    )
    labels = dict(CommissionStatement.Status.choices)
    return [
        CommissionMonth(
            month=row["statement__month"],
            status=row["statement__status"],
            status_label=str(labels[row["statement__status"]]),
            statement_public_id=row["statement__public_id"],
            currency=row["currency"],
            earned=Money(int(row["earned"] or 0), row["currency"]),
            reversed=Money(int(row["reversed"] or 0), row["currency"]),
        )
        for row in rows
    ]


def figures_for_affiliate(*, affiliate: Affiliate, today: date | None = None) -> AffiliateFigures:
    """Everything an affiliate's section shows, suppressed and totalled.

    Four queries whatever the number of links and months: the links, the
    clicks, the referrals with their steps, the statements.
    """
    links = list(affiliate.links.order_by("-created_at", "pk"))
    # From the month of the first link on: before it there is nothing to show.
    first_link = min((month_start(link.created_at) for link in links), default=None)
    months = [month for month in last_months(today) if first_link is None or month >= first_link]
    counts = _counts(affiliate, months[-1], month_after(months[0]))
    # One grid per step: a row per link, a column per month. The months
    # before a link was made are known to count nothing: absent, not hidden.
    grids = {
        step: [
            [
                Cell(counts[(link.pk, month)][step]) if month >= month_start(link.created_at) else Cell(0, absent=True)
                for month in months
            ]
            for link in links
        ]
        for step in STEPS
    }
    totals = {step: margins(grid) for step, grid in grids.items()}
    link_figures = [
        LinkFigures(
            link=link,
            dates=months,
            months=[Row(*(grids[step][i][j] for step in STEPS)) for j in range(len(months))],
            total=Row(*(totals[step].rows[i] for step in STEPS)),
        )
        for i, link in enumerate(links)
    ]
    if links:
        by_month = [Row(*(totals[step].columns[j] for step in STEPS)) for j in range(len(months))]
        grand = Row(*(totals[step].grand for step in STEPS))
    else:
        by_month = [Row(*(Cell(0) for _ in STEPS)) for _ in months]
        grand = Row(*(Cell(0) for _ in STEPS))
    return AffiliateFigures(
        affiliate=affiliate,
        months=months,
        links=link_figures,
        by_month=by_month,
        total=grand,
        commissions=_commissions(affiliate, months[-1]),
    )


def figures_for_user(*, user, today: date | None = None) -> list[AffiliateFigures]:
    """One section per Affiliate row of `user` (one per organization)."""
    return [figures_for_affiliate(affiliate=affiliate, today=today) for affiliate in affiliate_list_for_user(user=user)]


FIGURES_HEADER = [
    "organization",
    "affiliate",
    "link",
    "month",
    "clicks",
    "signups",
    "first_bookings",
    "first_paid_sessions",
    "signup_rate",
    "booking_rate",
    "paid_rate",
]


def _csv_row(figures: AffiliateFigures, link: str, month: str, row: Row) -> list[str]:
    return [
        figures.affiliate.organization.name,
        figures.affiliate.name,
        link,
        month,
        row.clicks.shown,
        row.signups.shown,
        row.first_bookings.shown,
        row.first_paid.shown,
        row.signup_rate,
        row.booking_rate,
        row.paid_rate,
    ]


def figures_csv(sections: list[AffiliateFigures]) -> Iterator[str]:
    """The same cells as the page, suppression and totals included: a line
    per link and month, each link's total ("total"), then every link
    together ("all") per month and in total. Formulas guarded."""
    rows = []
    for figures in sections:
        for item in figures.links:
            for month, row in zip(figures.months, item.months, strict=True):
                rows.append(_csv_row(figures, item.link.code, month.strftime("%Y-%m"), row))
            rows.append(_csv_row(figures, item.link.code, "total", item.total))
        for month, row in zip(figures.months, figures.by_month, strict=True):
            rows.append(_csv_row(figures, "all", month.strftime("%Y-%m"), row))
        rows.append(_csv_row(figures, "all", "total", figures.total))
    return csv_lines(FIGURES_HEADER, rows)
