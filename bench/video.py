"""Video sessions on loopback in headless Chromium with fake camera and
microphone, through the real room, the project's ASGI application (uvicorn
in a thread of this process) and its signalling socket.

`make bench` runs this in the same throw-away database (SQLite or
PostgreSQL). On its own:

    DJANGO_SETTINGS_MODULE=daraport.settings.test python -m bench.video

Reported:
- time to connected: BENCH_VIDEO_JOINS (20) fresh sessions, one after the
  other. The patient is in the waiting room and the specialist in the room;
  the clock starts when the specialist clicks "Let in" and stops when both
  pages show `connected`, then when both have drawn the other's first
  picture (with the specialist's offer and the patient's answer on the way).
  p50/p95/max in milliseconds, from the pages' own clocks
  (performance.timeOrigin + now(), one machine).
- signalling frames per join: every frame of the room's socket, counted in
  both pages (client to server by kind, server to client by type) from
  opening the room until both have gathered every candidate; and how many
  of the signals sent reached the other page.
- CPU of the patient's Chromium in a call (its camera at 1280x720, sent to
  a second Chromium): process CPU time from /proc over BENCH_VIDEO_SECONDS
  (20) with the background shown, blurred as the room adapts it, and blurred
  held at 640x360 (the effect's first step, 24 frames a second wanted);
  for the page's renderer, the GPU process (software WebGL here: headless,
  --disable-gpu; MediaPipe's model runs there) and all of that Chromium's
  processes. 100% is one core. With what the room's effect reports
  (window.daraportCall.background.stats: canvas size, wanted frame rate,
  milliseconds per frame) and what was sent (outbound-rtp frames per second
  and size).
"""

import contextlib
import math
import os
import socket
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "daraport.settings.test")
django.setup()

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from accounts.models import User  # noqa: E402
from bench import on_test_database  # noqa: E402
from booking.models import Appointment  # noqa: E402
from booking.states import AppointmentStatus  # noqa: E402
from care.services import care_relationship_start  # noqa: E402
from organizations.models import Membership, Organization  # noqa: E402
from specialists.models import Offering, SpecialistProfile  # noqa: E402
from video.services import session_for_appointment  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--allow-loopback-in-peer-connection",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]
JOINS = int(os.environ.get("BENCH_VIDEO_JOINS", "20"))
CPU_SECONDS = float(os.environ.get("BENCH_VIDEO_SECONDS", "20"))
TIMEOUT_MS = 30_000
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# In every page before its own scripts: counts the room socket's frames and
# notes when the page first showed each state and the other's first picture.
PROBE = """(() => {
  const probe = { sent: {}, received: {}, firstSent: {}, states: {}, firstPicture: null };
  window.benchProbe = probe;
  const now = () => performance.timeOrigin + performance.now();
  const count = (table, key) => { table[key] = (table[key] || 0) + 1; };
  const Native = window.WebSocket;
  class Counted extends Native {
    constructor(url, protocols) {
      super(url, protocols);
      if (!String(url).includes("/ws/video/")) return;
      this.addEventListener("message", (event) => {
        const frame = JSON.parse(event.data);
        count(probe.received, frame.type === "signal" ? `signal:${frame.kind}` : frame.type);
      });
      this.counted = true;
    }
    send(data) {
      if (this.counted) {
        const kind = JSON.parse(data).kind || "?";
        count(probe.sent, kind);
        if (!(kind in probe.firstSent)) probe.firstSent[kind] = now();
      }
      super.send(data);
    }
  }
  window.WebSocket = Counted;
  document.addEventListener("DOMContentLoaded", () => {
    const node = document.getElementById("call-state");
    const remote = document.getElementById("remote-video");
    if (!node || !remote) return;
    new MutationObserver(() => {
      if (!(node.textContent in probe.states)) probe.states[node.textContent] = now();
    }).observe(node, { childList: true, characterData: true, subtree: true });
    remote.addEventListener("loadeddata", () => { if (probe.firstPicture === null) probe.firstPicture = now(); });
  });
})();"""

# How many of the other side's signalling frames this page received.
RELAYED_AT_LEAST = """(count) => Object.entries(window.benchProbe.received)
  .filter(([key]) => key.startsWith("signal:")).reduce((sum, [, n]) => sum + n, 0) >= count"""

