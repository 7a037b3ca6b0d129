"""No dead ends when something is due before booking: the time picked is
held, the patient is carried through the guided flow and comes back to
confirm it, from a profile (a consent, a form) and from a thread's side
panel; a hold that ran out meanwhile comes back as the nearest free times.
A booking made before payments existed says truthfully what happens.
The pages are photographed into test-results/booking-detours/."""

import re
from datetime import time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from booking.models import Appointment
from booking.states import AppointmentStatus
from consents.models import RequiredBefore
from organizations.models import Membership
from tests.booking.factories import AppointmentFactory, AvailabilityRuleFactory
from tests.browser.helpers import screenshot, signed_in_page
from tests.conftest import member
from tests.consents.factories_patient import published_document, published_form
from tests.messaging.factories_pages import conversation_between
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def specialist(org):
    """Lena works every day from 08:00 to 18:00 in Berlin."""
    profile = SpecialistProfileFactory(organization=org, display_name="Lena Berg", user__timezone="Europe/Berlin")
    for weekday in range(7):
        AvailabilityRuleFactory(specialist=profile, weekday=weekday, start_time=time(8), end_time=time(18))
    return profile


@pytest.fixture
def offering(specialist):
    return OfferingFactory(specialist=specialist, name="First conversation", duration_minutes=50, price_minor=9000)


@pytest.fixture
def patient(org):
    return member(org, Membership.Role.PATIENT, timezone="America/New_York", full_name="Alex Doe")


@pytest.fixture
def privacy(specialist):
    """Lena's own privacy notice, due before booking with her."""
    return published_document(
        organization=specialist.organization,
        specialist=specialist,
        title="Privacy notice",
        summary="Lena keeps your notes private and shares nothing without your consent.",
        required_before=RequiredBefore.BOOKING,
    )


def shoot(page, name):
    screenshot(page, "booking-detours", name)


def on_a_phone(page):
    page.set_viewport_size(PHONE)
    return page


def fits_the_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways"


def sign(page):
    page.get_by_label("Type your full name").fill("Alex Doe")
    page.get_by_label("I have read and agree to this document.").check()
    page.get_by_role("button", name="Sign").click()


def pick_first_time(page):
    first = page.locator("button.slot-time").first
    picked = first.get_attribute("value")
    first.click()
    return picked


def test_a_consent_due_before_booking_from_a_profile(new_page, live_server, patient, specialist, offering, privacy):
    page = signed_in_page(new_page, live_server, patient)
    page.goto(f"/specialists/{specialist.slug}/")
    page.locator("li.dir-offering", has_text="First conversation").get_by_role(
        "button", name=re.compile("^Book")
    ).click()
    expect(page.get_by_text("Before booking with Lena Berg, please sign: Privacy notice.")).to_be_visible()
    shoot(page, "1-book-with-something-due")
    picked = pick_first_time(page)

    # Into the flow, the time held: it says so, with the way back.
    expect(page.get_by_role("heading", name="Privacy notice", level=1)).to_be_visible()
    expect(page.locator(".flow-return")).to_contain_text(re.compile(r"Your time is held until \d\d:\d\d\."))
    expect(page.locator(".flow-return").get_by_role("link", name="Back to your booking")).to_be_visible()
    hold = Appointment.objects.get(patient=patient)
    assert (hold.status, hold.starts_at.isoformat()) == (AppointmentStatus.HELD, picked)
    shoot(page, "2-flow-with-the-time-held")

    # The home and the appointments list show it, with "Continue".
    home = signed_in_page(new_page, live_server, patient)
    home.goto("/patient/")
    expect(home.get_by_text("Not booked yet:")).to_be_visible()
    expect(home.get_by_role("button", name="Continue")).to_have_attribute(
        "href", f"/patient/appointments/{hold.public_id}/"
    )
    shoot(home, "3-home-continue")
    home.goto("/patient/appointments/")
    expect(home.get_by_role("button", name="Continue")).to_be_visible()
    home.context.close()

    sign(page)
    expect(page.get_by_text("We are holding this time for you")).to_be_visible()
    expect(page.get_by_role("button", name="Confirm booking")).to_be_visible()
    shoot(page, "4-back-to-confirm")
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.locator(".pb-title .pb-status")).to_have_text("Confirmed")
    hold.refresh_from_db()
    assert hold.status == AppointmentStatus.CONFIRMED


def test_a_form_due_before_booking_on_a_phone(new_page, live_server, org, patient, specialist, offering):
    eligibility = published_form(organization=org, title="Eligibility", required_before=RequiredBefore.BOOKING)
    eligibility.form.offerings.add(offering)
    page = on_a_phone(signed_in_page(new_page, live_server, patient))
    page.goto(f"/patient/book/{offering.public_id}/")
    fits_the_phone(page)
    pick_first_time(page)

    expect(page.get_by_role("heading", name="Eligibility", level=1)).to_be_visible()
    expect(page.locator(".flow-return")).to_contain_text("Your time is held until")
    fits_the_phone(page)
    shoot(page, "5-phone-form-with-the-time-held")
    page.get_by_label("What brings you here?").fill("Trouble sleeping.")
    page.locator("fieldset").get_by_text("Yes", exact=True).first.click()
    page.get_by_role("button", name="Submit").click()

    expect(page.get_by_role("button", name="Confirm booking")).to_be_visible()
    fits_the_phone(page)
    shoot(page, "6-phone-back-to-confirm")
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.locator(".pb-title .pb-status")).to_have_text("Confirmed")


