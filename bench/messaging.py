"""Live messaging under load: 200 clients (100 patient/specialist pairs, one
conversation each) exchanging messages through a real uvicorn server on the
Redis pub/sub channel layer. Each client is a thread page as a browser has
it: the conversation's socket plus the navigation's unread socket (400
sockets in all), and it marks what arrives as read, as chat.js does.

`make bench` runs this in the same throw-away database; the server
processes use that database too, so it needs PostgreSQL and Redis
(DATABASE_URL, REDIS_URL) and prints a note instead when either is missing.
On its own:

    DJANGO_SETTINGS_MODULE=daraport.settings.test python -m bench.messaging

Every client sends a message every 1/BENCH_WS_RATE seconds (default 0.1 per
second each: one every 10 s, so 20 messages a second in all, as in a busy
clinic's chats) for BENCH_WS_SECONDS (10),
each with its own client_id; the client records the send time and the
other side of the pair the arrival. Reported: delivery latency p50/p95/p99
in milliseconds (send until the other side has it, stored first), messages
sent and received, lost (never arrived within a few seconds) and
duplicated (arrived more than once). The server runs BENCH_WS_WORKERS
uvicorn processes (2): a pair's two sockets may land on different
processes, so delivery crosses the channel layer.
"""

import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "daraport.settings.test")
django.setup()

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.models import User  # noqa: E402
from bench import on_test_database  # noqa: E402
from care.services import care_relationship_start  # noqa: E402
from messaging.models import Conversation, Message  # noqa: E402
from organizations.models import Membership, Organization  # noqa: E402
from specialists.models import SpecialistProfile  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PAIRS = int(os.environ.get("BENCH_WS_PAIRS", "100"))
SECONDS = float(os.environ.get("BENCH_WS_SECONDS", "10"))
RATE = float(os.environ.get("BENCH_WS_RATE", "0.1"))
WORKERS = int(os.environ.get("BENCH_WS_WORKERS", "2"))
DRAIN_SECONDS = 10


def build(pairs: int) -> list[tuple[Conversation, str, str]]:
    """`pairs` care relationships, each with its conversation and the two
    session cookies (specialists with a second factor, as required)."""
    org, _ = Organization.objects.get_or_create(slug="bench-messaging", defaults={"name": "Bench Messaging"})
    result = []
    for n in range(pairs):
        specialist_user = User.objects.create(email=f"bench-ws-specialist-{n}@bench.test", full_name=f"Specialist {n}")
        Membership.objects.create(user=specialist_user, organization=org, role=Membership.Role.SPECIALIST)
        TOTP.activate(specialist_user, generate_totp_secret())
        profile = SpecialistProfile.objects.create(
            user=specialist_user,
            organization=org,
            slug=f"bench-ws-{n}",
            display_name=f"Specialist {n}",
            status=SpecialistProfile.Status.APPROVED,
        )
        patient = User.objects.create(email=f"bench-ws-patient-{n}@bench.test", full_name=f"Patient {n}")
        Membership.objects.create(user=patient, organization=org, role=Membership.Role.PATIENT)
        relationship = care_relationship_start(patient=patient, specialist=profile, source="chosen")
        conversation = Conversation.objects.get(relationship=relationship)
        result.append((conversation, _cookie(patient), _cookie(specialist_user)))
    return result


def _cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(port: int, workers: int) -> subprocess.Popen:
    database_url = urlunsplit(
        urlsplit(os.environ["DATABASE_URL"])._replace(path="/" + connection.settings_dict["NAME"])
    )
    command = [str(Path(sys.executable).with_name("uvicorn")), "daraport.asgi:application", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "daraport.settings.test", "DATABASE_URL": database_url}
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("the server exited")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("the server did not answer")


class Tally:
    def __init__(self):
        self.sent: dict[str, float] = {}  # client_id -> send time
        self.arrivals: dict[str, int] = {}  # client_id -> times the other side got it
        self.latencies: list[float] = []
        self.errors = 0
        self.unread_updates = 0
        self.greeted = 0
        self.connect_seconds = 0.0
        self.stop = 0.0  # when the senders stop, set once all are connected
        self.start, self.done = asyncio.Event(), asyncio.Event()


