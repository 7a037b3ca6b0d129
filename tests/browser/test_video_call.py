"""A video call between two Chromiums with fake camera and microphone, on
loopback, through the real room (templates/video/room.html,
static/js/video/), the project's ASGI application and its signalling socket.

The patient waits and the specialist lets them in; both see the other's
moving picture (frames decoded, read from the RTCPeerConnection's stats);
blur sends the effect's canvas track; a closed and reopened page, a reload
and a dropped network path all come back to a call without a new link; a
browser without camera permission joins with audio only; an outsider gets
nothing; the specialist ends the session. Through a real coturn, the call
also connects with relay candidates only, and an expired relay credential
ends in a plain message instead of a call that waits forever.

Relay-only is forced from the test (an init script gives every
RTCPeerConnection of the page `iceTransportPolicy: "relay"`): the room
itself always lets the browser choose.
"""

import os
import re
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone
from playwright.sync_api import expect

from booking.states import AppointmentStatus
from messaging.models import Message
from messaging.services import conversation_open
from organizations.models import Membership
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, DEFAULT_TIMEOUT_MS
from tests.browser.helpers import screenshot
from tests.browser.test_messaging import live_server  # noqa: F401 (HTTP and WebSockets)
from tests.organizations.factories import MembershipFactory
from tests.video.conftest import turn_server  # noqa: F401 (a real coturn on loopback)
from tests.video.factories import patient_of, room_at, specialist_of
from tests.video.turn_server import machine_now, start_turn_server, stop_turn_server
from video.models import VideoPreference

pytestmark = pytest.mark.browser

FAKE_DEVICES = "--use-fake-device-for-media-stream"
# Answers the permission prompt with "allow"; without it headless Chromium
# refuses whatever the context was not granted.
FAKE_PROMPT = "--use-fake-ui-for-media-stream"
# On loopback a call connects in well under a second; this is for a busy machine.
CONNECT_TIMEOUT_MS = 20_000

# Every video frame the page's connection decoded (0 before there is one).
FRAMES_DECODED = """async () => {
  const pc = window.daraportCall && window.daraportCall.pc;
  if (!pc) return 0;
  let decoded = 0;
  (await pc.getStats()).forEach((report) => {
    if (report.type === "inbound-rtp" && report.kind === "video") decoded += report.framesDecoded || 0;
  });
  return decoded;
}"""
MORE_FRAMES_THAN = f"async (since) => (await ({FRAMES_DECODED})()) > since"

# The local candidate type of the pair the connection uses ("host", "relay"...).
SELECTED_CANDIDATE_TYPE = """async () => {
  const pc = window.daraportCall && window.daraportCall.pc;
  if (!pc) return null;
  const reports = new Map();
  (await pc.getStats()).forEach((report) => reports.set(report.id, report));
  const transport = [...reports.values()].find((report) => report.type === "transport");
  const pair = transport && reports.get(transport.selectedCandidatePairId);
  const local = pair && reports.get(pair.localCandidateId);
  return local ? local.candidateType : null;
}"""

# Test-side only: every RTCPeerConnection of the page uses relay candidates.
RELAY_ONLY = """(() => {
  const Native = window.RTCPeerConnection;
  function RelayOnly(configuration, ...rest) {
    return new Native({ ...(configuration || {}), iceTransportPolicy: "relay" }, ...rest);
  }
  RelayOnly.prototype = Native.prototype;
  window.RTCPeerConnection = RelayOnly;
})();"""

# Keeps every state the page shows from now on in window.seenStates.
RECORD_STATES = """() => {
  const node = document.getElementById("call-state");
  window.seenStates = [node.textContent];
  new MutationObserver(() => {
    if (window.seenStates.at(-1) !== node.textContent) window.seenStates.push(node.textContent);
  }).observe(node, { childList: true, characterData: true, subtree: true });
}"""

LOCAL_ICE_UFRAG = "() => /a=ice-ufrag:(\\S+)/.exec(window.daraportCall.pc.localDescription.sdp)[1]"


