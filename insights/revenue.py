"""What patients paid the organization, month by month.

Card payments that succeeded, by the month they were paid in (the viewer's
zone), in each currency; refunds are taken off the payment they return
(`refunded_minor`), so a month's net is what its payments kept. A month's
amounts are withheld while fewer than 11 patients paid in it: with a
handful of payers, an amount says what one person paid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth

from core.cells import Cell
from organizations.models import Organization, Program
from payments.models import BillingSettings, Payment
from specialists.models import SpecialistProfile

from .periods import Period
from .scope import check_scope, local_day


@dataclass(frozen=True)
class RevenueMonth:
    month: date
    currency: str
    patients: Cell
    payments: int
    gross_minor: int | None  # None: withheld
    refunded_minor: int | None

    @property
    def net_minor(self) -> int | None:
        if self.gross_minor is None or self.refunded_minor is None:
            return None
        return self.gross_minor - self.refunded_minor


@dataclass(frozen=True)
class Revenue:
    # Whether the organization takes payments online (the section is shown).
    takes_payments: bool
    months: list[RevenueMonth]


def revenue_by_month(
    *,
    organization: Organization,
    period: Period,
    specialist: SpecialistProfile | None = None,
    program: Program | None = None,
) -> Revenue:
    """The organization's card payments over `period`, per month and
    currency, months without payments left out. Two queries: the billing
    setting and one grouped query over the payments."""
    check_scope(organization, specialist, program)
    takes_payments = BillingSettings.objects.filter(organization=organization, enabled=True).exists()
    start, end = period.bounds()
    payments = Payment.objects.filter(
        organization=organization,
        kind=Payment.Kind.CHARGE,
        status=Payment.Status.SUCCEEDED,
        paid_at__gte=start,
        paid_at__lt=end,
    )
    if specialist is not None:
        payments = payments.filter(specialist=specialist)
    if program is not None:
        payments = payments.filter(patient__program_enrolments__program=program)
    rows = (
        payments.values("currency", month=TruncMonth("paid_at"))
        .annotate(
            patients=Count("patient", distinct=True),
            payments=Count("pk"),
            gross=Sum("amount_minor"),
            refunded=Sum("refunded_minor"),
        )
        .order_by()
    )
    months = []
    for row in rows:
        patients = Cell(row["patients"])
        shown = not patients.is_suppressed
        months.append(
            RevenueMonth(
                month=local_day(row["month"]).replace(day=1),
                currency=row["currency"],
                patients=patients,
                payments=row["payments"],
                gross_minor=row["gross"] if shown else None,
                refunded_minor=row["refunded"] if shown else None,
            )
        )
    months.sort(key=lambda m: (m.month, m.currency))
    return Revenue(takes_payments=takes_payments or bool(months), months=months)
