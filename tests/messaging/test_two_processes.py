"""Two real server processes share the Redis channel layer: a message sent
to one reaches a client of the other.

Needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL): the in-memory layer
and SQLite's in-memory test database live inside one process.
"""

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from care.services import care_relationship_start
from messaging.models import Message
from tests.accounts.factories import UserFactory, enable_totp
from tests.specialists.factories import SpecialistProfileFactory

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 10

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL") or not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="two processes need a shared PostgreSQL database and the Redis channel layer",
    ),
    pytest.mark.django_db(transaction=True),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    """DATABASE_URL, pointed at the test database this test writes to."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


def serve(port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "daraport.settings.test",
        "DATABASE_URL": database_url(),
    }
    uvicorn = Path(sys.executable).with_name("uvicorn")
    return subprocess.Popen(
        [
            str(uvicorn),
            "daraport.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_until_up(server: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"the server exited: {server.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"the server on port {port} did not answer")


def cookie_for(user) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


async def next_of(websocket, wanted: str) -> dict:
    while True:
        frame = json.loads(await asyncio.wait_for(websocket.recv(), TIMEOUT))
        if frame["type"] == wanted:
            return frame


def test_a_message_sent_to_one_server_reaches_a_client_of_the_other():
    from websockets.asyncio.client import connect

    patient, specialist = UserFactory(), SpecialistProfileFactory()
    enable_totp(specialist.user)
    relationship = care_relationship_start(patient=patient, specialist=specialist, source="chosen")
    conversation = relationship.conversation
    cookies = {patient.pk: cookie_for(patient), specialist.user.pk: cookie_for(specialist.user)}
    ports = free_port(), free_port()
    servers = [serve(port) for port in ports]
    client_id = str(uuid.uuid4())

    def open_socket(port: int, user):
        return connect(
            f"ws://127.0.0.1:{port}/ws/conversations/{conversation.public_id}/",
            origin=f"http://127.0.0.1:{port}",
            additional_headers={"Cookie": cookies[user.pk]},
        )

    async def scenario():
        async with open_socket(ports[0], patient) as on_a, open_socket(ports[1], specialist.user) as on_b:
            await next_of(on_a, "hello")
            await next_of(on_b, "hello")
            await on_a.send(json.dumps({"type": "message", "text": "Hello from A", "client_id": client_id}))
            arrived = (await next_of(on_b, "message"))["message"]
            assert arrived["text"] == "Hello from A" and arrived["client_id"] == client_id
            await on_b.send(json.dumps({"type": "message", "text": "Hello from B", "client_id": str(uuid.uuid4())}))
            assert (await next_of(on_a, "message"))["message"]["id"] == arrived["id"]  # A's own confirmation
            assert (await next_of(on_a, "message"))["message"]["text"] == "Hello from B"
            return arrived

    try:
        for server, port in zip(servers, ports, strict=True):
            wait_until_up(server, port)
        # Its own thread: a browser test's Playwright loop may be running in this one.
        with ThreadPoolExecutor(max_workers=1) as pool:
            arrived = pool.submit(asyncio.run, scenario()).result()
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    assert Message.objects.get(public_id=arrived["id"]).author == patient
