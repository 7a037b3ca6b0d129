"""Money figures for a specialist's revenue page and an organization's
financials, and the same rows as CSV files.

Every figure is an aggregate query grouped by currency: amounts in
different currencies are never added together. A card payment or a
covered session counts on the day it was paid, a refund on the day it was
sent, both in the viewer's zone. Pending refunds are not money moved yet,
so only the payments list shows them.

The organization's fee on a marketplace payment is given back with its
refunds in proportion (the provider is asked to refund the fee too), so
the fee figures are net of that share, rounded down per refund.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from django.core.paginator import Page, Paginator
from django.db.models import BigIntegerField, Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, NullIf, TruncMonth, TruncWeek
from django.shortcuts import get_object_or_404

from core.money import Money
from organizations.models import Organization

from .models import BillingModel, BillingSettings, Payment, ProgramBilling, Refund

DEFAULT_DAYS = 90
MAX_DAYS = 3 * 366
PAGE_SIZE = 50
CHUNK = 500

CHARGE = Q(kind=Payment.Kind.CHARGE)
COVERAGE = Q(kind=Payment.Kind.COVERAGE)
# Not settled yet: what patients still have to pay.
OPEN_STATUSES = (
    Payment.Status.DUE,
    Payment.Status.REQUIRES_ACTION,
    Payment.Status.PROCESSING,
    Payment.Status.FAILED,
)


# --- The dates a report covers ------------------------------------------------------


@dataclass(frozen=True)
class DateRange:
    """Whole days, both ends included, in the viewer's zone."""

    start_on: date
    end_on: date

    @classmethod
    def default(cls, today: date) -> DateRange:
        return cls(today - timedelta(days=DEFAULT_DAYS - 1), today)

    def bounds(self, zone: tzinfo) -> tuple[datetime, datetime]:
        """The first moment of the first day and the first moment after the last one."""
        start = datetime.combine(self.start_on, time.min, tzinfo=zone)
        end = datetime.combine(self.end_on + timedelta(days=1), time.min, tzinfo=zone)
        return start, end

    @property
    def days(self) -> int:
        return (self.end_on - self.start_on).days + 1


# --- Figures ---------------------------------------------------------------------------


