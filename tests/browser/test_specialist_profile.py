"""A specialist writes their profile and an organization admin approves it."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from organizations.models import Membership
from specialists.models import Offering, SpecialistProfile
from tests.accounts.factories import PASSWORD, UserFactory, enable_totp, totp_code
from tests.organizations.factories import MembershipFactory

pytestmark = pytest.mark.browser


def staff(org, role, **fields):
    """A staff member with an authenticator app; returns (user, TOTP secret)."""
    user = UserFactory(**fields)
    MembershipFactory(user=user, organization=org, role=role)
    return user, enable_totp(user)


def sign_in(page, user, secret):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    page.locator("input[name=code]").fill(totp_code(secret))
    page.get_by_role("button", name="Sign in", exact=True).click()


def portrait() -> dict:
    buffer = io.BytesIO()
    Image.new("RGB", (900, 1200), "#8E5572").save(buffer, format="JPEG")
    return {"name": "portrait.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def test_a_specialist_publishes_a_profile_that_the_organization_approves(
    new_page, live_server, org, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)  # the live server runs in this process
    specialist, specialist_secret = staff(org, Membership.Role.SPECIALIST, full_name="Ana Souza")
    admin, admin_secret = staff(org, Membership.Role.ADMIN, full_name="Jordan Lee")

    # --- The specialist writes their profile ---------------------------------------
    page = new_page()
    sign_in(page, specialist, specialist_secret)
    expect(page).to_have_url(f"{live_server.url}/specialist/")
    expect(page.get_by_role("heading", name="Complete your profile")).to_be_visible()

    page.get_by_role("navigation").get_by_role("link", name="Profile").click()
    expect(page.get_by_role("heading", name="Your profile", exact=True)).to_be_visible()
    page.get_by_label("Display name").fill("Dr. Ana Souza")
    page.get_by_label("Pronouns").fill("she/her")
    page.get_by_label("Headline").fill("Psychologist for anxiety and burnout")
    page.get_by_label("About you").fill("I help adults who worry too much. Sessions are calm and practical.")
    for name in ["Anxiety", "Stress and burnout", "English", "Portuguese", "Video", "Portugal"]:
        page.get_by_label(name, exact=True).check()
    page.get_by_label("Your time zone").select_option("Europe/Lisbon")
    page.get_by_label("Choose a photo").set_input_files(portrait())
    page.get_by_role("button", name="Save profile").click()

    expect(page.get_by_text("Your profile was saved.")).to_be_visible()
    expect(page.locator(".photo-row img.dir-avatar")).to_have_count(1)
    profile = SpecialistProfile.objects.get(user=specialist)
    assert profile.photo.name == f"specialists/{profile.public_id}/photo.jpg"
    specialist.refresh_from_db()
    assert specialist.timezone == "Europe/Lisbon"

    # --- An offering: a wrong price first, then a right one ---------------------------
    page.get_by_role("navigation").get_by_role("link", name="Offerings").click()
    expect(page.get_by_role("heading", name="No offerings yet")).to_be_visible()
    page.get_by_label("Name").fill("Initial consultation")
    page.get_by_label("Duration").fill("50")
    page.get_by_label("Price").fill("-90")
    page.get_by_role("button", name="Add offering").click()
    expect(page.get_by_role("alert").filter(has_text="A price cannot be negative.")).to_be_visible()
    assert not Offering.objects.exists()

    page.get_by_label("Price").fill("90.00")
    page.get_by_label("On request only").check()
    page.get_by_role("button", name="Add offering").click()
    expect(page.get_by_text("“Initial consultation” was added.")).to_be_visible()
    expect(page.locator(".offering-admin-list")).to_contain_text("€90.00")
    offering = Offering.objects.get()
    assert (offering.price_minor, offering.currency, offering.booking_mode) == (9000, "EUR", "on_request")

    # --- Preview as patients see it, and submit --------------------------------------------
    page.get_by_role("navigation").get_by_role("link", name="Profile").click()
    page.get_by_role("button", name="Preview and submit").click()
    expect(page.get_by_role("heading", name="Your profile, as patients see it")).to_be_visible()
    detail = page.locator(".preview-frame")  # the public profile page's own fragments
    expect(detail).to_contain_text("Dr. Ana Souza")
    expect(detail).to_contain_text("Initial consultation")
    expect(detail).to_contain_text("on request")
    expect(detail).to_contain_text("Europe/Lisbon")
    expect(detail).to_contain_text("€90.00")
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.get_by_text("will review your profile")).to_be_visible()
    expect(page.locator(".status-panel .status-badge")).to_have_text("Waiting for approval")

    # --- The organization admin approves ----------------------------------------------------
    admin_page = new_page()
    sign_in(admin_page, admin, admin_secret)
    expect(admin_page).to_have_url(f"{live_server.url}/org/{org.slug}/")
    expect(admin_page.get_by_role("heading", name="1 profile waits for your approval")).to_be_visible()
    admin_page.get_by_role("button", name="Review profiles").click()
    admin_page.get_by_role("link", name="Dr. Ana Souza").click()
    expect(admin_page.locator("main")).to_contain_text("I help adults who worry too much.")
    admin_page.get_by_role("button", name="Approve and publish").click()
    expect(admin_page.get_by_text("Dr. Ana Souza is approved: their profile is now public.")).to_be_visible()
    expect(admin_page.get_by_role("row", name=re.compile("Dr. Ana Souza"))).to_contain_text("Approved")

    profile.refresh_from_db()
    assert profile.status == SpecialistProfile.Status.APPROVED
    assert profile.approved_at is not None

    # The specialist sees it on their next page.
    page.reload()
    expect(page.locator(".status-panel .status-badge")).to_have_text("Approved")