@pytest.fixture(scope="module")
def browsers(browser):
    """Two more Chromiums of the same Playwright, with fake devices: one that
    allows them, one that asks (and so refuses what a context was not
    granted)."""
    launch = browser.browser_type.launch
    allowing = launch(executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, FAKE_DEVICES, FAKE_PROMPT], headless=True)
    asking = launch(executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, FAKE_DEVICES], headless=True)
    yield {"allowing": allowing, "asking": asking}
    allowing.close()
    asking.close()


@pytest.fixture
def open_room(browsers, live_server, request):  # noqa: F811
    """`open_room(user, session, ...)`: the room in a fresh signed-in context
    (its own cookies, so its own person); `path=` opens another page."""
    from django.conf import settings
    from django.test import Client

    contexts = []

    def open_page(
        user,
        session,
        *,
        browser="allowing",
        permissions=("camera", "microphone"),
        relay_only=False,
        status=200,
        path=None,
    ):
        context = browsers[browser].new_context(
            base_url=live_server.url, viewport={"width": 1280, "height": 860}, permissions=list(permissions)
        )
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        if relay_only:
            context.add_init_script(RELAY_ONLY)
        contexts.append(context)
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
        page = context.new_page()
        if path is not None:
            assert page.goto(path).status == status
            return page
        return enter(page, session, status=status)

    yield open_page
    report = getattr(request.node, "report_call", None)
    for context in contexts:
        if report is not None and report.failed:
            for number, page in enumerate(context.pages):
                screenshot(page, "video-call", f"failed-{request.node.name}-{len(contexts)}-{number}")
        context.close()


def enter(page, session, *, status=200):
    response = page.goto(room_path(session))
    assert response.status == status
    return page


def room_path(session) -> str:
    return f"/sessions/{session.appointment.public_id}/"


@pytest.fixture
def session(transactional_db):
    """A session starting now; the patient a member of the specialist's
    organization, and the pair's thread there for the session's notices."""

    def build():
        session = room_at(timedelta(0))
        organization = session.appointment.specialist.organization
        MembershipFactory(user=patient_of(session), organization=organization, role=Membership.Role.PATIENT)
        conversation_open(relationship=session.relationship)
        return session

    return in_own_thread(build)


def in_own_thread(build):
    """`build()` in a thread of its own: Playwright keeps an event loop
    running in this one, and the services' realtime broadcasts refuse that."""

    def run():
        try:
            return build()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def call_state(page):
    return page.locator("#call-state")


def wait_for_moving_video(page) -> None:
    """Frames arrive and keep arriving: a picture that moves."""
    page.wait_for_function(MORE_FRAMES_THAN, arg=0, timeout=CONNECT_TIMEOUT_MS, polling=100)
    decoded = page.evaluate(FRAMES_DECODED)
    page.wait_for_function(MORE_FRAMES_THAN, arg=decoded, timeout=CONNECT_TIMEOUT_MS, polling=100)


def eventually(read, timeout: float = 10):
    """The first truthy `read()` within `timeout` seconds (the server's
    work after a page shows a change may still be committing)."""
    deadline = time.monotonic() + timeout
    while not (value := read()):
        assert time.monotonic() < deadline, f"{read.__doc__ or read} did not happen within {timeout} s"
        time.sleep(0.1)
    return value


def notices(session) -> list[str]:
    """The video notices in the pair's thread."""
    return [
        message.text
        for message in Message.objects.filter(
            conversation__relationship=session.relationship, kind=Message.Kind.NOTICE, verb__startswith="video."
        )
    ]