# The background effect at its first step (640 wide, 24 frames a second
# wanted) whatever it costs: the room itself would step down on a slow machine.
HOLD_FULL_SIZE = """() => {
  const effect = window.daraportCall.background;
  effect.level = 0;
  effect.measure = function (spent) { this.average = this.average === null ? spent : this.average * 0.8 + spent * 0.2; };
}"""

OUTBOUND_VIDEO = """async () => {
  let found = null;
  (await window.daraportCall.pc.getStats()).forEach((report) => {
    if (report.type === "outbound-rtp" && report.kind === "video") found = report;
  });
  return found && { frames: found.framesEncoded, width: found.frameWidth, height: found.frameHeight };
}"""


@dataclass
class Pair:
    appointment_id: str
    patient_cookie: str
    specialist_cookie: str


@dataclass
class Joins:
    offer_ms: list[float] = field(default_factory=list)  # Let in -> the specialist's offer sent
    answer_ms: list[float] = field(default_factory=list)  # -> the patient's answer sent
    connected_ms: list[float] = field(default_factory=list)
    picture_ms: list[float] = field(default_factory=list)
    sent: Counter = field(default_factory=Counter)
    received: Counter = field(default_factory=Counter)


def build(count: int) -> list[Pair]:
    """`count` pairs in care, each with a confirmed session starting now
    (one specialist each: a specialist's sessions cannot overlap)."""
    org, _ = Organization.objects.get_or_create(slug="bench-video", defaults={"name": "Bench Video"})
    starts_at = timezone.now().replace(microsecond=0)
    pairs = []
    for n in range(count):
        specialist_user = User.objects.create(
            email=f"bench-video-specialist-{n}@bench.test", full_name=f"Specialist {n}", timezone="Europe/Berlin"
        )
        Membership.objects.create(user=specialist_user, organization=org, role=Membership.Role.SPECIALIST)
        TOTP.activate(specialist_user, generate_totp_secret())
        profile = SpecialistProfile.objects.create(
            user=specialist_user,
            organization=org,
            slug=f"bench-video-{n}",
            display_name=f"Specialist {n}",
            status=SpecialistProfile.Status.APPROVED,
        )
        offering = Offering.objects.create(
            specialist=profile, name="Session", duration_minutes=50, price_minor=9000, currency="EUR"
        )
        patient = User.objects.create(
            email=f"bench-video-patient-{n}@bench.test", full_name=f"Patient {n}", timezone="Europe/Berlin"
        )
        Membership.objects.create(user=patient, organization=org, role=Membership.Role.PATIENT)
        care_relationship_start(patient=patient, specialist=profile, source="chosen")
        appointment = Appointment.objects.create(
            patient=patient,
            offering=offering,
            specialist=profile,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=50),
            status=AppointmentStatus.CONFIRMED,
            price_minor=offering.price_minor,
            currency=offering.currency,
            patient_timezone=patient.timezone,
            specialist_timezone=specialist_user.timezone,
        )
        session_for_appointment(appointment)
        pairs.append(Pair(str(appointment.public_id), _cookie(patient), _cookie(specialist_user)))
    return pairs


def _cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


class Server:
    """The ASGI application on a free port of 127.0.0.1, in a thread."""

    def __enter__(self):
        import uvicorn
        from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

        from daraport.asgi import application

        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        config = uvicorn.Config(
            ASGIStaticFilesHandler(application), lifespan="off", log_level="warning", ws="websockets-sansio"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.05)
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        return self

    def __exit__(self, *exc_info):
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.socket.close()


def _room(browser, url: str, cookie: str, appointment_id: str):
    context = browser.new_context(base_url=url, viewport={"width": 1280, "height": 860})
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(PROBE)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": url}])
    page = context.new_page()
    response = page.goto(f"/sessions/{appointment_id}/")
    assert response.status == 200, response.status
    page.get_by_role("button", name="Join now").click()
    return page


def _wait_state(page, state: str) -> None:
    page.wait_for_function(f"() => document.getElementById('call-state').textContent === '{state}'")


