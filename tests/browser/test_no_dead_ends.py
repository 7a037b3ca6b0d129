"""No dead ends in the journey: every page a person lands on says where to
go next. Pictures of each page, wide and at 390 px, are saved into
test-results/no-dead-ends/."""

import re
import zoneinfo
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from organizations.models import Membership
from tests.accounts.factories import enable_totp
from tests.booking.factories import AppointmentFactory
from tests.browser.helpers import screenshot, signed_in_page
from tests.browser.test_signup_and_sign_in import PASSWORD, code_from, last_email_to
from tests.conftest import member
from tests.consents.factories_patient import CareContextFactory, published_document
from tests.organizations.factories import MembershipFactory, OrganizationFactory
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def shoot(page, name):
    screenshot(page, "no-dead-ends", name)


def shoot_narrow(page, name):
    """The same page at 390 px: nothing scrolls sideways."""
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"{name} scrolls sideways"
    shoot(page, f"{name}-390")
    page.set_viewport_size({"width": 1280, "height": 860})


def zone_in_the_morning() -> str:
    """A time zone where it is morning now, so "later today" stays today."""
    now = timezone.now()
    zones = ["Pacific/Auckland", "Asia/Tokyo", "Asia/Kolkata", "Europe/Berlin", "America/New_York", "Pacific/Honolulu"]
    # Together their mornings cover every hour of the day, summer or winter.
    return next(name for name in zones if 5 <= now.astimezone(zoneinfo.ZoneInfo(name)).hour < 12)


@pytest.fixture
def specialist(org):
    profile = SpecialistProfileFactory(
        organization=org, display_name="Lena Berg", user__full_name="Lena Berg", user__timezone=zone_in_the_morning()
    )
    enable_totp(profile.user)
    return profile


@pytest.fixture
def offering(specialist):
    return OfferingFactory(specialist=specialist, name="First conversation", duration_minutes=50)


def test_the_specialist_home_shows_the_agenda_and_what_blocks_it(new_page, live_server, org, specialist, offering):
    published_document(organization=org, title="Consent to treatment")
    later_today = (timezone.now() + timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
    for name, starts_at in (("Ana Souza", later_today), ("Ben Okafor", later_today + timedelta(hours=2))):
        patient = member(org, Membership.Role.PATIENT, full_name=name)
        AppointmentFactory(patient=patient, offering=offering, starts_at=starts_at, confirmed=True)
        CareContextFactory(patient=patient, offering=offering)
    AppointmentFactory(patient=member(org, Membership.Role.PATIENT, full_name="Carla Mendes"), offering=offering)

    page = signed_in_page(new_page, live_server, specialist.user)
    page.goto("/specialist/")
    today = page.locator("section", has=page.get_by_role("heading", name="Today"))
    expect(today.get_by_role("link", name="Ana Souza")).to_be_visible()
    expect(today.locator(".appt-row", has_text="Ana Souza")).to_contain_text("First conversation")
    expect(today.locator(".appt-row", has_text="Ana Souza")).to_contain_text("Confirmed")
    expect(today.locator(".appt-row", has_text="Ana Souza")).to_contain_text("1 to do: Consent to treatment")
    waiting = page.locator("section", has=page.get_by_role("heading", name=re.compile("Waiting for your answer")))
    expect(waiting.get_by_role("link", name="Carla Mendes")).to_be_visible()
    expect(page.get_by_role("heading", name="Not ready yet")).to_be_visible()
    expect(page.get_by_text("No sessions yet")).to_have_count(0)
    shoot(page, "specialist-home")
    shoot_narrow(page, "specialist-home")

    # Accepting a request from the home page books it (the form carries its CSRF token).
    waiting.locator(".appt-row", has_text="Carla Mendes").get_by_role("button", name="Accept").click()
    expect(page.get_by_text("Accepted: the session is booked.")).to_be_visible()


def test_the_landing_page_leads_to_the_directory(page, live_server, org, specialist, offering):
    page.goto("/")
    expect(page.get_by_text("video", exact=False)).to_have_count(0)
    expect(page.get_by_role("banner").get_by_role("link", name="Find a specialist")).to_be_visible()
    shoot(page, "landing")
    shoot_narrow(page, "landing")
    page.get_by_role("main").get_by_role("button", name="Find a specialist").click()
    expect(page).to_have_url(f"{live_server.url}/specialists/")
    expect(page.get_by_role("link", name="Lena Berg").first).to_be_visible()
    expect(page.get_by_role("banner").get_by_role("link", name="Find a specialist")).to_have_attribute(
        "aria-current", "page"
    )


def test_booking_while_signed_out_says_why_and_signs_up_straight_back(page, live_server, org, specialist, offering):
    page.goto(f"/specialists/{specialist.slug}/")
    page.locator("li.dir-offering", has_text="First conversation").get_by_role(
        "button", name=re.compile("^Book")
    ).click()

    expect(page.get_by_text("Sign in or create an account to book with Lena Berg.")).to_be_visible()
    expect(page.get_by_role("link", name="Forgot your password?")).to_have_count(1)
    sign_in = page.get_by_role("button", name="Sign in", exact=True)
    sign_up = page.get_by_role("button", name="Create an account")
    assert sign_up.evaluate("e => getComputedStyle(e).backgroundColor") == sign_in.evaluate(
        "e => getComputedStyle(e).backgroundColor"
    ), "signing up weighs as much as signing in"
    shoot(page, "sign-in-from-book")
    shoot_narrow(page, "sign-in-from-book")

    sign_up.click()
    expect(page.get_by_text("Create an account to book with Lena Berg.")).to_be_visible()
    shoot(page, "sign-up-from-book")
    email = "new.patient@example.test"
    page.get_by_label("Your name").fill("Nia Patel")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()

    expect(page.get_by_role("heading", name="Confirm your email address")).to_be_visible()
    expect(page.locator(".code-recipient")).to_have_text(email)
    page.get_by_label("Code").fill(code_from(last_email_to(email)))
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(rf"/patient/book/{offering.public_id}/$"))
    expect(page.get_by_role("heading", name="First conversation with Lena Berg", level=1)).to_be_visible()
    assert User.objects.get(email=email).full_name == "Nia Patel"