def test_a_consent_due_before_a_follow_up_from_the_thread(new_page, live_server, patient, specialist, privacy):
    offering = OfferingFactory(specialist=specialist, name="Follow-up session", duration_minutes=50, price_minor=8000)
    conversation = conversation_between(patient, specialist)
    page = signed_in_page(new_page, live_server, patient)
    page.goto(f"/patient/messages/{conversation.public_id}/")
    page.get_by_role("button", name="Book a follow-up").click()
    panel = page.locator("#panel-book")
    expect(panel).to_contain_text("Before booking, please complete:")
    expect(panel).to_contain_text("Privacy notice")
    shoot(page, "7-thread-something-due")
    panel.locator(".slot-chip").first.click()

    expect(page.get_by_role("heading", name="Privacy notice", level=1)).to_be_visible()
    expect(page.locator(".flow-return")).to_contain_text("Your time is held until")
    expect(page.locator(".flow-return")).to_contain_text("Back to your conversation with Lena Berg")
    shoot(page, "8-thread-flow")
    on_a_phone(page)
    sign(page)

    expect(page).to_have_url(re.compile(rf"/patient/messages/{conversation.public_id}/book/\?hold=.+#panel-hold$"))
    hold = page.locator("#panel-hold")
    expect(hold).to_contain_text("Confirm your booking")
    # On a phone the panel sits below the conversation: the page lands on it.
    expect(hold).to_be_in_viewport()
    expect(hold).to_be_focused()
    fits_the_phone(page)
    shoot(page, "9-phone-thread-back-to-confirm")
    hold.get_by_role("button", name="Confirm booking").click()
    expect(page.locator(".panel-done")).to_contain_text("Booked.")
    booked = Appointment.objects.get(patient=patient)
    assert (booked.status, booked.offering) == (AppointmentStatus.CONFIRMED, offering)


def test_a_hold_that_ran_out_during_the_flow_comes_back_as_the_nearest_times(
    new_page, live_server, patient, offering, privacy
):
    page = signed_in_page(new_page, live_server, patient)
    page.goto(f"/patient/book/{offering.public_id}/")
    picked = pick_first_time(page)
    expect(page.get_by_role("heading", name="Privacy notice", level=1)).to_be_visible()
    # The patient takes longer than the hold lasts.
    Appointment.objects.filter(patient=patient).update(expires_at=timezone.now() - timedelta(minutes=1))
    sign(page)

    expect(page.get_by_role("heading", name="This hold has run out")).to_be_visible()
    nearest = page.locator(".slot-nearest .slot-time")
    expect(nearest.first).to_be_visible()
    expect(page.locator(f".slot-nearest .slot-time[value='{picked}']")).to_have_count(1)  # nobody took it
    shoot(page, "10-hold-ran-out")
    page.locator(f".slot-nearest .slot-time[value='{picked}']").click()

    expect(page.get_by_text("We are holding this time for you")).to_be_visible()
    # It runs out again while the page is open: "Confirm booking" offers the nearest times.
    Appointment.objects.filter(status=AppointmentStatus.HELD).update(expires_at=timezone.now() - timedelta(minutes=1))
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_role("heading", name="This time is no longer held for you")).to_be_visible()
    shoot(page, "11-hold-gone-on-confirm")
    page.locator(f".slot-nearest .slot-time[value='{picked}']").click()
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.locator(".pb-title .pb-status")).to_have_text("Confirmed")
    assert Appointment.objects.get(status=AppointmentStatus.CONFIRMED).starts_at.isoformat() == picked


def test_a_request_keeps_its_time_through_the_flow(new_page, live_server, patient, specialist, privacy):
    couples = OfferingFactory(specialist=specialist, name="Couples session", duration_minutes=80, on_request=True)
    page = signed_in_page(new_page, live_server, patient)
    page.goto(f"/patient/book/{couples.public_id}/")
    expect(page.get_by_text("we keep it for your request while you see to this")).to_be_visible()
    picked = pick_first_time(page)
    expect(page.locator(".flow-return")).to_contain_text("Nothing is sent to Lena Berg until you send your request.")
    assert not Appointment.objects.exists()
    sign(page)

    expect(page.get_by_role("heading", name=re.compile("^Your request: "))).to_be_visible()
    shoot(page, "12-request-back-to-send")
    page.get_by_role("button", name="Send request").click()
    expect(page.locator(".pb-title .pb-status")).to_have_text("Waiting for confirmation")
    requested = Appointment.objects.get()
    assert (requested.status, requested.starts_at.isoformat()) == (AppointmentStatus.REQUESTED, picked)


def test_a_booking_awaiting_a_payment_nobody_can_make_says_so(new_page, live_server, patient, offering):
    appointment = AppointmentFactory(
        patient=patient,
        offering=offering,
        awaiting_payment=True,
        starts_at=timezone.now() + timedelta(days=3),
        expires_at=timezone.now() + timedelta(hours=20),
    )
    page = on_a_phone(signed_in_page(new_page, live_server, patient))
    page.goto(f"/patient/appointments/{appointment.public_id}/")
    expect(page.get_by_text("This time is reserved for you, but not confirmed yet.")).to_be_visible()
    # No thread with Lena yet (care starts with a first confirmed booking): no promise of one.
    expect(page.get_by_text(re.compile("message Lena Berg"))).to_have_count(0)
    expect(page.get_by_text("You do not need to do anything.", exact=False)).to_be_visible()
    expect(page.get_by_text(re.compile("pay now|please pay", re.IGNORECASE))).to_have_count(0)
    fits_the_phone(page)
    shoot(page, "13-phone-reserved-not-confirmed")
    page.get_by_role("link", name="Cancel it below").click()
    expect(page.get_by_role("button", name="Cancel session")).to_be_in_viewport()  # the form opens there
    page.goto("/patient/")
    expect(page.get_by_text("is reserved, not confirmed yet")).to_be_visible()
    shoot(page, "14-phone-home-reserved")
