"""Assisted scheduling end to end: a specialist in Berlin proposes two times
to a patient in their care in New York; the patient opens the proposal from
their appointments and accepts one. The chosen time is booked, the other is
released, and both portals show the booking. The specialist's pages are
photographed into test-results/booking-proposal/."""

import zoneinfo
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from booking.models import Appointment, Proposal
from booking.states import AppointmentStatus
from care.models import CareRelationship
from care.services import care_relationship_start
from organizations.models import Membership
from specialists.services import specialist_profile_get_or_create
from tests.accounts.factories import UserFactory, enable_totp
from tests.booking.factories import AvailabilityRuleFactory
from tests.browser.helpers import screenshot, signed_in_page
from tests.organizations.factories import MembershipFactory
from tests.specialists.factories import OfferingFactory

DASH = "\u2013"  # the en dash between two times

pytestmark = pytest.mark.browser

S = AppointmentStatus
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


@pytest.fixture
def specialist(org):
    user = UserFactory(email="ana@example.test", full_name="Ana Souza", timezone="Europe/Berlin")
    MembershipFactory(user=user, organization=org, role=Membership.Role.SPECIALIST)
    enable_totp(user)
    return user


@pytest.fixture
def profile(specialist):
    profile = specialist_profile_get_or_create(user=specialist)
    for weekday in range(7):
        AvailabilityRuleFactory(specialist=profile, weekday=weekday, start_time="09:00", end_time="17:00")
    return profile


@pytest.fixture
def offering(profile):
    return OfferingFactory(specialist=profile, name="Follow-up session", duration_minutes=50, price_minor=8000)


@pytest.fixture
def patient(org, profile):
    user = UserFactory(email="maya@example.test", full_name="Maya Lindqvist", timezone="America/New_York")
    MembershipFactory(user=user, organization=org, role=Membership.Role.PATIENT)
    care_relationship_start(patient=user, specialist=profile, source=CareRelationship.Source.CHOSEN)
    return user


def shoot(page, name):
    screenshot(page, "booking-proposal", name)


def test_a_specialist_proposes_two_times_and_the_patient_accepts_one(new_page, live_server, offering, patient):
    specialist = offering.specialist.user
    later = (timezone.now().astimezone(BERLIN) + timedelta(days=4)).date()

    # --- The specialist offers two times --------------------------------------------
    page = signed_in_page(new_page, live_server, specialist)
    page.goto("/specialist/appointments/")
    expect(page.get_by_role("heading", name="Appointments", exact=True)).to_be_visible()
    shoot(page, "1-appointments-empty")
    page.get_by_role("button", name="Propose times").click()
    expect(page.get_by_role("heading", name="Propose times")).to_be_visible()

    page.get_by_label("Patient", exact=True).select_option(label="Maya Lindqvist · maya@example.test")
    page.get_by_label("Service").select_option(label="Follow-up session (50 min)")
    # The first time comes from the suggestions of free times; the second is typed.
    chip = page.locator("[data-pick-date]").first
    picked = datetime.fromisoformat(f"{chip.get_attribute('data-pick-date')}T{chip.get_attribute('data-pick-time')}")
    chip.click()
    expect(page.get_by_label("Date 1")).to_have_value(picked.date().isoformat())
    expect(page.get_by_label("Start 1")).to_have_value(f"{picked:%H:%M}")
    page.get_by_label("Date 2").fill(later.isoformat())
    page.get_by_label("Start 2").fill("14:00")
    expect(page.get_by_label("Date 3")).to_be_hidden()  # more rows on demand
    page.get_by_label("Note to the patient").fill("Either time works for me.")
    shoot(page, "2-propose-times")
    page.get_by_role("button", name="Send the times").click()

    expect(page.get_by_role("heading", name="Times offered to Maya Lindqvist")).to_be_visible()
    expect(page.get_by_text("Your times are sent.")).to_be_visible()
    shoot(page, "3-proposal")
    proposal = Proposal.objects.get()
    first = proposal.appointments.get(starts_at=picked.replace(tzinfo=BERLIN))
    chosen = proposal.appointments.get(starts_at=datetime.combine(later, datetime.min.time(), BERLIN).replace(hour=14))
    assert first.status == chosen.status == S.PROPOSED

    # --- The patient answers from their appointments ---------------------------------
    patient_page = signed_in_page(new_page, live_server, patient)
    patient_page.goto("/patient/appointments/")
    patient_page.get_by_role("button", name="Choose a time").click()
    expect(patient_page.get_by_text("Either time works for me.")).to_be_visible()
    when = chosen.starts_at.astimezone(zoneinfo.ZoneInfo("America/New_York"))
    patient_page.get_by_role("button", name=f"Accept this time on {when:%A} {when.day} {when:%B}, {when:%H:%M}").click()
    expect(patient_page.get_by_text("Follow-up session").first).to_be_visible()

    chosen.refresh_from_db()
    first.refresh_from_db()
    proposal.refresh_from_db()
    assert (chosen.status, first.status, proposal.status) == (S.CONFIRMED, S.DECLINED, Proposal.Status.ACCEPTED)
    assert Appointment.objects.filter(status__in=[S.PROPOSED, S.CONFIRMED]).get() == chosen

    patient_page.goto("/patient/appointments/")
    expect(patient_page.get_by_text(f"{when:%H:%M}").first).to_be_visible()

    # --- Both portals show the booking ---------------------------------------------------
    page.goto("/specialist/appointments/")
    upcoming = page.locator("section", has=page.get_by_role("heading", name="Upcoming"))
    row = upcoming.locator(".appt-row", has_text="Maya Lindqvist")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Confirmed")
    expect(row).to_contain_text(f"{later:%a} {later.day} {later:%b}")
    expect(row).to_contain_text(f"14:00{DASH}14:50")
    waiting = page.locator("section", has=page.get_by_role("heading", name="Waiting for the patient"))
    expect(waiting).to_contain_text("No proposals or payments are open.")
    shoot(page, "4-appointments-booked")

    row.get_by_role("link", name="Details").click()
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    shoot(page, "5-appointment")
