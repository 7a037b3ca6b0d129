"""The money figures of the revenue and financials pages, and their CSV rows."""

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import spreadsheets
from payments import reports
from payments.forms_staff import ReportRangeForm
from payments.models import BillingModel, Payment, Refund
from payments.reports import DateRange
from tests.organizations.factories import ProgramFactory
from tests.specialists.factories import OfferingFactory

from .factories import RefundFactory, payment_of

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


def days_ago(days: int) -> datetime:
    return timezone.now() - timedelta(days=days)


def last_90_days() -> DateRange:
    return DateRange.default(timezone.now().astimezone(BERLIN).date())


@pytest.fixture
def ledger(org, specialist, offering):
    """Several payments of `specialist`'s sessions over the last 90 days and
    around them, in two currencies, with refunds and a covered session."""
    program = ProgramFactory(organization=org, name="Employee Wellbeing")
    dollars = OfferingFactory(specialist=specialist, name="Session in dollars", price_minor=5000, currency="USD")
    marketplace = {"billing_model": BillingModel.MARKETPLACE, "application_fee_minor": 1000}
    fresh = payment_of(offering, paid_at=days_ago(3), **marketplace)
    refunded = payment_of(offering, paid_at=days_ago(10), refunded_minor=4500, **marketplace)
    RefundFactory(payment=refunded, amount_minor=4500, succeeded_at=days_ago(2))
    # A refund still on its way is no money moved yet.
    RefundFactory(payment=fresh, amount_minor=1000, status=Refund.Status.PENDING, succeeded_at=None)
    covered = payment_of(offering, kind=Payment.Kind.COVERAGE, program=program, paid_at=days_ago(5), intent_id=None)
    usd = payment_of(dollars, paid_at=days_ago(4))
    due = payment_of(offering, status=Payment.Status.DUE)
    old = payment_of(offering, paid_at=days_ago(200), refunded_minor=9000)
    RefundFactory(payment=old, amount_minor=9000, succeeded_at=days_ago(150))
    someone_elses = payment_of(OfferingFactory(price_minor=7000), paid_at=days_ago(1))
    return {
        "program": program,
        "fresh": fresh,
        "refunded": refunded,
        "covered": covered,
        "usd": usd,
        "due": due,
        "old": old,
        "someone_elses": someone_elses,
    }


