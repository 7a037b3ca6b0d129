"""A statement as its page, PDF and CSV show it: counts per link hidden
under 11, per-link amounts only when no count is hidden, never a patient."""

import io

import pytest
from pypdf import PdfReader

from affiliates.commissions import commission_earn_for_payment, commission_reverse_for_refund
from affiliates.models import CommissionStatement
from affiliates.statements import statement_csv, statement_filename, statement_pdf, statement_summary
from core.cells import SUPPRESSED
from payments.models import Payment
from tests.affiliates.factories import AffiliateFactory, ReferralLinkFactory
from tests.organizations.factories import OrganizationFactory
from tests.payments.factories import RefundFactory
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

from .referred import month_ago, referred

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return OrganizationFactory(currency="EUR")


@pytest.fixture
def offering(org):
    return OfferingFactory(specialist=SpecialistProfileFactory(organization=org), price_minor=8000)


@pytest.fixture
def affiliate(org):
    return AffiliateFactory(organization=org, flat=True)  # 25.00 per first paid session


def earn(link, offering, n, *, at=None):
    """`n` referred patients through `link` who paid: each earns a line."""
    at = at or month_ago(1)
    patients = [referred(link, offering, at=at, paid=True) for _ in range(n)]
    for patient in patients:
        commission_earn_for_payment(payment_id=patient.payments.get().pk, at=at)
    return patients


def the_statement(affiliate):
    return CommissionStatement.objects.get(affiliate=affiliate)


def test_with_every_link_at_eleven_or_more_amounts_are_shown_per_link(affiliate, offering):
    news, blog = (
        ReferralLinkFactory(affiliate=affiliate, code="NEWS"),
        ReferralLinkFactory(affiliate=affiliate, code="BLOG"),
    )
    earn(news, offering, 12)
    earn(blog, offering, 11)

    summary = statement_summary(the_statement(affiliate))

    assert summary.amounts_by_link
    assert [(line.link.code, line.sessions.shown, line.earned.amount_minor) for line in summary.lines] == [
        ("BLOG", "11", 27500),
        ("NEWS", "12", 30000),
    ]
    (total,) = summary.totals
    assert (total.sessions.shown, total.earned.amount_minor, total.net.amount_minor) == ("23", 57500, 57500)


def test_a_link_under_eleven_hides_its_count_and_every_per_link_amount(affiliate, offering):
    news, blog = (
        ReferralLinkFactory(affiliate=affiliate, code="NEWS"),
        ReferralLinkFactory(affiliate=affiliate, code="BLOG"),
    )
    earn(news, offering, 12)
    earn(blog, offering, 2)

    summary = statement_summary(the_statement(affiliate))

    assert not summary.amounts_by_link
    assert [(line.sessions.shown, line.earned, line.reversed, line.net) for line in summary.lines] == [
        (SUPPRESSED, None, None, None),
        ("12", None, None, None),
    ]
    # 14 - 12 would give BLOG's 2 away: the total count is withheld too;
    # the money total is what the affiliate is paid, so it stays.
    (total,) = summary.totals
    assert total.sessions.shown == "withheld"
    assert total.earned.amount_minor == 35000


def test_the_csv_has_no_patient_and_writes_reversals_as_amounts_taken_off(affiliate, offering):
    link = ReferralLinkFactory(affiliate=affiliate, code="NEWS")
    patients = earn(link, offering, 11, at=None)
    payment = Payment.objects.get(patient=patients[0])
    Payment.objects.filter(pk=payment.pk).update(refunded_minor=8000)
    refund = RefundFactory(payment=payment, amount_minor=8000)
    reversal = commission_reverse_for_refund(refund_id=refund.pk, at=month_ago(1))
    assert reversal.statement == the_statement(affiliate)

    lines = "".join(statement_csv(statement_summary(the_statement(affiliate)))).splitlines()

    assert lines[0] == "month,link,label,currency,paid_sessions,earned,reversed,net,status"
    month = month_ago(1).strftime("%Y-%m")
    assert lines[1] == f"{month},NEWS,{link.label},EUR,11,275.00,25.00,250.00,pending"
    assert lines[2] == f"{month},total,,EUR,11,275.00,25.00,250.00,pending"
    text = "\n".join(lines)
    assert all(p.email not in text and str(p.public_id) not in text for p in patients)


def test_a_label_that_looks_like_a_formula_is_written_as_text(affiliate, offering):
    link = ReferralLinkFactory(affiliate=affiliate, code="NEWS", label="=HYPERLINK(1)")
    earn(link, offering, 11)

    text = "".join(statement_csv(statement_summary(the_statement(affiliate))))

    assert ",'=HYPERLINK(1)," in text


def test_the_pdf_is_a_pdf_with_the_totals_and_a_plain_name(affiliate, offering):
    earn(ReferralLinkFactory(affiliate=affiliate, code="NEWS"), offering, 3)
    statement = the_statement(affiliate)

    document = statement_pdf(statement_summary(statement))

    assert document.startswith(b"%PDF")
    text = PdfReader(io.BytesIO(document)).pages[0].extract_text()
    assert "75.00" in text
    assert SUPPRESSED in text
    assert statement_filename(statement, "pdf") == f"statement-{statement.month:%Y-%m}-{statement.public_id}.pdf"
