"""The specialist ends care from the thread while both sides have it open:
at once, without a reload, each loses the composer and the panel's actions
and reads why; the history stays. Care with a session still ahead does not
end. On a phone the read-only thread fits the screen. Pages are
photographed into test-results/care-ended/."""

import pytest
from playwright.sync_api import expect

from booking.models import Appointment
from booking.states import AppointmentStatus
from tests.booking.factories import AppointmentFactory
from tests.browser.helpers import screenshot, signed_in_page
from tests.browser.test_messaging import live_server  # noqa: F401  (the ASGI server, with sockets)
from tests.messaging.factories_pages import conversation_between, patient_of, specialist_of
from tests.specialists.factories import OfferingFactory

pytestmark = pytest.mark.browser


def test_ending_care_turns_both_open_threads_read_only_at_once(new_page, live_server, org):  # noqa: F811
    profile = specialist_of(org, display_name="Dr Ana Souza")
    patient = patient_of(org, full_name="Maya Lindqvist")
    conversation = conversation_between(patient, profile)
    ahead = AppointmentFactory(patient=patient, offering=OfferingFactory(specialist=profile, name="Follow-up session"))
    pages = {
        "patient": (signed_in_page(new_page, live_server, patient), "Dr Ana Souza"),
        "specialist": (signed_in_page(new_page, live_server, profile.user), "Maya Lindqvist"),
    }
    for portal, (page, _other) in pages.items():
        page.goto(f"/{portal}/messages/{conversation.public_id}/")
        expect(page.locator("#thread")).to_have_attribute("data-live", "true")
        expect(page.locator("#message-form")).to_be_visible()
    patient_page, _ = pages["patient"]
    patient_page.get_by_role("textbox", name="Write a message").fill("Thank you for everything.")
    patient_page.get_by_role("button", name="Send").click()
    expect(pages["specialist"][0].locator(".msg-other", has_text="Thank you")).to_be_visible()

    specialist_page = pages["specialist"][0]
    specialist_page.locator("#panel-end-care summary").click()
    screenshot(specialist_page, "care-ended", "specialist-end-care")
    specialist_page.get_by_role("button", name="End care").click()
    expect(specialist_page.locator(".panel-error")).to_contain_text("Cancel them first, then end care.")
    Appointment.objects.filter(pk=ahead.pk).update(status=AppointmentStatus.DECLINED)  # answered meanwhile
    specialist_page.locator("#panel-end-care summary").click()
    specialist_page.get_by_role("button", name="End care").click()

    for portal, (page, other) in pages.items():
        expect(page.locator("#message-form")).to_have_count(0)
        expect(page.locator(".thread-closed")).to_have_text(
            f"This conversation is read-only because your care with {other} ended."
        )
        expect(page.locator("#panel-ended")).to_contain_text("Care ended on")
        expect(page.locator(".thread-header")).to_have_text(f"{other} Care ended")  # no more "Live"
        expect(page.get_by_text("Thank you for everything.")).to_be_visible()  # the history stays
        screenshot(page, "care-ended", f"{portal}-live")
    expect(patient_page.locator("#thread")).to_have_attribute("data-live", "false")  # live, no reload
    expect(specialist_page.get_by_text("Care ended. You can both still read this conversation.")).to_be_visible()
    expect(specialist_page.locator("#panel-end-care")).to_have_count(0)
    expect(specialist_page.get_by_role("button", name="Accept this time")).to_have_count(0)
    expect(specialist_page.get_by_role("button", name="Propose times")).to_have_count(0)
    expect(patient_page.get_by_role("button", name="Book a follow-up")).to_have_count(0)

    # Opened afresh on a phone: read-only, and nothing scrolls sideways.
    for portal, (page, other) in pages.items():
        page.set_viewport_size({"width": 390, "height": 844})
        page.reload()
        expect(page.locator(".thread-closed")).to_be_visible()
        expect(page.locator(".thread-header")).to_have_text(f"{other} Care ended")
        expect(page.get_by_text("Live", exact=True)).to_have_count(0)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        screenshot(page, "care-ended", f"{portal}-phone")
        page.goto(f"/{portal}/messages/")
        expect(page.locator(".inbox-item", has_text=other)).to_contain_text("Ended")
        screenshot(page, "care-ended", f"{portal}-inbox-phone")