class TestRevenue:
    def test_totals_per_currency_never_mixed(self, specialist, ledger):
        revenue = reports.revenue_for_specialist(user=specialist.user, date_range=last_90_days(), zone=BERLIN)
        eur, usd = revenue.totals
        assert (eur.currency, eur.gross, eur.payments, eur.refunds) == ("EUR", 18000, 2, 4500)
        # The fee of both marketplace payments, less half of one given back with its half refund.
        assert eur.fees == 2000 - 500
        assert eur.net == 18000 - 4500 - 1500
        assert (eur.covered, eur.sessions_covered) == (9000, 1)
        assert (usd.currency, usd.gross, usd.refunds, usd.fees, usd.net) == ("USD", 5000, 0, 0, 5000)

    def test_due_is_what_patients_still_have_to_pay(self, specialist, ledger):
        revenue = reports.revenue_for_specialist(user=specialist.user, date_range=last_90_days(), zone=BERLIN)
        assert [(d.currency, d.amount, d.count) for d in revenue.due] == [("EUR", 9000, 1)]

    def test_weeks_and_months_add_up_to_the_totals_newest_first(self, specialist, ledger):
        revenue = reports.revenue_for_specialist(user=specialist.user, date_range=last_90_days(), zone=BERLIN)
        for rows in (revenue.weeks, revenue.months):
            assert [row.start_on for row in rows] == sorted((row.start_on for row in rows), reverse=True)
            for total in revenue.totals:
                same = [row.figures for row in rows if row.figures.currency == total.currency]
                assert sum(f.gross for f in same) == total.gross
                assert sum(f.refunds for f in same) == total.refunds
                assert sum(f.fees for f in same) == total.fees
                assert sum(f.covered for f in same) == total.covered
        assert all(
            row.start_on.isoweekday() == 1 and row.end_on == row.start_on + timedelta(days=6) for row in revenue.weeks
        )
        assert all(row.start_on.day == 1 and (row.end_on + timedelta(days=1)).day == 1 for row in revenue.months)

    def test_a_payment_counts_in_the_week_of_the_viewers_zone(self, specialist, offering):
        # 23:30 UTC on a Sunday is already Monday in Berlin: the next week there.
        today = timezone.now().date()
        sunday = today - timedelta(days=today.isoweekday() % 7 + 7)
        paid_at = datetime(sunday.year, sunday.month, sunday.day, 23, 30, tzinfo=ZoneInfo("UTC"))
        payment_of(offering, paid_at=paid_at)
        date_range = DateRange(sunday - timedelta(days=7), today)
        in_berlin = reports.revenue_for_specialist(user=specialist.user, date_range=date_range, zone=BERLIN)
        in_utc = reports.revenue_for_specialist(user=specialist.user, date_range=date_range, zone=ZoneInfo("UTC"))
        assert [row.start_on for row in in_berlin.weeks] == [sunday + timedelta(days=1)]
        assert [row.start_on for row in in_utc.weeks] == [sunday - timedelta(days=6)]

    def test_the_date_range_bounds_what_counts(self, specialist, ledger):
        today = timezone.localdate()
        long_ago = DateRange(today - timedelta(days=365), today - timedelta(days=100))
        revenue = reports.revenue_for_specialist(user=specialist.user, date_range=long_ago, zone=BERLIN)
        (eur,) = revenue.totals
        assert (eur.gross, eur.refunds, eur.net) == (9000, 9000, 0)

    def test_the_payments_list_is_newest_first_and_only_the_specialists(self, specialist, ledger):
        page = reports.payment_page_for_specialist(
            user=specialist.user, date_range=last_90_days(), zone=BERLIN, page_number=1
        )
        listed = list(page.object_list)
        assert ledger["someone_elses"] not in listed and ledger["old"] not in listed
        assert listed[0] == ledger["due"]  # asked for just now, unpaid
        assert listed[1:] == [ledger["fresh"], ledger["usd"], ledger["covered"], ledger["refunded"]]

    def test_a_page_holds_fifty(self, specialist, offering):
        for _n in range(reports.PAGE_SIZE + 1):
            payment_of(offering, paid_at=days_ago(1))
        page = reports.payment_page_for_specialist(
            user=specialist.user, date_range=last_90_days(), zone=BERLIN, page_number="2"
        )
        assert page.number == 2 and len(page.object_list) == 1


class TestFinancials:
    def test_gross_fees_refunds_net_and_coverage(self, org, specialist, ledger):
        financials = reports.financials_for_organization(organization=org, date_range=last_90_days(), zone=BERLIN)
        eur, usd = financials.totals
        assert (eur.gross, eur.refunds, eur.collected, eur.fees, eur.covered) == (18000, 4500, 13500, 1500, 9000)
        assert (usd.gross, usd.collected) == (5000, 5000)
        assert [(row.name, row.figures.currency, row.figures.gross) for row in financials.specialists] == [
            ("Lena Berg", "EUR", 18000),
            ("Lena Berg", "USD", 5000),
        ]
        (program,) = financials.programs
        assert (program.name, program.sessions, program.patients, program.amount, program.currency) == (
            "Employee Wellbeing",
            1,
            1,
            9000,
            "EUR",
        )

    def test_another_organizations_payments_are_not_counted(self, other_org, ledger):
        financials = reports.financials_for_organization(organization=other_org, date_range=last_90_days(), zone=BERLIN)
        assert financials.totals == [] and financials.specialists == [] and financials.programs == []

    def test_a_refund_of_an_earlier_payment_counts_for_its_specialist(self, org, specialist, offering):
        earlier = payment_of(offering, paid_at=days_ago(120), refunded_minor=2000)
        RefundFactory(payment=earlier, amount_minor=2000, succeeded_at=days_ago(1))
        financials = reports.financials_for_organization(organization=org, date_range=last_90_days(), zone=BERLIN)
        (row,) = financials.specialists
        assert (row.name, row.figures.gross, row.figures.refunds, row.figures.collected) == (
            "Lena Berg",
            0,
            2000,
            -2000,
        )

    def test_voided_coverage_is_not_owed(self, org, offering):
        program = ProgramFactory(organization=org)
        payment_of(offering, kind=Payment.Kind.COVERAGE, program=program, status=Payment.Status.VOID, intent_id=None)
        financials = reports.financials_for_organization(organization=org, date_range=last_90_days(), zone=BERLIN)
        assert financials.programs == []