@dataclass
class Figures:
    """Money of one currency, in minor units."""

    currency: str
    gross: int = 0  # card payments received
    payments: int = 0  # how many
    fees: int = 0  # the organization's fee, less what went back with refunds
    refunds: int = 0  # refunds sent
    covered: int = 0  # sessions programs pay for (what the organization owes)
    sessions_covered: int = 0

    @property
    def collected(self) -> int:
        """Card payments less refunds."""
        return self.gross - self.refunds

    @property
    def net(self) -> int:
        """What reaches the specialist's side of card payments: less refunds and the fee."""
        return self.gross - self.refunds - self.fees

    def add(self, other: Figures) -> None:
        for name in ("gross", "payments", "fees", "refunds", "covered", "sessions_covered"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(frozen=True)
class PeriodRow:
    """One week or month of one currency."""

    start_on: date
    end_on: date
    figures: Figures

    @property
    def week(self) -> int:
        return self.start_on.isocalendar().week


@dataclass(frozen=True)
class SpecialistRow:
    name: str
    figures: Figures


@dataclass(frozen=True)
class ProgramRow:
    name: str
    currency: str
    sessions: int
    patients: int
    amount: int


@dataclass(frozen=True)
class DueTotal:
    currency: str
    amount: int
    count: int


@dataclass
class Revenue:
    """A specialist's figures over a date range."""

    totals: list[Figures]
    due: list[DueTotal]
    weeks: list[PeriodRow]
    months: list[PeriodRow]

    @property
    def several_currencies(self) -> bool:
        return len(self.totals) > 1


@dataclass
class Financials:
    """An organization's figures over a date range."""

    totals: list[Figures]
    months: list[PeriodRow]
    specialists: list[SpecialistRow]
    programs: list[ProgramRow] = field(default_factory=list)

    @property
    def several_currencies(self) -> bool:
        return len(self.totals) > 1


def _settled(payments: QuerySet, start: datetime, end: datetime) -> QuerySet:
    return payments.filter(status=Payment.Status.SUCCEEDED, paid_at__gte=start, paid_at__lt=end)


def _sent(refunds: QuerySet, start: datetime, end: datetime) -> QuerySet:
    return refunds.filter(status=Refund.Status.SUCCEEDED, succeeded_at__gte=start, succeeded_at__lt=end)


# The fee given back with one refund: its share of the payment's fee.
_FEE_BACK = F("amount_minor") * F("payment__application_fee_minor") / NullIf(F("payment__amount_minor"), 0)


def _grouped(payments: QuerySet, refunds: QuerySet, payment_keys: dict, refund_keys: dict) -> dict[tuple, Figures]:
    """Figures per (key values…, currency): two aggregate queries."""
    rows: dict[tuple, Figures] = {}
    names = list(payment_keys)
    for row in (
        payments.values(currency_code=F("currency"), **payment_keys)
        .annotate(
            gross=Sum("amount_minor", filter=CHARGE),
            payments=Count("pk", filter=CHARGE),
            fees=Sum("application_fee_minor", filter=CHARGE),
            covered=Sum("amount_minor", filter=COVERAGE),
            sessions_covered=Count("pk", filter=COVERAGE),
        )
        .order_by()
    ):
        key = (*(row[name] for name in names), row["currency_code"])
        figures = rows.setdefault(key, Figures(row["currency_code"]))
        figures.gross += row["gross"] or 0
        figures.payments += row["payments"]
        figures.fees += row["fees"] or 0
        figures.covered += row["covered"] or 0
        figures.sessions_covered += row["sessions_covered"]
    for row in (
        refunds.values(currency_code=F("payment__currency"), **refund_keys)
        .annotate(refunded=Sum("amount_minor"), fees_back=Sum(_FEE_BACK, output_field=BigIntegerField()))
        .order_by()
    ):
        key = (*(row[name] for name in names), row["currency_code"])
        figures = rows.setdefault(key, Figures(row["currency_code"]))
        figures.refunds += row["refunded"] or 0
        figures.fees -= row["fees_back"] or 0
    return rows


def _periods(payments, refunds, *, trunc, zone: tzinfo, span) -> list[PeriodRow]:
    """Weekly or monthly rows, newest first, only where something happened."""
    grouped = _grouped(
        payments,
        refunds,
        {"period": trunc("paid_at", tzinfo=zone)},
        {"period": trunc("succeeded_at", tzinfo=zone)},
    )
    rows = []
    for (period, _currency), figures in grouped.items():
        start_on = period.astimezone(zone).date() if isinstance(period, datetime) else period
        rows.append(PeriodRow(start_on, span(start_on), figures))
    return sorted(rows, key=lambda row: (row.start_on, row.figures.currency), reverse=True)


def _week_end(start_on: date) -> date:
    return start_on + timedelta(days=6)


def _month_end(start_on: date) -> date:
    following = (start_on.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def _totals(rows: Iterable[PeriodRow]) -> list[Figures]:
    totals: dict[str, Figures] = {}
    for row in rows:
        totals.setdefault(row.figures.currency, Figures(row.figures.currency)).add(row.figures)
    return [totals[currency] for currency in sorted(totals)]


# --- A specialist's revenue --------------------------------------------------------------


def _specialist_payments(user) -> QuerySet:
    return Payment.objects.filter(specialist__user=user)


def revenue_for_specialist(*, user, date_range: DateRange, zone: tzinfo) -> Revenue:
    """`user`'s figures (as a specialist) over `date_range`: five queries
    whatever the number of payments."""
    start, end = date_range.bounds(zone)
    payments = _settled(_specialist_payments(user), start, end)
    refunds = _sent(Refund.objects.filter(payment__specialist__user=user), start, end)
    weeks = _periods(payments, refunds, trunc=TruncWeek, zone=zone, span=_week_end)
    months = _periods(payments, refunds, trunc=TruncMonth, zone=zone, span=_month_end)
    due = [
        DueTotal(row["currency"], row["amount"], row["count"])
        for row in _specialist_payments(user)
        .filter(CHARGE, status__in=OPEN_STATUSES)
        .values("currency")
        .annotate(amount=Sum("amount_minor"), count=Count("pk"))
        .order_by("currency")
    ]
    return Revenue(totals=_totals(months), due=due, weeks=weeks, months=months)


def _dated(payments: QuerySet, start: datetime, end: datetime) -> QuerySet:
    """Payments by the day they were paid, or asked for while unpaid."""
    return payments.annotate(on=Coalesce("paid_at", "created_at")).filter(on__gte=start, on__lt=end)


def payment_page_for_specialist(*, user, date_range: DateRange, zone: tzinfo, page_number) -> Page:
    """`user`'s payments over `date_range`, newest first, one page of them."""
    start, end = date_range.bounds(zone)
    payments = (
        _dated(_specialist_payments(user), start, end)
        .select_related("patient", "appointment__offering", "program")
        .order_by("-on", "-pk")
    )
    return Paginator(payments, PAGE_SIZE).get_page(page_number)


def payment_get_for_specialist(*, user, public_id) -> Payment:
    """One payment of a session with `user`; anyone else's is 404."""
    return get_object_or_404(
        Payment.objects.select_related("patient", "appointment__offering", "organization", "program"),
        public_id=public_id,
        specialist__user=user,
    )


def refund_left(payment: Payment) -> int:
    """What can still be refunded of `payment`, counting refunds on their way."""
    pending = payment.refunds.filter(status=Refund.Status.PENDING).aggregate(total=Sum("amount_minor"))["total"]
    return max(payment.refundable_minor - (pending or 0), 0)


def payout_account_needed(organization: Organization | None) -> bool:
    """Whether the organization's specialists take payments on accounts of
    their own: its billing model, or one of its programs', charges them."""
    if organization is None:
        return False
    connected = (BillingModel.SPECIALIST, BillingModel.MARKETPLACE)
    return (
        BillingSettings.objects.filter(organization=organization, model__in=connected).exists()
        or ProgramBilling.objects.filter(program__organization=organization, model__in=connected).exists()
    )


# --- An organization's financials -----------------------------------------------------------


def financials_for_organization(*, organization: Organization, date_range: DateRange, zone: tzinfo) -> Financials:
    """`organization`'s figures over `date_range`: per month, per specialist
    and the coverage each program owes. Five queries."""
    start, end = date_range.bounds(zone)
    payments = _settled(Payment.objects.filter(organization=organization), start, end)
    refunds = _sent(Refund.objects.filter(payment__organization=organization), start, end)
    months = _periods(payments, refunds, trunc=TruncMonth, zone=zone, span=_month_end)
    by_specialist = _grouped(
        payments,
        refunds,
        {"specialist_key": F("specialist_id"), "specialist_name": F("specialist__display_name")},
        {"specialist_key": F("payment__specialist_id"), "specialist_name": F("payment__specialist__display_name")},
    )
    specialists = sorted(
        (SpecialistRow(name, figures) for (_pk, name, _currency), figures in by_specialist.items()),
        key=lambda row: (row.name.casefold(), row.figures.currency),
    )
    programs = [
        ProgramRow(row["program__name"], row["currency"], row["sessions"], row["patients"], row["amount"])
        for row in payments.filter(COVERAGE)
        .values("program_id", "program__name", "currency")
        .annotate(sessions=Count("pk"), patients=Count("patient", distinct=True), amount=Sum("amount_minor"))
        .order_by("program__name", "currency")
    ]
    return Financials(totals=_totals(months), months=months, specialists=specialists, programs=programs)


# --- CSV files -----------------------------------------------------------------------------


def _amount(amount_minor: int, currency: str) -> str:
    return str(Money(int(amount_minor), currency).decimal)


def _when(moment: datetime | None, zone: tzinfo) -> str:
    return moment.astimezone(zone).isoformat(timespec="minutes") if moment else ""


SPECIALIST_CSV_HEADER = [
    "date",
    "type",
    "status",
    "patient",
    "service",
    "session_starts",
    "receipt",
    "currency",
    "amount",
    "organization_fee",
    "program",
    "reason",
]


def specialist_csv_rows(*, user, date_range: DateRange, zone: tzinfo) -> Iterator[list]:
    """One row per payment (paid, or asked for, in the range) and one per
    refund (sent, or asked for, in the range), oldest first: two queries."""
    start, end = date_range.bounds(zone)
    payments = (
        _dated(_specialist_payments(user), start, end)
        .select_related("patient", "appointment__offering", "program")
        .order_by("on", "pk")
    )
    refunds = (
        Refund.objects.filter(payment__specialist__user=user)
        .annotate(on=Coalesce("succeeded_at", "created_at"))
        .filter(on__gte=start, on__lt=end)
        .select_related("payment__patient", "payment__appointment__offering")
        .order_by("on", "pk")
    )

    def payment_row(payment: Payment) -> tuple[datetime, list]:
        appointment = payment.appointment
        return payment.on, [
            _when(payment.on, zone),
            payment.kind,
            payment.status,
            payment.patient.display_name,
            appointment.offering.name,
            _when(appointment.starts_at, zone),
            payment.receipt_number or "",
            payment.currency,
            _amount(payment.amount_minor, payment.currency),
            _amount(payment.application_fee_minor, payment.currency),
            payment.program.name if payment.program else "",
            "",
        ]

    def refund_row(refund: Refund) -> tuple[datetime, list]:
        payment = refund.payment
        return refund.on, [
            _when(refund.on, zone),
            "refund",
            refund.status,
            payment.patient.display_name,
            payment.appointment.offering.name,
            _when(payment.appointment.starts_at, zone),
            payment.receipt_number or "",
            payment.currency,
            _amount(refund.amount_minor, payment.currency),
            "",
            "",
            refund.reason,
        ]

    merged = heapq.merge(
        (payment_row(p) for p in payments.iterator(chunk_size=CHUNK)),
        (refund_row(r) for r in refunds.iterator(chunk_size=CHUNK)),
        key=lambda pair: pair[0],
    )
    return (row for _on, row in merged)


ORGANIZATION_CSV_HEADER = [
    "date",
    "receipt",
    "specialist",
    "service",
    "session_starts",
    "program",
    "type",
    "status",
    "billing_model",
    "currency",
    "amount",
    "organization_fee",
    "refunded",
    "covered",
]


def organization_csv_rows(*, organization: Organization, date_range: DateRange, zone: tzinfo) -> Iterator[list]:
    """One row per payment of `organization` paid (or asked for) in the
    range, oldest first: one query. Patients are not named: the finance
    view needs amounts, not who was in care."""
    start, end = date_range.bounds(zone)
    payments = (
        _dated(Payment.objects.filter(organization=organization), start, end)
        .select_related("specialist", "appointment__offering", "program")
        .order_by("on", "pk")
    )
    for payment in payments.iterator(chunk_size=CHUNK):
        covered = payment.kind == Payment.Kind.COVERAGE and payment.status == Payment.Status.SUCCEEDED
        yield [
            _when(payment.on, zone),
            payment.receipt_number or "",
            payment.specialist.display_name,
            payment.appointment.offering.name,
            _when(payment.appointment.starts_at, zone),
            payment.program.name if payment.program else "",
            payment.kind,
            payment.status,
            payment.billing_model,
            payment.currency,
            _amount(payment.amount_minor, payment.currency),
            _amount(payment.application_fee_minor, payment.currency),
            _amount(payment.refunded_minor, payment.currency),
            _amount(payment.amount_minor if covered else 0, payment.currency),
        ]
