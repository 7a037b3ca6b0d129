"""Booking a session as a patient does it: open a specialist's profile, pick
a service and a time, confirm the hold, and find the session booked. The
pages on the way (and the patient's other booking pages) are photographed
into test-results/booking-patient/."""

import re
import zoneinfo
from datetime import time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from booking import services
from booking.models import Appointment
from booking.states import AppointmentStatus
from organizations.models import Membership
from tests.accounts.factories import enable_totp
from tests.booking.factories import AvailabilityRuleFactory
from tests.browser.helpers import screenshot, signed_in_page
from tests.conftest import member
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def specialist(org):
    """Lena works every day from 08:00 to 18:00 in Berlin."""
    profile = SpecialistProfileFactory(
        organization=org, display_name="Lena Berg", user__timezone="Europe/Berlin", specializations=["anxiety"]
    )
    for weekday in range(7):
        AvailabilityRuleFactory(specialist=profile, weekday=weekday, start_time=time(8), end_time=time(18))
    return profile


@pytest.fixture
def offerings(specialist):
    return {
        "first": OfferingFactory(
            specialist=specialist, name="First conversation", duration_minutes=50, price_minor=9000
        ),
        "couples": OfferingFactory(
            specialist=specialist, name="Couples session", duration_minutes=80, price_minor=14000, on_request=True
        ),
    }


@pytest.fixture
def patient(org):
    return member(org, Membership.Role.PATIENT, timezone="America/New_York", full_name="Alex Doe")


def shoot(page, name):
    screenshot(page, "booking-patient", name)


def test_a_patient_books_a_session_from_the_profile(new_page, live_server, patient, specialist, offerings):
    page = signed_in_page(new_page, live_server, patient)
    page.goto(f"/specialists/{specialist.slug}/")
    expect(page.get_by_role("button", name="Request a time Couples session")).to_be_visible()
    shoot(page, "0-profile")
    offering = page.locator("li.dir-offering", has_text="First conversation")
    offering.get_by_role("button", name=re.compile("^Book")).click()

    expect(page.get_by_role("heading", name="First conversation with Lena Berg", level=1)).to_be_visible()
    expect(page.get_by_text("Times are shown in your time zone (America/New_York).")).to_be_visible()
    expect(page.get_by_text("Free cancellation up to 24 hours before")).to_be_visible()
    shoot(page, "1-book")

    # Later days come in without a page load, and the way back works too.
    page.evaluate("window.stillTheSamePage = true")
    days = page.locator(".slot-nav-range")
    first_week = days.inner_text()
    page.get_by_role("link", name="Later days").click()
    expect(page).to_have_url(re.compile(r"\?from=\d{4}-\d{2}-\d{2}$"))
    expect(days).not_to_have_text(first_week)
    page.get_by_role("link", name="Earlier days").click()
    expect(days).to_have_text(first_week)
    assert page.evaluate("window.stillTheSamePage") is True, "the page reloaded instead of swapping the days"

    first_time = page.locator("button.slot-time").first
    picked = first_time.get_attribute("value")
    first_time.click()

    expect(page.get_by_text("We are holding this time for you for 10 minutes")).to_be_visible()
    expect(page.locator("time[data-countdown]")).to_have_text(re.compile(r"^(10:00|9:\d\d)$"))
    shoot(page, "2-hold")
    page.get_by_role("button", name="Confirm booking").click()

    expect(page.get_by_text("Booked. We will email you the details.")).to_be_visible()
    expect(page.locator(".pb-title .pb-status")).to_have_text("Confirmed")
    expect(page.get_by_role("button", name="Add to calendar")).to_be_visible()
    shoot(page, "3-confirmed")
    appointment = Appointment.objects.get(patient=patient)
    assert appointment.status == AppointmentStatus.CONFIRMED
    assert appointment.starts_at.isoformat() == picked

    # The specialist sees the same session, in their own zone, at once.
    enable_totp(specialist.user)
    specialist_page = signed_in_page(new_page, live_server, specialist.user)
    specialist_page.goto("/specialist/appointments/")
    upcoming = specialist_page.locator("section", has=specialist_page.get_by_role("heading", name="Upcoming"))
    row = upcoming.locator(".appt-row", has_text="Alex Doe")
    expect(row).to_contain_text("Confirmed")
    berlin = appointment.starts_at.astimezone(zoneinfo.ZoneInfo("Europe/Berlin"))
    expect(row).to_contain_text(f"{berlin:%H:%M}")
    specialist_page.goto(f"/specialist/calendar/?week={berlin.date().isoformat()}")
    expect(specialist_page.locator(".cal-appt-confirmed", has_text="Alex Doe")).to_be_visible()
    shoot(specialist_page, "3b-specialist-calendar")

    # The patient's other booking pages, to look at.
    proposal = services.proposal_create(
        specialist=specialist,
        patient=patient,
        offering=offerings["couples"],
        starts_at=[appointment.starts_at + timedelta(days=3), appointment.starts_at + timedelta(days=4)],
        expires_at=timezone.now() + timedelta(days=2),
        note="Both mornings would work for me; pick whichever suits you.",
        by=specialist.user,
    )
    page.goto("/patient/appointments/")
    expect(page.get_by_role("heading", name="Waiting for you")).to_be_visible()
    shoot(page, "4-appointments")
    page.get_by_role("button", name="Choose a time").click()
    expect(page.get_by_text("Both mornings would work for me")).to_be_visible()
    assert proposal.public_id.hex[:8] in page.url.replace("-", "")
    shoot(page, "5-proposal")
    page.goto(f"/patient/appointments/{appointment.public_id}/reschedule/")
    expect(page.get_by_role("heading", name="Pick the new time")).to_be_visible()
    shoot(page, "6-reschedule")
    page.goto(f"/patient/ask/{specialist.slug}/?offering={offerings['couples'].public_id}")
    expect(page.get_by_text("in your time zone (America/New_York)")).to_be_visible()
    shoot(page, "7-ask")