def join_once(browser, url: str, pair: Pair, joins: Joins) -> None:
    patient = _room(browser, url, pair.patient_cookie, pair.appointment_id)
    _wait_state(patient, "waiting")
    specialist = _room(browser, url, pair.specialist_cookie, pair.appointment_id)
    specialist.locator("#admit-button").wait_for(state="visible")
    clicked = specialist.evaluate(
        "() => { const t = performance.timeOrigin + performance.now(); document.getElementById('admit-button').click(); return t; }"
    )
    pages = (patient, specialist)
    for page in pages:
        page.wait_for_function("() => window.benchProbe.states.connected && window.benchProbe.firstPicture")
    # The count ends once both have sent every candidate and the last has had time to arrive.
    for page in pages:
        page.wait_for_function("() => window.daraportCall.pc.iceGatheringState === 'complete'")
    for page, other in ((patient, specialist), (specialist, patient)):
        sent = sum(other.evaluate("window.benchProbe.sent").values())
        with contextlib.suppress(PlaywrightTimeout):
            page.wait_for_function(RELAYED_AT_LEAST, arg=sent, timeout=2000)
    probes = [page.evaluate("window.benchProbe") for page in pages]
    joins.offer_ms.append(probes[1]["firstSent"]["offer"] - clicked)
    joins.answer_ms.append(probes[0]["firstSent"]["answer"] - clicked)
    joins.connected_ms.append(max(probe["states"]["connected"] for probe in probes) - clicked)
    joins.picture_ms.append(max(probe["firstPicture"] for probe in probes) - clicked)
    for probe in probes:
        joins.sent.update(probe["sent"])
        joins.received.update(probe["received"])
    # One after the other, as people leave: nothing is sent to a closed page.
    patient.context.close()
    _wait_state(specialist, "reconnecting")
    specialist.context.close()


# --- CPU ----------------------------------------------------------------------------


