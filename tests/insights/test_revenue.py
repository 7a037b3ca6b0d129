"""Revenue by month: card payments that succeeded, refunds taken off, and
months with fewer than 11 paying patients withheld."""

from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from insights.periods import period_clean
from insights.revenue import revenue_by_month
from insights.scope import add_months
from organizations.models import Membership
from payments.models import Payment
from tests.conftest import member
from tests.organizations.factories import ProgramFactory
from tests.payments.factories import BillingSettingsFactory, payment_of
from tests.specialists.factories import OfferingFactory

pytestmark = pytest.mark.django_db


def moment(day, hour=12):
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def months():
    first = add_months(timezone.localdate().replace(day=1), -3)
    return first, add_months(first, 1)


@pytest.fixture
def ledger(clinic, specialist, outsider, months):
    """Month one: 12 patients paid 90.00 each, one refunded 30.00, plus one
    failed payment and a program's coverage (neither counted). Month two:
    three patients paid. Another organization's payment is not counted."""
    first, second = months
    offering = OfferingFactory(specialist=specialist, price_minor=9000)
    for n in range(12):
        payment_of(offering, paid_at=moment(first + timedelta(days=n)), refunded_minor=3000 if n == 0 else 0)
    payment_of(offering, status=Payment.Status.FAILED)
    payment_of(offering, kind=Payment.Kind.COVERAGE, paid_at=moment(first))
    for n in range(3):
        payment_of(offering, paid_at=moment(second + timedelta(days=n)))
    payment_of(OfferingFactory(specialist=outsider), paid_at=moment(first))


def test_revenue_is_summed_by_month_and_small_months_are_withheld(clinic, ledger, months):
    first, second = months
    period = period_clean(start_on=first, end_on=add_months(second, 1) - timedelta(days=1))
    revenue = revenue_by_month(organization=clinic, period=period)
    assert revenue.takes_payments is True  # it has payments, whatever the setting
    one, two = revenue.months
    assert (one.month, one.currency, one.patients.value, one.payments) == (first, "EUR", 12, 12)
    assert (one.gross_minor, one.refunded_minor, one.net_minor) == (108000, 3000, 105000)
    assert (two.month, two.patients.shown) == (second, "<11")
    assert (two.gross_minor, two.net_minor) == (None, None)


def test_a_program_narrows_revenue_to_its_patients(clinic, ledger, months):
    period = period_clean(start_on=months[0], end_on=months[1])
    program = ProgramFactory(organization=clinic)
    assert revenue_by_month(organization=clinic, period=period, program=program).months == []
    with pytest.raises(ValidationError):
        revenue_by_month(organization=clinic, period=period, program=ProgramFactory())


def test_no_payments_and_no_setting_hides_the_section(clinic, months):
    period = period_clean(start_on=months[0], end_on=months[1])
    assert revenue_by_month(organization=clinic, period=period).takes_payments is False
    BillingSettingsFactory(organization=clinic, enabled=True)
    assert revenue_by_month(organization=clinic, period=period).takes_payments is True


def test_the_page_shows_the_months_revenue_and_its_chart(client, clinic, ledger, months):
    admin = member(clinic, Membership.Role.ADMIN, staff=True)
    client.force_login(admin)
    first, second = months
    query = {"start": first.isoformat(), "end": (add_months(second, 1) - timedelta(days=1)).isoformat()}
    text = client.get(reverse("insights:org-insights", args=[clinic.slug]), query).content.decode()
    assert 'id="chart-revenue"' in text
    assert "€1,080.00" in text and "€1,050.00" in text
    rows = client.get(reverse("insights:org-csv", args=[clinic.slug, "revenue"]), query).content.decode()
    assert rows.splitlines()[0] == "month,currency,paying_patients,gross,refunded,net"
    assert f"{first:%Y-%m},EUR,12,1080.00,30.00,1050.00" in rows
    assert f"{second:%Y-%m},EUR,<11,<11,<11,<11" in rows