class TestConstantQueries:
    @staticmethod
    def count(run) -> int:
        with CaptureQueriesContext(connection) as queries:
            run()
        return len(queries)

    def figures(self, org, specialist):
        def run():
            date_range = last_90_days()
            reports.revenue_for_specialist(user=specialist.user, date_range=date_range, zone=BERLIN)
            page = reports.payment_page_for_specialist(
                user=specialist.user, date_range=date_range, zone=BERLIN, page_number=1
            )
            for payment in page.object_list:
                # What the page shows of each row comes with it.
                assert payment.patient.display_name and payment.appointment.offering.name
                assert payment.program is None or payment.program.name
            reports.financials_for_organization(organization=org, date_range=date_range, zone=BERLIN)

        return self.count(run)

    def test_five_or_fifty_payments_cost_the_same_queries(self, org, specialist, offering):
        program = ProgramFactory(organization=org)

        def add(n):
            for i in range(n):
                payment = payment_of(offering, paid_at=days_ago(i % 80), refunded_minor=1000)
                RefundFactory(payment=payment, succeeded_at=days_ago(i % 70))
                payment_of(offering, kind=Payment.Kind.COVERAGE, program=program, paid_at=days_ago(i), intent_id=None)

        add(5)
        few = self.figures(org, specialist)
        add(45)
        assert self.figures(org, specialist) == few
        assert few <= 12

    def test_csv_rows_cost_the_same_queries(self, org, specialist, offering):
        def rows():
            list(reports.specialist_csv_rows(user=specialist.user, date_range=last_90_days(), zone=BERLIN))
            list(reports.organization_csv_rows(organization=org, date_range=last_90_days(), zone=BERLIN))

        for _n in range(5):
            RefundFactory(payment=payment_of(offering, paid_at=days_ago(2), refunded_minor=1000))
        few = self.count(rows)
        for _n in range(45):
            RefundFactory(payment=payment_of(offering, paid_at=days_ago(2), refunded_minor=1000))
        assert self.count(rows) == few


def read_csv(lines) -> list[list[str]]:
    return list(csv.reader(io.StringIO("".join(lines))))


