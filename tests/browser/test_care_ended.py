"""Care ends while both sides have the thread open: at once, without a
reload, each loses the composer and the panel's actions and reads why; the
history stays. On a phone the read-only thread fits the screen. Pages are
photographed into test-results/care-ended/."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from playwright.sync_api import expect

from care.services import care_relationship_end
from tests.booking.factories import AppointmentFactory
from tests.browser.helpers import screenshot, signed_in_page
from tests.browser.test_messaging import live_server  # noqa: F401  (the ASGI server, with sockets)
from tests.messaging.factories_pages import conversation_between, patient_of, specialist_of
from tests.specialists.factories import OfferingFactory

pytestmark = pytest.mark.browser


def end_care(relationship, by) -> None:
    """As a request would: in a thread of its own (the broadcast after
    commit cannot run beside Playwright's event loop in this one)."""

    def body():
        try:
            care_relationship_end(relationship=relationship, by=by)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(body).result()


def test_ending_care_turns_both_open_threads_read_only_at_once(new_page, live_server, org):  # noqa: F811
    profile = specialist_of(org, display_name="Dr Ana Souza")
    patient = patient_of(org, full_name="Maya Lindqvist")
    conversation = conversation_between(patient, profile)
    AppointmentFactory(patient=patient, offering=OfferingFactory(specialist=profile, name="Follow-up session"))
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

    end_care(conversation.relationship, profile.user)

    for portal, (page, other) in pages.items():
        expect(page.locator("#message-form")).to_have_count(0)
        expect(page.locator(".thread-closed")).to_have_text(
            f"This conversation is read-only because your care with {other} ended."
        )
        expect(page.locator("#panel-ended")).to_contain_text("Care ended on")
        expect(page.locator("#thread")).to_have_attribute("data-live", "false")
        expect(page.get_by_text("Thank you for everything.")).to_be_visible()  # the history stays
        screenshot(page, "care-ended", f"{portal}-live")
    expect(pages["specialist"][0].get_by_role("button", name="Accept this time")).to_have_count(0)
    expect(pages["specialist"][0].get_by_role("button", name="Propose times")).to_have_count(0)
    expect(patient_page.get_by_role("button", name="Book a follow-up")).to_have_count(0)

    # Opened afresh on a phone: read-only, and nothing scrolls sideways.
    for portal, (page, _other) in pages.items():
        page.set_viewport_size({"width": 390, "height": 844})
        page.reload()
        expect(page.locator(".thread-closed")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        screenshot(page, "care-ended", f"{portal}-phone")
