"""A referral from the link to the first booking, across three portals: an
admin adds an affiliate and a link; a visitor follows it, signs up and
books; the affiliate's dashboard counts one sign-up and one booking (shown
as "<11", never who), and the admin's overview counts the booking."""

import re
from datetime import time

import pytest
from django.core import mail
from playwright.sync_api import expect

from affiliates.dashboard import figures_for_affiliate
from affiliates.models import Affiliate, Referral
from organizations.models import Membership
from tests.booking.factories import AvailabilityRuleFactory
from tests.browser.helpers import check_phone_and_desktop, signed_in_page
from tests.browser.test_signup_and_sign_in import code_from, last_email_to
from tests.conftest import member
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

pytestmark = pytest.mark.browser

FOLDER = "referral-journey"


@pytest.fixture
def specialist(org):
    profile = SpecialistProfileFactory(organization=org, display_name="Lena Berg", user__timezone="Europe/Berlin")
    for weekday in range(7):
        AvailabilityRuleFactory(specialist=profile, weekday=weekday, start_time=time(8), end_time=time(18))
    OfferingFactory(specialist=profile, name="First conversation", duration_minutes=50, price_minor=9000)
    return profile


def test_a_link_brings_a_patient_who_books_and_the_affiliate_sees_only_totals(new_page, live_server, org, specialist):
    admin = member(org, Membership.Role.ADMIN, staff=True)
    page = signed_in_page(new_page, live_server, admin, bypass_csp=True)
    page.goto(f"/org/{org.slug}/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Affiliates").click()
    page.get_by_label("Name", exact=True).fill("Calm Newsletter")
    page.get_by_label("Their email").fill("editor@newsletter.test")
    page.get_by_role("button", name="Add and email them").click()
    expect(page.get_by_role("heading", name="Calm Newsletter", level=1)).to_be_visible()
    page.get_by_label("Label").fill("Spring issue")
    page.get_by_label("Code").fill("spring-news")
    page.get_by_role("button", name="Create link").click()
    expect(page.get_by_label("Address of Spring issue")).to_have_value(f"{live_server.url}/r/SPRING-NEWS")

    # A visitor follows the link, signs up and books.
    visitor = new_page(timezone_id="Europe/Berlin")
    visitor.goto(f"{live_server.url}/r/spring-news")
    expect(visitor).to_have_url(re.compile(rf"^{re.escape(live_server.url)}/(\?.*)?$"))
    visitor.get_by_role("main").get_by_role("button", name="Create an account").click()
    visitor.get_by_label("Your name").fill("Robin Park")
    visitor.get_by_label("Email").fill("robin.park@example.test")
    visitor.get_by_label("Password").fill("lantern-orchard-57")
    visitor.get_by_role("button", name="Create account").click()
    visitor.get_by_label("Code").fill(code_from(last_email_to("robin.park@example.test")))
    visitor.get_by_role("button", name="Confirm").click()
    expect(visitor).to_have_url(f"{live_server.url}/patient/")

    visitor.goto(f"/specialists/{specialist.slug}/")
    visitor.locator("li.dir-offering", has_text="First conversation").get_by_role(
        "button", name=re.compile("^Book")
    ).click()
    visitor.locator("button.slot-time").first.click()
    visitor.get_by_role("button", name="Confirm booking").click()
    expect(visitor.get_by_text("Booked. We will email you the details.")).to_be_visible()

    affiliate = Affiliate.objects.get()
    referral = Referral.objects.get()
    assert referral.patient.email == "robin.park@example.test"
    assert referral.link.code == "SPRING-NEWS"

    # The affiliate sees one sign-up and one booking, as "<11", and nobody's name.
    mail.outbox.clear()
    partner = signed_in_page(new_page, live_server, affiliate.user, bypass_csp=True)
    partner.goto("/affiliate/")
    figures = figures_for_affiliate(affiliate=affiliate)
    assert (figures.total.signups.value, figures.total.first_bookings.value) == (1, 1)
    total_row = partner.get_by_role("row", name=re.compile("^Last 12 months"))
    expect(total_row).to_contain_text("<11")
    expect(partner.get_by_role("main")).not_to_contain_text("Robin")
    expect(partner.get_by_role("main")).not_to_contain_text("robin.park")
    check_phone_and_desktop(partner, FOLDER, "1-affiliate-dashboard")

    # The admin's overview counts the booking and opens the list behind it.
    page.goto(f"/org/{org.slug}/")
    booked = page.locator(".overview-tile", has_text="Sessions booked")
    expect(booked.locator(".overview-value")).to_have_text("1")
    check_phone_and_desktop(page, FOLDER, "2-admin-overview")
    booked.get_by_role("link").first.click()
    expect(page.get_by_role("main")).to_contain_text("Robin Park")
