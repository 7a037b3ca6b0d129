"""Affiliate management and referral links in a browser: an admin adds an
affiliate and a link, a visitor follows it (and gets the referral cookie),
the affiliate makes a link of their own and gives payout details. The pages
are photographed at 390 px and on a desktop into test-results/affiliates/
and pass the phone-width and axe-core checks of the page sweeps."""

from urllib.parse import unquote

import pytest
from django.conf import settings
from playwright.sync_api import expect

from affiliates.models import Affiliate, ReferralClickDay
from organizations.models import Membership
from tests.affiliates.factories import AffiliateFactory, ReferralLinkFactory
from tests.browser.helpers import check_phone_and_desktop, signed_in_page
from tests.conftest import member
from tests.organizations.factories import ProgramFactory
from tests.specialists.factories import SpecialistProfileFactory

pytestmark = pytest.mark.browser

FOLDER = "affiliates"


def test_the_admin_adds_an_affiliate_and_a_link_a_visitor_follows(new_page, live_server, org):
    program = ProgramFactory(organization=org, name="Staff wellbeing")
    SpecialistProfileFactory(organization=org, display_name="Dr Lee")
    admin = member(org, Membership.Role.ADMIN, staff=True)
    page = signed_in_page(new_page, live_server, admin, bypass_csp=True)
    page.goto(f"/org/{org.slug}/affiliates/")
    expect(page.get_by_role("heading", name="No affiliates yet")).to_be_visible()
    check_phone_and_desktop(page, FOLDER, "1-org-empty")

    page.get_by_label("Name", exact=True).fill("Calm Newsletter")
    page.get_by_label("Their email").fill("editor@newsletter.test")
    page.get_by_label("A fixed amount per first paid session").check()
    page.get_by_role("textbox", name="Amount per first paid session").fill("25")
    page.get_by_role("button", name="Add and email them").click()
    expect(page.get_by_role("heading", name="Calm Newsletter", level=1)).to_be_visible()
    expect(page.get_by_text("€25.00 per first paid session").first).to_be_visible()

    page.get_by_label("Label").fill("Spring issue")
    page.get_by_label("A program").check()
    page.get_by_role("combobox", name="Program").select_option(label="Staff wellbeing")
    page.get_by_label("Code").fill("spring-news")
    page.get_by_role("button", name="Create link").click()
    expect(page.get_by_text("The link SPRING-NEWS is ready to share.")).to_be_visible()
    address = page.get_by_label("Address of Spring issue")
    expect(address).to_have_value(f"{live_server.url}/r/SPRING-NEWS")
    check_phone_and_desktop(page, FOLDER, "2-org-affiliate")

    # A target outside the organization is refused in words.
    page.get_by_label("Label").fill("Broken")
    page.get_by_label("A specialist's profile").check()
    page.get_by_role("button", name="Create link").click()
    expect(page.get_by_text("Choose the specialist this link lands on.")).to_be_visible()

    page.goto(f"/org/{org.slug}/affiliates/settings/")
    expect(page.get_by_text("the latest one takes the credit")).to_be_visible()
    check_phone_and_desktop(page, FOLDER, "3-org-settings")

    visitor = new_page()
    visitor.goto(f"{live_server.url}/r/spring-news")
    # The program's enrolment page asks them to sign in or create an account first.
    assert f"/join/{program.enrolment_code}/" in unquote(visitor.url)
    cookies = {cookie["name"]: cookie for cookie in visitor.context.cookies()}
    assert cookies[settings.REFERRAL_COOKIE_NAME]["httpOnly"] is True
    assert ReferralClickDay.objects.get().clicks == 1
    assert Affiliate.objects.get().links.get().program == program


def test_the_affiliate_makes_a_link_and_gives_payout_details(new_page, live_server, org):
    person = member(org, Membership.Role.AFFILIATE)
    affiliate = AffiliateFactory(organization=org, user=person, membership=False, name="Calm Newsletter", link_limit=2)
    ReferralLinkFactory(affiliate=affiliate, code="CALM2026", label="Newsletter footer")
    page = signed_in_page(new_page, live_server, person, bypass_csp=True)
    page.goto("/affiliate/links/")
    expect(page.get_by_label("Address of Newsletter footer")).to_have_value(f"{live_server.url}/r/CALM2026")
    page.get_by_label("Label").fill("Podcast notes")
    page.get_by_role("button", name="Create link").click()
    expect(page.get_by_text("is ready to share")).to_be_visible()
    expect(page.get_by_text("All 2 of your links are in use.")).to_be_visible()
    check_phone_and_desktop(page, FOLDER, "4-affiliate-links")

    page.goto("/affiliate/payout/")
    page.get_by_label("Payout details").fill("Calm Media Ltd\nIBAN GB33 BUKB 2020 1555 5555 55")
    page.get_by_role("button", name="Save payout details").click()
    expect(page.get_by_text("Your payout details for Demo Clinic were saved.")).to_be_visible()
    check_phone_and_desktop(page, FOLDER, "5-affiliate-payout")