def join_and_let_in(open_room, session, *, patient_join="Join now", **patient_options):
    """The patient arrives first and waits; the specialist joins and lets
    them in; both connect. Returns (patient page, specialist page)."""
    patient = open_room(patient_of(session), session, **patient_options)
    patient.get_by_role("button", name=patient_join).click()
    expect(call_state(patient)).to_have_text("waiting")
    expect(patient.locator("#stage-overlay-text")).to_have_text("Your specialist will let you in")

    specialist = open_room(specialist_of(session), session, relay_only=patient_options.get("relay_only", False))
    patient_name = patient_of(session).display_name
    expect(specialist.locator("#call-status")).to_have_text(f"{patient_name} is waiting to be let in.")
    specialist.get_by_role("button", name="Join now").click()
    expect(specialist.locator("#stage-overlay-text")).to_have_text(f"{patient_name} is waiting")
    specialist.get_by_role("button", name="Let in").click()

    expect(call_state(specialist)).to_have_text("connected", timeout=CONNECT_TIMEOUT_MS)
    expect(call_state(patient)).to_have_text("connected", timeout=CONNECT_TIMEOUT_MS)
    return patient, specialist


def test_the_patient_waits_is_let_in_and_both_see_each_other(open_room, session):
    name = patient_of(session).display_name
    # The specialist has the waiting room open in their portal.
    specialist = open_room(specialist_of(session), session, path="/specialist/waiting/")
    expect(specialist.locator("#waiting-list")).to_contain_text("Nobody is waiting")

    patient = open_room(patient_of(session), session)
    patient.get_by_role("button", name="Join now").click()
    expect(call_state(patient)).to_have_text("waiting")
    expect(patient.locator("#stage-overlay-text")).to_have_text("Your specialist will let you in")
    screenshot(patient, "video-call", "waiting-patient")

    # It shows the patient at once (the lobby socket), with a way in.
    expect(specialist.locator("#waiting-list")).to_contain_text(name)
    expect(specialist.get_by_role("button", name=f"Let in {name}")).to_be_visible()
    enter(specialist, session)
    expect(specialist.locator("#call-status")).to_have_text(f"{name} is waiting to be let in.")
    specialist.get_by_role("button", name="Join now").click()
    specialist.get_by_role("button", name="Let in").click()
    expect(call_state(specialist)).to_have_text("connected", timeout=CONNECT_TIMEOUT_MS)
    expect(call_state(patient)).to_have_text("connected", timeout=CONNECT_TIMEOUT_MS)

    wait_for_moving_video(patient)
    wait_for_moving_video(specialist)
    expect(patient.locator("#call-status")).to_have_text(
        f"You are in the session with {session.appointment.specialist.display_name}."
    )
    expect(specialist.locator("#reconnecting")).to_be_hidden()
    screenshot(patient, "video-call", "connected-patient")
    screenshot(specialist, "video-call", "connected-specialist")

    session.appointment.refresh_from_db()
    assert session.appointment.status == AppointmentStatus.IN_PROGRESS
    assert eventually(lambda: notices(session)) == ["Session started"]


def test_blur_sends_the_effects_canvas_and_the_other_side_still_sees_it(open_room, session):
    patient, specialist = join_and_let_in(open_room, session)
    wait_for_moving_video(specialist)

    patient.get_by_text("Camera, microphone and background").click()
    patient.get_by_label("Background").select_option("blur")
    # The sent track is the effect's canvas, and the model is working on it.
    patient.wait_for_function(
        """() => {
          const call = window.daraportCall;
          const sender = call.pc.getSenders().find((s) => s.track && s.track.kind === "video");
          return sender && sender.track === call.background.canvasTrack && call.background.canvasTrack.readyState === "live";
        }"""
    )
    patient.wait_for_function(
        "() => { const s = window.daraportCall.background.stats; return s.mode === 'blur' && s.ready && s.msPerFrame !== null; }",
        timeout=CONNECT_TIMEOUT_MS,
    )
    stats = patient.evaluate("window.daraportCall.background.stats")
    assert (stats["width"], stats["height"]) == (640, 360)
    wait_for_moving_video(specialist)
    expect(call_state(specialist)).to_have_text("connected")
    assert eventually(lambda: VideoPreference.objects.filter(user=patient_of(session), background="blur").exists())
    screenshot(patient, "video-call", "blur-patient")
    screenshot(specialist, "video-call", "blur-specialist")


