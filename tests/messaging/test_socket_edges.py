"""Sockets at the edges: a channel layer that cannot be reached and pages
of other sites are refused cleanly at the handshake (never a 500: the
thread goes on by plain posts and polling); a sender over the message
limit gets an error frame."""

import logging
import uuid

import pytest
from asgiref.testing import ApplicationCommunicator
from channels.db import database_sync_to_async

from care.services import care_relationship_start
from core import sockets
from daraport.asgi import application
from messaging import services
from messaging.models import Message
from messaging.services import messages
from tests.accounts.factories import UserFactory
from tests.messaging.test_consumers import TIMEOUT, connected, log_in, receive, run, socket, thread_path
from tests.specialists.factories import SpecialistProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)

UNREACHABLE = "redis://127.0.0.1:6390/0"  # nothing listens there


@pytest.fixture
def patient_thread():
    patient = UserFactory()
    log_in(patient)
    relationship = care_relationship_start(patient=patient, specialist=SpecialistProfileFactory(), source="chosen")
    return patient, relationship.conversation


@pytest.fixture(autouse=True)
def _no_outage_logged_yet(monkeypatch):
    monkeypatch.setattr(sockets, "_layer_down", False)


@pytest.mark.parametrize(
    "backend",
    [
        # Production's layer subscribes as the socket opens...
        "channels_redis.pubsub.RedisPubSubChannelLayer",
        # ...the list-based one only when the socket joins its groups.
        "channels_redis.core.RedisChannelLayer",
    ],
)
def test_with_the_channel_layer_down_sockets_are_refused_cleanly_and_it_is_logged_once(
    patient_thread, settings, caplog, backend
):
    patient, conversation = patient_thread
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": backend, "CONFIG": {"hosts": [UNREACHABLE]}}}

    async def scenario():
        for path in (thread_path(conversation), "/ws/unread/", thread_path(conversation)):
            communicator = socket(path, patient)
            accepted, _code = await communicator.connect(timeout=TIMEOUT)
            assert not accepted  # a refused handshake, not an error: the page polls instead
            await communicator.wait(TIMEOUT)  # the application ended without raising

    with caplog.at_level(logging.WARNING, logger="core.sockets"):
        run(scenario)
    down = [record for record in caplog.records if record.name == "core.sockets"]
    assert len(down) == 1
    assert "channel layer" in down[0].getMessage()


def test_once_the_layer_is_back_sockets_connect_and_a_new_outage_is_logged_again(patient_thread, settings, caplog):
    patient, conversation = patient_thread
    down = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [UNREACHABLE]}}}
    up = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

    def attempt(*, expected: bool):
        async def scenario():
            communicator = socket(thread_path(conversation), patient)
            if expected:
                await connected(communicator)
                await communicator.disconnect()
            else:
                accepted, _code = await communicator.connect(timeout=TIMEOUT)
                assert not accepted
                await communicator.wait(TIMEOUT)

        run(scenario)

    with caplog.at_level(logging.WARNING, logger="core.sockets"):
        for layers, expected in ((down, False), (up, True), (down, False)):
            settings.CHANNEL_LAYERS = layers
            attempt(expected=expected)
    assert len([r for r in caplog.records if r.name == "core.sockets"]) == 2


def test_a_sender_over_the_message_limit_gets_an_error_frame_and_nothing_is_stored(patient_thread):
    patient, conversation = patient_thread
    for n in range(messages.SEND_LIMIT):
        services.message_post(conversation=conversation, author=patient, text=f"Message {n}")
    client_id = str(uuid.uuid4())

    async def scenario():
        communicator = await connected(socket(thread_path(conversation), patient))
        await communicator.send_json_to({"type": "message", "text": "One too many", "client_id": client_id})
        error = await receive(communicator, "error")
        assert error == {
            "type": "error",
            "client_id": client_id,
            "message": "You are sending messages very quickly. Please wait a minute, then send again.",
        }
        assert await database_sync_to_async(Message.objects.count)() == messages.SEND_LIMIT
        await communicator.disconnect()

    run(scenario)


# --- Origin ------------------------------------------------------------------------------------


def handshake(origin: bytes, *, host: bytes = b"127.0.0.1:8000", scheme: str = "ws", user=None, path="/ws/unread/"):
    headers = [(b"host", host), (b"origin", origin)]
    if user is not None:
        headers.append((b"cookie", user.cookie))
    scope = {
        "type": "websocket",
        "scheme": scheme,
        "path": path,
        "query_string": b"",
        "headers": headers,
        "subprotocols": [],
    }
    return ApplicationCommunicator(application, scope)


async def accepted(communicator) -> bool:
    await communicator.send_input({"type": "websocket.connect"})
    answer = await communicator.receive_output(TIMEOUT)
    if answer["type"] == "websocket.accept":
        await communicator.send_input({"type": "websocket.disconnect", "code": 1000})
    await communicator.wait(TIMEOUT)
    return answer["type"] == "websocket.accept"


@pytest.mark.parametrize(
    ("origin", "host", "scheme", "allowed"),
    [
        (b"http://127.0.0.1:8000", b"127.0.0.1:8000", "ws", True),
        (b"https://localhost", b"localhost", "wss", True),
        (b"https://localhost:443", b"localhost", "wss", True),  # the default port, written out
        (b"http://127.0.0.1:9000", b"127.0.0.1:8000", "ws", False),  # another port: another site
        (b"https://127.0.0.1:8000", b"127.0.0.1:8000", "ws", False),  # another scheme
        (b"http://localhost", b"localhost", "wss", False),  # a plain page on a secure site
        (b"http://localhost:8000", b"127.0.0.1:8000", "ws", False),  # another host
        (b"http://evil.example:8000", b"evil.example:8000", "ws", False),  # not an allowed host
        (b"null", b"127.0.0.1:8000", "ws", False),
        (b"", b"127.0.0.1:8000", "ws", False),
    ],
)
def test_a_socket_must_come_from_a_page_of_the_same_scheme_host_and_port(origin, host, scheme, allowed):
    patient = UserFactory()
    log_in(patient)

    async def scenario():
        assert await accepted(handshake(origin, host=host, scheme=scheme, user=patient)) is allowed

    run(scenario)