async def _client(url: str, *, origin: str, cookie: str, me: str, tally: Tally) -> None:
    """One browser tab: sends on a timer, watches for the other side's
    messages (its own come back as confirmations and are not counted) and
    reads them; its navigation socket receives the unread counts."""
    from websockets.asyncio.client import connect

    headers = {"Cookie": cookie}
    nav_url = url.split("/ws/", maxsplit=1)[0] + "/ws/unread/"
    async with (
        connect(url, origin=origin, additional_headers=headers, open_timeout=60) as websocket,
        connect(nav_url, origin=origin, additional_headers=headers, open_timeout=60) as nav,
    ):
        hello = json.loads(await websocket.recv())
        assert hello["type"] == "hello", hello
        tally.greeted += 1

        async def listen():
            async for raw in websocket:
                frame = json.loads(raw)
                if frame["type"] == "error":
                    tally.errors += 1
                elif frame["type"] == "message" and frame["message"]["author"]["id"] != hello["user_id"]:
                    now = time.perf_counter()
                    client_id = frame["message"]["client_id"]
                    tally.arrivals[client_id] = tally.arrivals.get(client_id, 0) + 1
                    if tally.arrivals[client_id] == 1:
                        tally.latencies.append((now - tally.sent[client_id]) * 1000)
                    await websocket.send(json.dumps({"type": "read", "up_to": frame["message"]["created_at"]}))

        async def count_unread():
            async for _raw in nav:
                tally.unread_updates += 1

        listener = asyncio.create_task(listen())
        nav_listener = asyncio.create_task(count_unread())
        await tally.start.wait()
        await asyncio.sleep(random.uniform(0, 1 / RATE))  # spread the senders out
        while time.perf_counter() < tally.stop:
            client_id = str(uuid.uuid4())
            sent_at = time.perf_counter()
            tally.sent[client_id] = sent_at
            text = f"{me} at {time.time():.6f}"
            await websocket.send(json.dumps({"type": "message", "text": text, "client_id": client_id}))
            await asyncio.sleep(max(0.0, sent_at + 1 / RATE - time.perf_counter()))
        await tally.done.wait()
        listener.cancel()
        nav_listener.cancel()


async def _exchange(port: int, pairs: list[tuple[Conversation, str, str]], tally: Tally) -> None:
    origin = f"http://127.0.0.1:{port}"
    tasks = []
    for conversation, patient_cookie, specialist_cookie in pairs:
        url = f"ws://127.0.0.1:{port}/ws/conversations/{conversation.public_id}/"
        for cookie, me in ((patient_cookie, "patient"), (specialist_cookie, "specialist")):
            tasks.append(asyncio.create_task(_client(url, origin=origin, cookie=cookie, me=me, tally=tally)))
    began = time.perf_counter()
    while tally.greeted < len(tasks):  # every socket open and greeted
        await asyncio.sleep(0.05)
    tally.connect_seconds = time.perf_counter() - began
    await asyncio.sleep(1)
    tally.stop = time.perf_counter() + SECONDS
    tally.start.set()
    await asyncio.sleep(SECONDS)
    # Late is not lost: wait until everything arrived, for a while.
    deadline = time.perf_counter() + DRAIN_SECONDS
    while time.perf_counter() < deadline and any(client_id not in tally.arrivals for client_id in tally.sent):
        await asyncio.sleep(0.1)
    tally.done.set()
    await asyncio.gather(*tasks)


def _percentile(values: list[float], share: float) -> float:
    return values[min(len(values) - 1, max(0, int(len(values) * share) - 1))]


def run(pairs: int = PAIRS, workers: int = WORKERS) -> None:
    print()
    database = os.environ.get("DATABASE_URL", "")
    if not os.environ.get("REDIS_URL") or not database.startswith("postgres"):
        print("messaging: skipped (needs DATABASE_URL on PostgreSQL and REDIS_URL: the servers share both)")
        return
    pairs_built = build(pairs)
    port = _free_port()
    server = _serve(port, workers)
    tally = Tally()
    try:
        asyncio.run(_exchange(port, pairs_built, tally))
    finally:
        server.terminate()
        server.wait(timeout=20)
    received = sum(tally.arrivals.values())
    lost = sum(1 for client_id in tally.sent if client_id not in tally.arrivals)
    duplicated = sum(n - 1 for n in tally.arrivals.values() if n > 1)
    latencies = sorted(tally.latencies) or [0.0]
    layer = settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1]
    print(
        f"messaging: {2 * pairs} clients ({pairs} pairs; {4 * pairs} sockets with the unread ones), "
        f"{RATE:g} messages/s each for {SECONDS:g} s, each read on arrival; "
        f"uvicorn x{workers}, {layer}; all connected in {tally.connect_seconds:.1f} s; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"{'sent':>6} {'received':>8} {'stored':>6} {'lost':>5} {'dupes':>5} {'errors':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}"
    )
    print(
        f"{len(tally.sent):6d} {received:8d} {Message.objects.filter(conversation__in=[c for c, _, _ in pairs_built]).count():6d} {lost:5d} {duplicated:5d} {tally.errors:6d} "
        f"{statistics.median(latencies):7.1f} {_percentile(latencies, 0.95):7.1f} {_percentile(latencies, 0.99):7.1f}"
    )
    print(f"unread-count updates received on the navigation sockets: {tally.unread_updates}")


def main() -> None:
    on_test_database(run)


if __name__ == "__main__":
    main()