def test_a_closed_and_reopened_page_and_a_reload_get_back_into_the_call(open_room, session):
    patient, specialist = join_and_let_in(open_room, session)
    wait_for_moving_video(patient)

    # The specialist closes the tab: the patient sees them drop out.
    context = specialist.context
    specialist.close()
    expect(call_state(patient)).to_have_text("reconnecting")
    expect(patient.locator("#reconnecting")).to_be_visible()
    screenshot(patient, "video-call", "reconnecting-patient")

    # ...and opens the same address again: a new tab starts at the prejoin.
    specialist = enter(context.new_page(), session)
    specialist.get_by_role("button", name="Join now").click()
    expect(call_state(specialist)).to_have_text("connected", timeout=CONNECT_TIMEOUT_MS)
    expect(call_state(patient)).to_have_text("connected", timeout=CONNECT_TIMEOUT_MS)
    wait_for_moving_video(patient)
    wait_for_moving_video(specialist)

    # The patient reloads: the tab goes straight back in, and the
    # specialist saw "reconnecting" (however briefly) on the way.
    specialist.evaluate(RECORD_STATES)
    patient.reload()
    expect(call_state(patient)).to_have_text("connected", timeout=CONNECT_TIMEOUT_MS)
    expect(call_state(specialist)).to_have_text("connected", timeout=CONNECT_TIMEOUT_MS)
    assert "reconnecting" in specialist.evaluate("window.seenStates"), specialist.evaluate("window.seenStates")
    wait_for_moving_video(patient)
    wait_for_moving_video(specialist)


def test_a_network_outage_restarts_ice_and_the_call_comes_back(open_room, session, settings):
    """The relay both sides use stops answering for a while (a network
    change as the browsers see it): both show "reconnecting", the room
    restarts ICE on the same connection, and the call comes back."""
    turn = start_turn_server()  # its own: this test pauses it
    try:
        use_relay(settings, turn)
        patient, specialist = join_and_let_in(open_room, session, relay_only=True)
        wait_for_moving_video(patient)
        connection = specialist.evaluate_handle("window.daraportCall.pc")
        ufrag = specialist.evaluate(LOCAL_ICE_UFRAG)

        os.kill(turn.process.pid, signal.SIGSTOP)
        try:
            expect(call_state(patient)).to_have_text("reconnecting", timeout=CONNECT_TIMEOUT_MS)
            expect(call_state(specialist)).to_have_text("reconnecting", timeout=CONNECT_TIMEOUT_MS)
            expect(specialist.locator("#reconnecting")).to_be_visible()
            # The room asked for new ICE credentials (an ICE restart offer).
            specialist.wait_for_function(f"(before) => ({LOCAL_ICE_UFRAG})() !== before", arg=ufrag)
        finally:
            os.kill(turn.process.pid, signal.SIGCONT)

        expect(call_state(patient)).to_have_text("connected", timeout=CONNECT_TIMEOUT_MS)
        expect(call_state(specialist)).to_have_text("connected", timeout=CONNECT_TIMEOUT_MS)
        # Restarted in place: the same connection, no new link, no reload.
        assert specialist.evaluate("(pc) => pc === window.daraportCall.pc", connection)
        wait_for_moving_video(patient)
        wait_for_moving_video(specialist)
    finally:
        stop_turn_server(turn)


def test_a_browser_without_camera_permission_joins_with_audio_only(open_room, session):
    patient, specialist = join_and_let_in(
        open_room, session, patient_join="Join with audio only", browser="asking", permissions=["microphone"]
    )
    # (The guidance itself is the room UI test's; here it is the way in.)
    expect(patient.locator("#camera-live")).to_have_text("Camera off")
    wait_for_moving_video(patient)  # the specialist's camera
    expect(specialist.locator("#peer-camera-off")).to_be_visible()


