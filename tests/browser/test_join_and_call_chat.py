"""The way into a video session and the chat beside it, in a phone-wide
browser (390 x 844), with a stand-in for the video app's answers
(tests/core/fake_rooms.py): "Join session" on the appointment pages and
homes of both sides, fitting the screen (and axe-core finding nothing
serious); and the compact thread the room
loads into its side panel, live over the thread's socket, its messages
reaching the other side's thread. Pages are photographed into
test-results/video-join/.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from booking.states import AppointmentStatus
from messaging.models import Message
from tests.booking.factories import AppointmentFactory
from tests.browser.helpers import screenshot, signed_in_page
from tests.browser.sweeps.pages import axe_violations
from tests.browser.test_messaging import live_server  # noqa: F401 (HTTP and WebSockets)
from tests.core.fake_rooms import install_rooms, room_path
from tests.messaging.factories_pages import conversation_between, patient_of, specialist_of
from tests.specialists.factories import OfferingFactory

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def session(org):
    """Maya's session with Dr Ana Souza, starting in five minutes: its room is open."""
    profile = specialist_of(org, display_name="Dr Ana Souza", user__timezone="Europe/Berlin")
    patient = patient_of(org, full_name="Maya Lindqvist", preferred_name="", timezone="America/New_York")
    conversation = conversation_between(patient, profile)
    offering = OfferingFactory(specialist=profile, name="Follow-up session", duration_minutes=50)
    appointment = AppointmentFactory(
        patient=patient,
        offering=offering,
        starts_at=timezone.now().replace(second=0, microsecond=0) + timedelta(minutes=5),
        status=AppointmentStatus.CONFIRMED,
    )
    return appointment, conversation


def on_a_phone(new_page, live_server, user):  # noqa: F811
    # axe is injected past the CSP (FIELD-NOTES.md, "Test tools in the browser").
    page = signed_in_page(lambda: new_page(bypass_csp=True), live_server, user)
    page.set_viewport_size(PHONE)
    return page


def assert_accessible(page):
    assert axe_violations(page) == [], page.url


def fits_the_screen(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_join_session_shows_on_the_appointment_pages_and_homes_of_both_sides(
    new_page,
    live_server,  # noqa: F811
    monkeypatch,
    session,
):
    install_rooms(monkeypatch)
    appointment, conversation = session
    patient, specialist = appointment.patient, appointment.specialist.user
    room = room_path(appointment)

    pages = [
        (patient, "/patient/appointments/", "patient-list"),
        (patient, f"/patient/appointments/{appointment.public_id}/", "patient-detail"),
        (patient, "/patient/", "patient-home"),
        (patient, f"/patient/messages/{conversation.public_id}/", "patient-thread"),
        (specialist, "/specialist/appointments/", "specialist-list"),
        (specialist, f"/specialist/appointments/{appointment.public_id}/", "specialist-detail"),
        (specialist, "/specialist/", "specialist-home"),
    ]
    for user, path, name in pages:
        page = on_a_phone(new_page, live_server, user)
        page.goto(path)
        join = page.locator(f'a[href="{room}"]', has_text="Join session").first
        expect(join).to_be_visible()
        box = join.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, name
        assert box["height"] >= 44, name  # a thumb's target
        fits_the_screen(page)
        assert_accessible(page)
        join.scroll_into_view_if_needed()
        screenshot(page, "video-join", name)
        page.context.close()


def test_the_call_chat_runs_live_inside_another_page_and_writes_into_the_thread(
    new_page,
    live_server,  # noqa: F811
    monkeypatch,
    session,
):
    install_rooms(monkeypatch)
    appointment, conversation = session
    patient, specialist = appointment.patient, appointment.specialist.user

    specialist_page = signed_in_page(new_page, live_server, specialist)
    specialist_page.goto(f"/specialist/messages/{conversation.public_id}/")
    expect(specialist_page.locator("#thread")).to_have_attribute("data-live", "true")

    # As the room does: the panel fetched with htmx into a page of its own.
    page = on_a_phone(new_page, live_server, patient)
    page.goto(f"/patient/appointments/{appointment.public_id}/")
    page.evaluate(
        "url => { const box = document.createElement('aside'); box.id = 'call-side';"
        " document.querySelector('main').append(box);"
        " return htmx.ajax('GET', url, {target: '#call-side', swap: 'innerHTML'}); }",
        f"/messages/call/{appointment.public_id}/",
    )
    chat = page.locator("#call-chat")
    expect(chat).to_have_attribute("data-live", "true")  # chat.js started on arrival, its socket open
    expect(chat.locator("h2")).to_have_text("Messages with Dr Ana Souza")

    box = chat.get_by_role("textbox", name="Write a message")
    box.fill("My camera froze, one moment")
    box.press("Enter")
    expect(chat.locator(".msg-own[data-id]", has_text="My camera froze")).to_have_count(1)
    assert page.url.endswith(f"/patient/appointments/{appointment.public_id}/")  # never left the page
    assert Message.objects.get().conversation == conversation

    # The specialist's thread receives it live; the reply comes back into the call.
    expect(specialist_page.locator(".msg-other", has_text="My camera froze")).to_be_visible()
    specialist_page.get_by_role("textbox", name="Write a message").fill("No rush")
    specialist_page.get_by_role("button", name="Send").click()
    expect(chat.locator(".msg-other", has_text="No rush")).to_be_visible()
    fits_the_screen(page)
    assert_accessible(page)
    chat.scroll_into_view_if_needed()
    screenshot(page, "video-join", "call-chat")
