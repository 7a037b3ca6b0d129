"""Statement pages: the affiliate reads their own (page, PDF, CSV); the
organization reads its affiliates' and approves and pays them. Another
affiliate's or organization's statement is a 404, and nothing changes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from affiliates.commissions import commission_earn_for_payment, month_start
from affiliates.models import CommissionStatement
from core.models import AuditLog, JourneyEvent
from organizations.models import Membership
from tests.affiliates.factories import AffiliateFactory, ReferralLinkFactory
from tests.conftest import member
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

from .referred import month_ago, referred

pytestmark = pytest.mark.django_db


@pytest.fixture
def affiliate(org):
    return AffiliateFactory(organization=org, name="Newsletter partner", flat=True)


@pytest.fixture
def statement(org, affiliate):
    """Last month's statement: three paid sessions through NEWS."""
    link = ReferralLinkFactory(affiliate=affiliate, code="NEWS")
    offering = OfferingFactory(specialist=SpecialistProfileFactory(organization=org))
    for _ in range(3):
        patient = referred(link, offering, at=month_ago(1), paid=True)
        commission_earn_for_payment(payment_id=patient.payments.get().pk, at=month_ago(1))
    return CommissionStatement.objects.get(affiliate=affiliate)


@pytest.fixture
def admin(org):
    return member(org, Membership.Role.ADMIN, staff=True)


def url(name, statement, **kwargs):
    return reverse(f"affiliates:{name}", kwargs={**kwargs, "public_id": statement.public_id})


def org_url(name, statement, org):
    return url(name, statement, org_slug=org.slug)


def test_the_affiliate_lists_and_reads_their_statement(client, affiliate, statement):
    client.force_login(affiliate.user)

    listing = client.get(reverse("affiliates:statements")).content.decode()
    page = client.get(url("statement", statement))

    assert month_ago(1).strftime("%B %Y") in listing
    assert "€75.00" in listing
    assert page.status_code == 200
    text = page.content.decode()
    assert "NEWS" in text and "&lt;11" in text and "€75.00" in text
    assert "Approve" not in text  # read-only for the affiliate


def test_the_pdf_and_csv_download_and_are_audited_as_exports(client, affiliate, statement):
    client.force_login(affiliate.user)

    pdf = client.get(url("statement-pdf", statement))
    csv = client.get(url("statement-csv", statement))

    assert pdf.status_code == csv.status_code == 200
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert csv["Content-Type"].startswith("text/csv")
    assert "<11" in csv.content.decode()
    assert f'filename="statement-{statement.month:%Y-%m}-' in csv["Content-Disposition"]
    exports = AuditLog.objects.filter(action=AuditLog.Action.EXPORT, object_public_id=statement.public_id)
    assert exports.count() == 2


@pytest.mark.parametrize("name", ["statement", "statement-pdf", "statement-csv"])
def test_another_affiliate_gets_404(client, org, statement, name):
    other = AffiliateFactory(organization=org)
    client.force_login(other.user)

    assert client.get(url(name, statement)).status_code == 404
    assert "Newsletter partner" not in client.get(reverse("affiliates:statements")).content.decode()
    assert not AuditLog.objects.filter(action=AuditLog.Action.EXPORT).exists()


def test_the_organization_lists_and_reads_its_affiliates_statements(client, org, admin, statement):
    client.force_login(admin)

    listing = client.get(reverse("affiliates:org-statements", kwargs={"org_slug": org.slug}))
    page = client.get(org_url("org-statement", statement, org))

    assert listing.status_code == page.status_code == 200
    assert "Newsletter partner" in listing.content.decode()
    assert "Approve" in page.content.decode()


def test_another_organizations_admin_gets_404(client, org, other_org, statement):
    outsider = member(other_org, Membership.Role.ADMIN, staff=True)
    client.force_login(outsider)

    # Through the other organization's own address, too.
    assert client.get(org_url("org-statement", statement, other_org)).status_code == 404
    assert client.get(org_url("org-statement", statement, org)).status_code == 404
    response = client.post(org_url("org-statement-status", statement, other_org), {"status": "approved"})
    assert response.status_code == 404
    statement.refresh_from_db()
    assert statement.status == "pending"


def test_the_admin_approves_then_pays_and_each_step_is_audited(client, org, admin, statement):
    client.force_login(admin)
    status_url = org_url("org-statement-status", statement, org)

    approved = client.post(status_url, {"status": "approved"})
    assert approved.status_code == 302
    assert approved["Location"] == org_url("org-statement", statement, org)
    paid = client.post(status_url, {"status": "paid"})
    assert paid.status_code == 302

    statement.refresh_from_db()
    assert (statement.status, statement.decided_by) == ("paid", admin)
    writes = AuditLog.objects.filter(actor=admin, action=AuditLog.Action.WRITE, object_public_id=statement.public_id)
    assert writes.count() == 2
    assert JourneyEvent.objects.filter(verb="affiliate.statement_paid").exists()
    client.force_login(statement.affiliate.user)
    assert "Paid" in client.get(url("statement", statement)).content.decode()


def test_paying_before_approving_is_refused_with_409(client, org, admin, statement):
    client.force_login(admin)
    response = client.post(org_url("org-statement-status", statement, org), {"status": "paid"})

    assert response.status_code == 409
    assert "approved before it is paid" in response.content.decode()
    statement.refresh_from_db()
    assert statement.status == "pending"


def test_this_months_statement_cannot_be_approved_yet(client, org, admin, affiliate):
    current = CommissionStatement.objects.create(affiliate=affiliate, month=month_start(timezone.now()))
    client.force_login(admin)

    response = client.post(org_url("org-statement-status", current, org), {"status": "approved"})

    assert response.status_code == 409
    assert "once the month has ended" in response.content.decode()


@pytest.mark.parametrize("value", ["", "pending", "refunded", "<script>"])
def test_a_bad_status_is_refused_with_422(client, org, admin, statement, value):
    client.force_login(admin)
    response = client.post(org_url("org-statement-status", statement, org), {"status": value})

    assert response.status_code == 422
    assert "<script>" not in response.content.decode()
    statement.refresh_from_db()
    assert statement.status == "pending"
    assert not AuditLog.objects.filter(action=AuditLog.Action.WRITE).exists()


def test_the_affiliate_cannot_change_a_status(client, org, affiliate, statement):
    client.force_login(affiliate.user)
    response = client.post(org_url("org-statement-status", statement, org), {"status": "approved"})
    assert response.status_code == 403
    statement.refresh_from_db()
    assert statement.status == "pending"


def test_the_organizations_list_takes_the_same_queries_for_one_statement_or_many(client, org, admin, statement):
    client.force_login(admin)
    list_url = reverse("affiliates:org-statements", kwargs={"org_slug": org.slug})
    client.get(list_url)  # the first visit also records where the admin is
    with CaptureQueriesContext(connection) as one:
        client.get(list_url)
    for months_ago in range(2, 6):
        other = AffiliateFactory(organization=org, flat=True)
        CommissionStatement.objects.create(affiliate=other, month=month_start(month_ago(months_ago)))
    with CaptureQueriesContext(connection) as many:
        response = client.get(list_url)
    assert response.status_code == 200
    assert len(many) == len(one)