class TestCsv:
    def test_specialist_rows_hold_payments_and_refunds_oldest_first(self, specialist, ledger):
        rows = list(reports.specialist_csv_rows(user=specialist.user, date_range=last_90_days(), zone=BERLIN))
        kinds = [(row[1], row[2], row[8]) for row in rows]
        assert kinds == [
            ("charge", "succeeded", "90.00"),  # ten days ago
            ("coverage", "succeeded", "90.00"),
            ("charge", "succeeded", "50.00"),
            ("charge", "succeeded", "90.00"),  # three days ago
            ("refund", "succeeded", "45.00"),  # two days ago
            ("refund", "pending", "10.00"),  # asked for just now
            ("charge", "due", "90.00"),  # asked for after it
        ]
        refund = rows[4]
        assert refund[-1] == "Session cut short" and refund[3] == ledger["refunded"].patient.display_name
        assert rows[0][0].endswith(("+01:00", "+02:00"))  # in the viewer's zone

    def test_organization_rows_are_one_per_payment_without_patients(self, org, ledger):
        lines = spreadsheets.csv_lines(
            reports.ORGANIZATION_CSV_HEADER,
            reports.organization_csv_rows(organization=org, date_range=last_90_days(), zone=BERLIN),
        )
        header, *rows = read_csv(lines)
        assert header == reports.ORGANIZATION_CSV_HEADER
        assert len(rows) == 5
        rows = [dict(zip(header, row, strict=True)) for row in rows]
        (refunded,) = [row for row in rows if row["refunded"] == "45.00"]
        assert (refunded["amount"], refunded["organization_fee"], refunded["billing_model"]) == (
            "90.00",
            "10.00",
            "marketplace",
        )
        (covered,) = [row for row in rows if row["type"] == "coverage"]
        assert (covered["covered"], covered["program"]) == ("90.00", "Employee Wellbeing")
        (due,) = [row for row in rows if row["status"] == "due"]
        assert (due["amount"], due["covered"]) == ("90.00", "0.00")
        text = "".join(",".join(row.values()) for row in rows)
        for payment in ledger.values():
            if isinstance(payment, Payment):
                assert payment.patient.display_name not in text

    @pytest.mark.parametrize("value", ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx"])
    def test_formulas_are_quoted(self, value):
        assert spreadsheets.safe_cell(value) == "'" + value

    def test_plain_cells_stay_as_they_are(self):
        assert [spreadsheets.safe_cell(v) for v in ("Lena", "90.00", None, 3, "a=b")] == [
            "Lena",
            "90.00",
            "",
            "3",
            "a=b",
        ]

    def test_a_patients_name_cannot_smuggle_a_formula(self, specialist, offering):
        payment = payment_of(offering, paid_at=days_ago(1))
        payment.patient.full_name = '=HYPERLINK("http://evil.example","x")'
        payment.patient.preferred_name = ""
        payment.patient.save()
        lines = spreadsheets.csv_lines(
            reports.SPECIALIST_CSV_HEADER,
            reports.specialist_csv_rows(user=specialist.user, date_range=last_90_days(), zone=BERLIN),
        )
        _header, row = read_csv(lines)
        assert row[3] == '\'=HYPERLINK("http://evil.example","x")'


class TestDateRangeForm:
    def test_missing_dates_mean_the_last_90_days(self):
        form = ReportRangeForm({})
        assert form.is_valid()
        today = timezone.localdate()
        assert form.date_range == DateRange(today - timedelta(days=89), today)
        assert form.date_range.days == 90

    def test_only_a_start_runs_to_today(self):
        start = timezone.localdate() - timedelta(days=10)
        form = ReportRangeForm({"from": start.isoformat()})
        assert form.is_valid() and form.date_range == DateRange(start, timezone.localdate())

    @pytest.mark.parametrize(
        ("query", "message"),
        [
            ({"from": "+1", "to": "-1"}, "The start date is after the end date."),
            ({"from": "-1500", "to": "+0"}, "Please pick at most three years at a time."),
            ({"from": "-4000", "to": "+0"}, "Please pick a date within 5 years of today."),
            ({"from": "+0", "to": "+4000"}, "Please pick a date within 5 years of today."),
            ({"from": "yesterday"}, "Enter a valid date."),
            ({"to": "2024-02-30"}, "Enter a valid date."),
            ({"from": "99999-01-01"}, "Enter a valid date."),
        ],
    )
    def test_reversed_or_absurd_ranges_are_refused(self, query, message):
        today = timezone.localdate()
        data = {
            key: (today + timedelta(days=int(value))).isoformat() if value[:1] in "+-" else value
            for key, value in query.items()
        }
        form = ReportRangeForm(data)
        assert not form.is_valid()
        assert message in form.error_text()