def test_an_outsider_gets_no_room_and_no_socket(open_room, session):
    patient = open_room(patient_of(session), session)
    patient.get_by_role("button", name="Join now").click()
    expect(call_state(patient)).to_have_text("waiting")

    # Another patient of the same organization, signed in, with the address.
    outsider = in_own_thread(lambda: MembershipFactory(organization=session.appointment.specialist.organization).user)
    page = open_room(outsider, session, status=404)
    assert page.locator("#video-room").count() == 0
    # From a page of the site (the same origin a room would have):
    answer = page.evaluate(
        """(path) => new Promise((resolve) => {
          const ws = new WebSocket(`ws://${location.host}${path}`);
          const frames = [];
          let opened = false;
          ws.onopen = () => { opened = true; };
          ws.onmessage = (event) => frames.push(event.data);
          ws.onclose = (event) => resolve({ opened, frames, code: event.code });
        })""",
        f"/ws/video/{session.appointment.public_id}/",
    )
    assert answer["opened"] is False and answer["frames"] == [], answer
    # The patient in the waiting room noticed nothing.
    expect(call_state(patient)).to_have_text("waiting")
    expect(patient.locator("#stage-overlay-text")).to_have_text("Your specialist will let you in")


def test_the_specialist_ends_the_session_for_both(open_room, session):
    patient, specialist = join_and_let_in(open_room, session)
    wait_for_moving_video(patient)

    specialist.get_by_text("End session").click()
    specialist.get_by_role("button", name="Yes, end the session").click()
    expect(specialist).to_have_url(re.compile(rf"/specialist/appointments/{session.appointment.public_id}/"))
    expect(call_state(patient)).to_have_text("ended")
    expect(patient.locator("#ended-text")).to_have_text(
        "The specialist ended the session. Nothing of the call was recorded."
    )
    screenshot(patient, "video-call", "ended-patient")

    session.appointment.refresh_from_db()
    assert session.appointment.status == AppointmentStatus.COMPLETED
    texts = eventually(lambda: notices(session) if len(notices(session)) == 2 else None)
    assert texts[0] == "Session started"
    assert re.fullmatch(r"Session ended \(\d+ min\)", texts[1]), texts


def use_relay(settings, turn, *, ttl_seconds=3600):
    """The rooms hand out credentials for `turn`, valid for `ttl_seconds`
    by the machine's clock (coturn's), whatever this process's says."""
    settings.VIDEO_STUN_URLS = []
    settings.VIDEO_TURN_URLS = [turn.url]
    settings.TURN_SECRET = turn.secret
    settings.TURN_TTL_SECONDS = ttl_seconds + round((machine_now() - timezone.now()).total_seconds())


def test_relay_candidates_only_connect_through_turn(open_room, session, settings, turn_server):  # noqa: F811
    use_relay(settings, turn_server)
    patient, specialist = join_and_let_in(open_room, session, relay_only=True)
    wait_for_moving_video(patient)
    wait_for_moving_video(specialist)
    assert patient.evaluate(SELECTED_CANDIDATE_TYPE) == "relay"
    assert specialist.evaluate(SELECTED_CANDIDATE_TYPE) == "relay"


def test_an_expired_relay_credential_ends_in_a_message_not_a_wait(open_room, session, settings, turn_server):  # noqa: F811
    use_relay(settings, turn_server, ttl_seconds=-60)
    patient = open_room(patient_of(session), session, relay_only=True)
    # Before joining, the connection check already says it.
    expect(patient.locator("#connection-check")).to_have_attribute("data-result", "problem", timeout=CONNECT_TIMEOUT_MS)
    expect(patient.locator("#connection-check")).to_contain_text("found no network route for video")
    patient.get_by_role("button", name="Join now").click()
    specialist = open_room(specialist_of(session), session, relay_only=True)
    specialist.get_by_role("button", name="Join now").click()
    specialist.get_by_role("button", name="Let in").click()
    expect(call_state(patient)).to_have_text("connecting")
    expect(call_state(specialist)).to_have_text("connecting")

    # No candidate at all, so ICE stays "new" for good: the room's own
    # timer (20 s) turns that into words, on both sides.
    for page in (patient, specialist):
        problem = page.locator("#call-problem")
        expect(problem).to_be_visible(timeout=25_000)
        expect(problem).to_contain_text("The call is taking long to connect")
    assert patient.evaluate("window.daraportCall.pc.iceConnectionState") == "new"
    screenshot(patient, "video-call", "relay-refused-patient")
