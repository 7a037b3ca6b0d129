"""The affiliate's figures and statements in a browser: the dashboard
(counts per month and link, small ones as "<11"), a statement and its
download links, and the organization approving the statement. Pages are
photographed at 390 px and on a desktop into test-results/affiliates/ and
pass the phone-width and axe-core checks of the page sweeps."""

import pytest
from playwright.sync_api import expect

from affiliates.commissions import commission_earn_for_payment
from affiliates.models import CommissionStatement
from organizations.models import Membership
from tests.affiliates.factories import AffiliateFactory, ReferralLinkFactory
from tests.affiliates.referred import month_ago, referred
from tests.browser.helpers import check_phone_and_desktop, signed_in_page
from tests.conftest import member
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

pytestmark = pytest.mark.browser

FOLDER = "affiliates"


def test_the_affiliate_reads_figures_and_a_statement_the_admin_approves(new_page, live_server, org):
    affiliate = AffiliateFactory(organization=org, name="Calm Newsletter", flat=True)
    offering = OfferingFactory(specialist=SpecialistProfileFactory(organization=org))
    news = ReferralLinkFactory(
        affiliate=affiliate, code="SPRING-NEWS", label="Spring issue", created_at=month_ago(3, 1)
    )
    ReferralLinkFactory(affiliate=affiliate, code="PODCAST", label="Podcast ad", created_at=month_ago(3, 1))
    for index in range(14):
        patient = referred(news, offering, at=month_ago(1), booked=index < 12, paid=index < 2)
        if index < 2:
            commission_earn_for_payment(payment_id=patient.payments.get().pk, at=month_ago(1))

    page = signed_in_page(new_page, live_server, affiliate.user, bypass_csp=True)
    page.goto("/affiliate/")
    expect(page.get_by_role("heading", name="Calm Newsletter", exact=False)).to_be_visible()
    # Every link together hides last month: PODCAST's "nobody" would show.
    months = page.get_by_role("region", name="All links, by month")
    expect(months.get_by_role("row", name=month_ago(1).strftime("%b %Y"))).to_contain_text("<11")
    page.get_by_text("Spring issue (SPRING-NEWS) by month").click()
    by_month = page.get_by_role("region", name="Spring issue by month")
    expect(by_month.get_by_role("row", name=month_ago(1).strftime("%b %Y"))).to_contain_text("14")
    expect(page.get_by_text("Small counts are hidden.")).to_be_visible()
    check_phone_and_desktop(page, FOLDER, "figures-1-affiliate-dashboard")

    page.get_by_role("link", name=month_ago(1).strftime("%b %Y")).last.click()
    expect(page.get_by_role("heading", name=f"Statement for {month_ago(1):%B %Y}")).to_be_visible()
    expect(page.get_by_role("button", name="Download PDF")).to_be_visible()
    check_phone_and_desktop(page, FOLDER, "figures-2-affiliate-statement")

    admin = member(org, Membership.Role.ADMIN, staff=True)
    page = signed_in_page(new_page, live_server, admin, bypass_csp=True)
    page.goto(f"/org/{org.slug}/affiliates/statements/")
    check_phone_and_desktop(page, FOLDER, "figures-3-org-statements")
    page.get_by_role("link", name=f"{month_ago(1):%B %Y}").click()
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text(f"The statement for {month_ago(1):%B %Y} is approved.")).to_be_visible()
    check_phone_and_desktop(page, FOLDER, "figures-4-org-statement-approved")
    assert CommissionStatement.objects.get(affiliate=affiliate).status == "approved"