def test_the_code_page_says_where_the_code_went_and_sends_a_new_one(page, live_server, org):
    member(org, Membership.Role.PATIENT, email="ana@example.test")
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Email me a sign-in code or link").click()
    page.get_by_label("Email").fill("ana@example.test")
    page.get_by_role("button", name="Request code").click()

    expect(page.get_by_role("heading", name="Enter your sign-in code")).to_be_visible()
    expect(page.locator(".code-recipient")).to_have_text("ana@example.test")
    shoot(page, "sign-in-code")
    shoot_narrow(page, "sign-in-code")
    first = code_from(last_email_to("ana@example.test"))
    sent = len(mail.outbox)
    page.get_by_role("button", name="Send a new code").click()
    expect(page.get_by_role("heading", name="Enter your sign-in code")).to_be_visible()
    assert len(mail.outbox) == sent + 1
    fresh = code_from(last_email_to("ana@example.test"))
    assert fresh != first
    page.get_by_label("Code").fill(fresh)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}/patient/")


def test_an_admin_of_two_organizations_chooses_one(new_page, live_server, org):
    admin = member(org, Membership.Role.ADMIN, staff=True, full_name="Olu Admin")
    second = OrganizationFactory(slug="north-clinic", name="North Clinic")
    MembershipFactory(user=admin, organization=second, role=Membership.Role.ADMIN)
    page = signed_in_page(new_page, live_server, admin)
    page.goto("/org/")
    expect(page.get_by_role("heading", name="Which organization?")).to_be_visible()
    shoot(page, "org-chooser")
    shoot_narrow(page, "org-chooser")
    page.get_by_role("button", name="North Clinic").click()
    expect(page).to_have_url(f"{live_server.url}/org/north-clinic/")
    expect(page.get_by_role("heading", name="North Clinic", level=1)).to_be_visible()


def test_account_pages_keep_the_portal_navigation(new_page, live_server, org):
    patient = member(org, Membership.Role.PATIENT, full_name="Alex Doe")
    page = signed_in_page(new_page, live_server, patient)
    page.goto("/patient/")
    page.get_by_role("banner").get_by_text("Alex Doe").click()
    page.get_by_role("link", name="Account settings").click()
    expect(page.get_by_role("heading", name="Profile and time zone")).to_be_visible()
    navigation = page.get_by_role("navigation", name="Main")
    expect(navigation.get_by_role("link", name="Appointments")).to_be_visible()

    page.get_by_role("navigation", name="Account settings").get_by_role("link", name="Email addresses").click()
    expect(page.get_by_role("heading", name="Email addresses")).to_be_visible()
    expect(navigation.get_by_role("link", name="Appointments")).to_be_visible()
    expect(page.get_by_role("link", name="Connected sign-ins")).to_have_count(0)
    shoot(page, "account-email")
    page.get_by_role("navigation", name="Account settings").get_by_role(
        "link", name="Two-factor authentication"
    ).click()
    expect(page.get_by_role("heading", name="Two-factor authentication", level=1)).to_be_visible()
    expect(navigation.get_by_role("link", name="Appointments")).to_be_visible()
    shoot(page, "account-two-factor")
    page.get_by_role("link", name="Devices and sessions").click()
    expect(page.locator(".device strong").first).to_have_text("Chrome on Linux")
    shoot(page, "account-sessions")
    shoot_narrow(page, "account-sessions")
    navigation.get_by_role("link", name="Appointments").click()
    expect(page).to_have_url(f"{live_server.url}/patient/appointments/")