def _processes() -> dict[int, tuple[int, int, str]]:
    """pid -> (parent pid, CPU ticks so far, command line) of every process."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            command = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        table[int(entry)] = (int(fields[1]), int(fields[11]) + int(fields[12]), command)
    return table


def _chromium_roots() -> set[int]:
    """The browser processes of the Chromiums this process launched."""
    table = _processes()
    return {
        pid
        for pid in _tree(os.getpid(), table)
        if Path(table[pid][2].split(" ", 1)[0]).name == "chromium" and "--type=" not in table[pid][2]
    }


def _tree(root: int, table) -> set[int]:
    members, added = {root}, True
    while added:
        added = False
        for pid, (parent, _ticks, _command) in table.items():
            if parent in members and pid not in members:
                members.add(pid)
                added = True
    return members


def _cpu(root: int) -> dict[str, float]:
    """CPU seconds so far of the Chromium at `root`: its renderers, its GPU
    process (software WebGL with --disable-gpu) and all its processes."""
    table = _processes()
    members = _tree(root, table)

    def seconds(kind: str) -> float:
        return sum(table[pid][1] for pid in members if kind in table[pid][2]) / CLOCK_TICKS

    return {"renderer": seconds("--type=renderer"), "gpu": seconds("--type=gpu-process"), "all": seconds("")}


def measure_cpu(playwright, url: str, pair: Pair, seconds: float) -> list[tuple[str, str, dict, dict, dict]]:
    """The patient in their own Chromium (measured), the specialist in another."""
    before = _chromium_roots()
    measured = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
    roots = _chromium_roots() - before
    other = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
    try:
        if len(roots) != 1:
            raise RuntimeError(f"cannot tell the measured Chromium apart: {roots}")
        root = roots.pop()
        patient = _room(measured, url, pair.patient_cookie, pair.appointment_id)
        _wait_state(patient, "waiting")
        specialist = _room(other, url, pair.specialist_cookie, pair.appointment_id)
        specialist.locator("#admit-button").click()
        for page in (patient, specialist):
            page.wait_for_function("() => window.benchProbe.firstPicture")
        patient.get_by_text("Camera, microphone and background").click()
        rows = []
        for label, mode in (("shown", "none"), ("blurred", "blur"), ("blurred, held", "blur")):
            patient.get_by_label("Background").select_option(mode)
            if mode == "blur":
                patient.wait_for_function("() => window.daraportCall.background.stats.msPerFrame !== null")
            if label == "blurred, held":
                patient.evaluate(HOLD_FULL_SIZE)
            patient.wait_for_timeout(3000)  # settle: the effect adapts its rate in its first seconds
            cpu_start = _cpu(root)
            sent_start = patient.evaluate(OUTBOUND_VIDEO)
            started = time.monotonic()
            patient.wait_for_timeout(seconds * 1000)
            elapsed = time.monotonic() - started
            cpu_end = _cpu(root)
            sent_end = patient.evaluate(OUTBOUND_VIDEO)
            stats = patient.evaluate("window.daraportCall.background.stats")
            sent = {
                "fps": (sent_end["frames"] - sent_start["frames"]) / elapsed,
                "size": f"{sent_end['width']}x{sent_end['height']}",
            }
            shares = {part: 100 * (cpu_end[part] - cpu_start[part]) / elapsed for part in cpu_start}
            rows.append((label, mode, shares, stats, sent))
        return rows
    finally:
        measured.close()
        other.close()


# --- Report -------------------------------------------------------------------------


def _percentile(values: list[float], share: float) -> float:
    """Nearest rank: the smallest value at least `share` of them do not exceed."""
    return sorted(values)[max(0, math.ceil(len(values) * share) - 1)]


def run(joins: int = JOINS, seconds: float = CPU_SECONDS) -> None:
    print()
    if not CHROMIUM.exists():
        print(f"video: skipped ({CHROMIUM} is missing: apt-get install -y chromium)")
        return
    # Before Playwright's event loop runs in this thread: the services'
    # realtime broadcasts refuse to run beside one.
    pairs = build(joins + 1)
    result = Joins()
    with Server() as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            for pair in pairs[:joins]:
                join_once(browser, server.url, pair, result)
        finally:
            browser.close()
        cpu = measure_cpu(playwright, server.url, pairs[joins], seconds)

    layer = settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1]
    print(f"video: {joins} joins, two headless Chromium pages on loopback, {connection.vendor}, {layer}")
    print(f"{'from Let in until both':32} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    steps = (
        ("(the specialist's offer sent)", result.offer_ms),
        ("(the patient's answer sent)", result.answer_ms),
        ("show connected", result.connected_ms),
        ("show the other's picture", result.picture_ms),
    )
    for label, values in steps:
        print(f"{label:32} {statistics.median(values):8.0f} {_percentile(values, 0.95):8.0f} {max(values):8.0f}")
    sent = sum(result.sent.values())
    relayed = sum(n for kind, n in result.received.items() if kind.startswith("signal:"))
    print(
        f"signalling frames per join, both pages: {sent / joins:.1f} sent ({_per_join(result.sent, joins)}); "
        f"{sum(result.received.values()) / joins:.1f} received ({_per_join(result.received, joins)}); "
        f"{relayed} of {sent} signals sent arrived on the other side"
    )
    print(
        f"CPU of the patient's Chromium over {seconds:g} s of a call, 100% = one core of {os.cpu_count()} "
        f"(load average {os.getloadavg()[0]:.1f}):"
    )
    print(
        f"{'background':14} {'renderer %':>10} {'GPU proc %':>10} {'all %':>6} {'canvas':>8} {'wanted fps':>10} {'ms/frame':>8} "
        f"{'sent fps':>8} {'sent size':>9}"
    )
    for label, mode, shares, stats, sent_video in cpu:
        effect = mode != "none"
        canvas = f"{stats['width']}x{stats['height']}" if effect else "-"
        wanted = stats["fps"] if effect else "-"
        ms = stats["msPerFrame"] if effect and stats["msPerFrame"] is not None else "-"
        print(
            f"{label:14} {shares['renderer']:10.0f} {shares['gpu']:10.0f} {shares['all']:6.0f} {canvas:>8} "
            f"{wanted!s:>10} {ms!s:>8} "
            f"{sent_video['fps']:8.1f} {sent_video['size']:>9}"
        )


def _per_join(counts: Counter, joins: int) -> str:
    return ", ".join(f"{kind} {n / joins:.1f}" for kind, n in sorted(counts.items()))


def main() -> None:
    on_test_database(run)


if __name__ == "__main__":
    main()
