"""Booking the next session after a completed one, as each side does it:
the patient taps "Book your next session" on their home (on a phone) and
lands on the free times of the same service; the specialist clicks
"Propose next session" on the session's page and finds the proposal form
with that patient and service chosen. The patient's pages at 390 px wide
and the specialist's are photographed into test-results/followup-booking/."""

import re
from datetime import time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from booking.models import AppointmentEvent
from booking.states import AppointmentStatus as S
from care.models import CareRelationship
from care.services import care_relationship_start
from messaging.models import Conversation
from organizations.models import Membership
from tests.accounts.factories import enable_totp
from tests.booking.factories import AppointmentFactory, AvailabilityRuleFactory
from tests.browser.helpers import screenshot, signed_in_page
from tests.browser.sweeps.pages import PHONE, axe_violations, phone_overflow
from tests.conftest import member
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def specialist(org):
    """Ana works every day from 08:00 to 18:00 in Berlin."""
    profile = SpecialistProfileFactory(
        organization=org, display_name="Ana Souza", user__full_name="Ana Souza", user__timezone="Europe/Berlin"
    )
    enable_totp(profile.user)
    for weekday in range(7):
        AvailabilityRuleFactory(specialist=profile, weekday=weekday, start_time=time(8), end_time=time(18))
    return profile


@pytest.fixture
def offering(specialist):
    """Listed after the first conversation: choosing it is no accident."""
    OfferingFactory(specialist=specialist, name="First conversation", duration_minutes=50, position=0)
    return OfferingFactory(specialist=specialist, name="Follow-up session", duration_minutes=50, position=1)


@pytest.fixture
def patient(org, specialist):
    user = member(org, Membership.Role.PATIENT, full_name="Maya Lindqvist", timezone="America/New_York")
    care_relationship_start(patient=user, specialist=specialist, source=CareRelationship.Source.CHOSEN)
    return user


@pytest.fixture
def session(patient, offering):
    """A Follow-up session the pair had five days ago."""
    appointment = AppointmentFactory(
        patient=patient, offering=offering, completed=True, starts_at=timezone.now() - timedelta(days=5)
    )
    AppointmentEvent.objects.create(appointment=appointment, from_status="", to_status=S.CONFIRMED)
    AppointmentEvent.objects.create(appointment=appointment, from_status=S.CONFIRMED, to_status=S.COMPLETED)
    return appointment


def test_the_patient_books_the_next_session_from_the_home_on_a_phone(new_page, live_server, patient, offering, session):
    # axe needs the CSP bypassed (FIELD-NOTES.md); the page is the same.
    page = signed_in_page(new_page, live_server, patient, bypass_csp=True)
    page.set_viewport_size(PHONE)
    page.goto("/patient/")
    card = page.locator("article.next-step-primary")
    expect(card.get_by_role("heading", name="Book your next session with Ana Souza")).to_be_visible()
    expect(card).to_contain_text("Your last session, Follow-up session, was on")
    screenshot(page, "followup-booking", "home-390")
    assert phone_overflow(page) is None
    assert axe_violations(page) == []

    card.get_by_role("button", name="Book your next session").click()
    expect(page).to_have_url(re.compile(rf"/patient/book/{offering.public_id}/$"))
    expect(page.get_by_role("heading", name="Follow-up session with Ana Souza")).to_be_visible()
    expect(page.get_by_role("heading", name="Pick a time")).to_be_visible()
    expect(page.locator("#slot-picker button.slot-time").first).to_be_visible()
    screenshot(page, "followup-booking", "book-390")


def test_the_session_and_the_appointments_offer_it_too_on_a_phone(new_page, live_server, patient, offering, session):
    page = signed_in_page(new_page, live_server, patient, bypass_csp=True)
    page.set_viewport_size(PHONE)
    book = f"/patient/book/{offering.public_id}/"
    for path, name in ((f"/patient/appointments/{session.public_id}/", "session"), ("/patient/appointments/", "list")):
        page.goto(path)
        link = page.get_by_role("button", name=re.compile("^Book your next session"))
        expect(link).to_have_attribute("href", book)
        screenshot(page, "followup-booking", f"{name}-390")
        assert phone_overflow(page) is None
        assert axe_violations(page) == []


def test_the_thread_panel_opens_the_times_of_the_same_service(new_page, live_server, patient, offering, session):
    conversation = Conversation.objects.get(relationship__patient=patient)
    page = signed_in_page(new_page, live_server, patient, bypass_csp=True)
    page.set_viewport_size(PHONE)
    page.goto(f"/patient/messages/{conversation.public_id}/")
    panel = page.locator("#thread-panel")
    expect(panel.get_by_role("heading", name="Book your next session")).to_be_visible()
    screenshot(page, "followup-booking", "thread-prompt-390")
    panel.get_by_role("button", name="Book your next session").click()
    expect(panel.get_by_role("heading", name="Book a follow-up")).to_be_visible()
    expect(panel.get_by_label("Service")).to_have_value(str(offering.public_id))
    expect(panel.locator("button.slot-chip").first).to_be_visible()
    screenshot(page, "followup-booking", "thread-times-390")
    assert phone_overflow(page) is None
    assert axe_violations(page) == []


def test_the_specialist_proposes_the_next_session_with_the_service_chosen(
    new_page, live_server, specialist, patient, offering, session
):
    page = signed_in_page(new_page, live_server, specialist.user)
    page.goto(f"/specialist/appointments/{session.public_id}/")
    expect(page.get_by_role("heading", name="The next session")).to_be_visible()
    screenshot(page, "followup-booking", "session-specialist")
    page.get_by_role("button", name="Propose next session").click()

    expect(page.get_by_role("heading", name="Propose times")).to_be_visible()
    expect(page.get_by_label("Service")).to_have_value(str(offering.public_id))
    expect(page.get_by_label("Patient", exact=True)).to_have_value(str(patient.public_id))
    expect(page.locator("#proposal-suggestions")).to_contain_text("Follow-up session")
    screenshot(page, "followup-booking", "propose")
