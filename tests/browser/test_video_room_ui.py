"""The video room's own page, before and around the call, in Chromium with
fake camera and microphone: the prejoin shows the person's preview, level
meter, devices and name as the other side sees it, and the connection check
gives a plain answer; a browser that refuses the camera gets the guidance
for its error and browser, and joins with audio only; on a phone the room
fits without scrolling sideways, its controls big enough for a finger, and
axe-core finds nothing serious. The call between two browsers has its own
tests; here the room is served by the real view and the project's ASGI
application. Pages are photographed into test-results/video-room/.
"""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, DEFAULT_TIMEOUT_MS
from tests.browser.helpers import screenshot
from tests.browser.sweeps.pages import axe_violations, small_touch_targets
from tests.browser.test_messaging import live_server  # noqa: F401 (HTTP and WebSockets)
from tests.video.factories import patient_of, room_at, specialist_of

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}
FAKE_DEVICES = "--use-fake-device-for-media-stream"
# Answers the browser's permission prompt with "allow"; without it, headless
# Chromium refuses whatever the context was not granted (NotAllowedError).
FAKE_PROMPT = "--use-fake-ui-for-media-stream"


@pytest.fixture(scope="module")
def browsers(browser):
    """Two more Chromiums of the same Playwright, with fake devices: one that
    allows them, one that asks (and so refuses what the context was not
    granted)."""
    launch = browser.browser_type.launch
    allowing = launch(executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, FAKE_DEVICES, FAKE_PROMPT], headless=True)
    asking = launch(executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, FAKE_DEVICES], headless=True)
    yield {"allowing": allowing, "asking": asking}
    allowing.close()
    asking.close()


@pytest.fixture
def open_room(browsers, live_server, request):  # noqa: F811
    """`open_room(user, session, ...)`: the room in a fresh signed-in context."""
    from django.conf import settings
    from django.test import Client

    contexts = []

    def open_page(user, session, *, browser="allowing", permissions=("camera", "microphone"), viewport=DESKTOP):
        context = browsers[browser].new_context(
            base_url=live_server.url, viewport=viewport, permissions=list(permissions), bypass_csp=True
        )
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
        page = context.new_page()
        response = page.goto(f"/sessions/{session.appointment.public_id}/")
        assert response.status == 200
        return page

    yield open_page
    report = getattr(request.node, "report_call", None)
    for context in contexts:
        if report is not None and report.failed:
            for number, page in enumerate(context.pages):
                screenshot(page, "video-room", f"failed-{request.node.name}-{number}")
        context.close()


@pytest.fixture
def session(transactional_db):
    return room_at(timedelta(minutes=3))


def sideways_scroll(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_prejoin_shows_the_preview_the_devices_and_the_name_the_other_side_sees(open_room, session):
    page = open_room(patient_of(session), session)
    me = patient_of(session).display_name

    expect(page.locator("#call-state")).to_have_text("prejoin")
    expect(page.locator("#camera-status")).to_have_text("Camera: working")
    expect(page.locator("#mic-status")).to_have_text("Microphone: working")
    expect(page.locator("#prejoin")).to_contain_text(f"will see you as {me}")
    expect(page.get_by_role("button", name="Join now")).to_be_enabled()
    expect(page.locator("#camera-live")).to_have_text("Camera live")
    expect(page.locator("#device-guidance")).to_be_hidden()
    # The preview plays the camera; the device lists are filled and labelled.
    page.wait_for_function("document.getElementById('self-video').videoWidth > 0")
    expect(page.get_by_label("Camera", exact=True).locator("option")).not_to_have_count(0)
    expect(page.get_by_label("Microphone", exact=True)).to_be_enabled()
    expect(page.get_by_label("Background")).to_have_value("none")
    # The connection check ends in a plain sentence, whatever the answer.
    expect(page.locator("#connection-check")).not_to_have_attribute("data-result", "checking", timeout=15_000)
    assert page.locator("#connection-check").inner_text().startswith("Connection check: ")
    screenshot(page, "video-room", "prejoin-patient-1280")
    assert axe_violations(page) == [], page.url


def test_a_browser_without_camera_permission_sees_the_guidance_and_joins_with_audio_only(open_room, session):
    page = open_room(patient_of(session), session, browser="asking", permissions=["microphone"])

    guidance = page.locator("#device-guidance")
    expect(guidance).to_be_visible()
    expect(guidance).to_contain_text("Your browser is blocking the camera or microphone for this page")
    # Headless Chromium names itself Chrome: its steps, and only those, show.
    expect(guidance.locator("[data-error='NotAllowedError'] [data-browser='chrome']")).to_be_visible()
    expect(guidance.locator("[data-error='NotAllowedError'] [data-browser='firefox']")).to_be_hidden()
    expect(page.locator("#camera-status")).to_have_text("Camera: blocked by the browser")
    expect(page.locator("#mic-status")).to_have_text("Microphone: working")
    expect(page.get_by_role("button", name="Join now")).to_be_hidden()
    screenshot(page, "video-room", "guidance-camera-blocked-1280")
    assert axe_violations(page) == [], page.url

    page.get_by_role("button", name="Join with audio only").click()
    expect(page.locator("#call-state")).not_to_have_text("prejoin")
    expect(page.locator("#prejoin")).to_be_hidden()
    expect(page.locator("#camera-live")).to_have_text("Camera off")
    expect(page.locator("#mic-live")).to_have_text("Microphone live")


def test_a_browser_refusing_both_devices_says_so_for_each(open_room, session):
    page = open_room(patient_of(session), session, browser="asking", permissions=[])

    expect(page.locator("#camera-status")).to_have_text("Camera: blocked by the browser")
    expect(page.locator("#mic-status")).to_have_text("Microphone: blocked by the browser")
    expect(page.locator("#device-guidance [data-error='NotAllowedError']")).to_be_visible()
    expect(page.get_by_role("button", name="Try again")).to_be_visible()
    expect(page.locator("#call-status")).to_have_text(
        "Fix the problem below, or join without the device that does not work."
    )


@pytest.mark.parametrize("side", ["patient", "specialist"])
def test_the_room_fits_a_phone_before_and_after_joining(open_room, session, side):
    user = patient_of(session) if side == "patient" else specialist_of(session)
    page = open_room(user, session, viewport=PHONE)
    expect(page.get_by_role("button", name="Join now")).to_be_enabled()
    page.wait_for_function("document.getElementById('self-video').videoWidth > 0")

    assert sideways_scroll(page) <= 0
    assert small_touch_targets(page, 44) == []
    screenshot(page, "video-room", f"prejoin-{side}-390")
    assert axe_violations(page) == [], page.url

    page.get_by_role("button", name="Join now").click()
    expect(page.locator("#call-controls")).to_be_visible()
    expect(page.get_by_role("button", name="Mute")).to_be_visible()
    assert sideways_scroll(page) <= 0
    assert small_touch_targets(page, 44) == []
    screenshot(page, "video-room", f"joined-{side}-390")
    assert axe_violations(page) == [], page.url

    # Muting and turning the camera off show at once in the live indicator.
    page.get_by_role("button", name="Mute").click()
    expect(page.locator("#mic-live")).to_have_text("Microphone off")
    page.get_by_role("button", name="Camera off").click()
    expect(page.locator("#camera-live")).to_have_text("Camera off")
    expect(page.get_by_role("button", name="Camera on")).to_be_visible()
    expect(page.get_by_role("button", name="Unmute")).to_be_visible()
