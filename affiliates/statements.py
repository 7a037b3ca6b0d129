"""A monthly commission statement as its page, PDF and CSV show it.

Per link: how many paid sessions earned a commission (a `Cell`: under 11
shows "<11") and, only when no link's count is hidden, the amounts earned
and reversed. Under a flat rule an amount divided by the rate is a count,
so per-link amounts would give a hidden count away; the statement's own
totals are always shown, since they are what the affiliate is paid. No
line names a patient, a payment or a date of one.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.template.loader import render_to_string

from core.cells import Cell, total
from core.money import Money
from core.spreadsheets import csv_lines

from .models import Commission, CommissionStatement, ReferralLink

PDF_TEMPLATE = "affiliates/statement_pdf.html"


class PdfError(RuntimeError):
    """xhtml2pdf could not render the statement."""


@dataclass(frozen=True)
class StatementLine:
    link: ReferralLink
    currency: str
    sessions: Cell
    earned: Money | None  # None: withheld
    reversed: Money | None

    @property
    def net(self) -> Money | None:
        return None if self.earned is None or self.reversed is None else self.earned + self.reversed

    @property
    def taken_back(self) -> Money | None:
        """The reversals as the positive amount taken off."""
        return None if self.reversed is None else -self.reversed


@dataclass(frozen=True)
class StatementTotal:
    currency: str
    sessions: Cell
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
class StatementSummary:
    statement: CommissionStatement
    lines: list[StatementLine]
    totals: list[StatementTotal]  # one per currency
    amounts_by_link: bool  # False: per-link amounts withheld


def statement_summary(statement: CommissionStatement) -> StatementSummary:
    """The statement's lines per link and currency, and its totals. Two queries."""
    rows = (
        Commission.objects.filter(statement=statement)
        .values("referral__link_id", "currency")
        .annotate(
            sessions=Count("pk", filter=Q(reverses__isnull=True)),
            earned=Sum("amount_minor", filter=Q(reverses__isnull=True)),
            reversed=Sum("amount_minor", filter=Q(reverses__isnull=False)),
        )
        .order_by()
    )
    rows = list(rows)
    links = ReferralLink.objects.in_bulk({row["referral__link_id"] for row in rows})
    # One line says no more than the totals; several only when none is hidden.
    by_link = len(rows) == 1 or all(not Cell(row["sessions"]).is_suppressed for row in rows)
    lines, totals = [], defaultdict(lambda: {"earned": 0, "reversed": 0})
    for row in sorted(rows, key=lambda r: (links[r["referral__link_id"]].code, r["currency"])):
        earned, reversed_ = int(row["earned"] or 0), int(row["reversed"] or 0)
        lines.append(
            StatementLine(
                link=links[row["referral__link_id"]],
                currency=row["currency"],
                sessions=Cell(row["sessions"]),
                earned=Money(earned, row["currency"]) if by_link else None,
                reversed=Money(reversed_, row["currency"]) if by_link else None,
            )
        )
        sums = totals[row["currency"]]
        sums["earned"] += earned
        sums["reversed"] += reversed_
    return StatementSummary(
        statement=statement,
        lines=lines,
        totals=[
            StatementTotal(
                currency=currency,
                sessions=total(line.sessions for line in lines if line.currency == currency),
                earned=Money(t["earned"], currency),
                reversed=Money(t["reversed"], currency),
            )
            for currency, t in sorted(totals.items())
        ],
        amounts_by_link=by_link,
    )


@dataclass(frozen=True)
class StatementRow:
    """A statement in a list: its net total per currency."""

    statement: CommissionStatement
    nets: list[Money]


def statement_rows(statements) -> list[StatementRow]:
    """Each statement with its nets. One query for the statements, one for
    every total."""
    statements = list(statements)
    sums = (
        Commission.objects.filter(statement__in=statements)
        .values("statement_id", "currency")
        .annotate(net=Sum("amount_minor"))
        .order_by("currency")
    )
    nets = defaultdict(list)
    for row in sums:
        nets[row["statement_id"]].append(Money(int(row["net"]), row["currency"]))
    return [StatementRow(statement=statement, nets=nets[statement.pk]) for statement in statements]


STATEMENT_HEADER = ["month", "link", "label", "currency", "paid_sessions", "earned", "reversed", "net", "status"]


def statement_csv(summary: StatementSummary) -> Iterator[str]:
    """The statement as CSV: a line per link, then the totals. Reversed
    amounts are written as positive sums taken off."""
    statement = summary.statement
    month, status = statement.month.strftime("%Y-%m"), statement.status

    def amount(money: Money | None) -> str:
        return "" if money is None else str(abs(money.decimal))

    rows = [
        [
            month,
            line.link.code,
            line.link.label,
            line.currency,
            line.sessions.shown,
            amount(line.earned),
            amount(line.reversed),
            "" if line.net is None else str(line.net.decimal),
            status,
        ]
        for line in summary.lines
    ]
    rows += [
        [
            month,
            "total",
            "",
            t.currency,
            t.sessions.shown,
            amount(t.earned),
            amount(t.reversed),
            str(t.net.decimal),
            status,
        ]
        for t in summary.totals
    ]
    return csv_lines(STATEMENT_HEADER, rows)


def statement_filename(statement: CommissionStatement, extension: str) -> str:
    """Plain ASCII: the month and the affiliate's id, nothing personal."""
    return re.sub(r"[^A-Za-z0-9.-]", "", f"statement-{statement.month:%Y-%m}-{statement.public_id}.{extension}")


def _no_resources(uri, rel):
    return ""


def statement_pdf(summary: StatementSummary) -> bytes:
    """The statement as a PDF document; nothing outside it is fetched."""
    from xhtml2pdf import pisa

    html = render_to_string(PDF_TEMPLATE, {"summary": summary, "statement": summary.statement})
    out = io.BytesIO()
    status = pisa.CreatePDF(html, dest=out, encoding="utf-8", link_callback=_no_resources)
    if status.err:
        raise PdfError("the statement could not be rendered")
    return out.getvalue()
