"""The live thread over the real ASGI application: origin check, session
authentication, routing and the consumers, on the configured channel layer."""

import asyncio
import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connections, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import remove_perm

from care.services import care_relationship_end, care_relationship_start
from core import sockets
from core.models import AuditLog
from core.sessions import SESSION_SEEN_KEY, session_load
from daraport.asgi import application
from messaging import consumers, services
from messaging.models import MESSAGE_MAX_LENGTH, Conversation, Message
from tests.accounts.factories import UserFactory, enable_totp
from tests.specialists.factories import SpecialistProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 3


class WebsocketCommunicator(ApplicationCommunicator):
    """What `channels.testing.WebsocketCommunicator` does, without importing
    `channels.testing` (whose package needs daphne, which is not installed).
    Unlike channels' tester it lets consumers close their database
    connections, as in production: the tests are transactional."""

    def __init__(self, application, path: str, headers: list):
        super().__init__(
            application,
            {"type": "websocket", "path": path, "query_string": b"", "headers": headers, "subprotocols": []},
        )

    async def connect(self, timeout=1) -> tuple[bool, object]:
        await self.send_input({"type": "websocket.connect"})
        response = await self.receive_output(timeout)
        return response["type"] == "websocket.accept", response.get("code")

    async def send_to(self, text_data: str) -> None:
        await self.send_input({"type": "websocket.receive", "text": text_data})

    async def send_json_to(self, data) -> None:
        await self.send_to(json.dumps(data))

    async def receive_json_from(self, timeout=1):
        response = await self.receive_output(timeout)
        assert response["type"] == "websocket.send", response
        return json.loads(response["text"])

    async def disconnect(self, code=1000, timeout=1) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": code})
        await self.wait(timeout)


def run(scenario) -> None:
    """Run an async test body on its own event loop in a worker thread: the
    browser tests' Playwright session keeps a loop running in this one, and
    `async_to_sync` refuses to start inside it. The worker's database
    connection is closed at the end, so the test database can be dropped."""

    def body():
        try:
            async_to_sync(scenario)()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(body).result()


def origin() -> bytes:
    return f"http://{settings.ALLOWED_HOSTS[0]}".encode()


def log_in(*users) -> None:
    """Sessions for `users`, made before the event loop starts (its thread
    would hold a database connection of its own)."""
    for user in users:
        client = Client()
        client.force_login(user)
        user.session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
        user.cookie = f"{settings.SESSION_COOKIE_NAME}={user.session_key}".encode()


def sign_out(user) -> None:
    """Sign `user` out through the site, from the session their sockets use."""
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = user.session_key
    assert client.post(reverse("account_logout")).status_code == 302


def socket(path: str, user=None, *, from_origin: bytes | None = None) -> WebsocketCommunicator:
    headers = [(b"host", settings.ALLOWED_HOSTS[0].encode()), (b"origin", from_origin or origin())]
    if user is not None:
        headers.append((b"cookie", user.cookie))
    return WebsocketCommunicator(application, path, headers=headers)


def thread_path(conversation) -> str:
    return f"/ws/conversations/{conversation.public_id}/"


async def receive(communicator, wanted: str) -> dict:
    """The next frame of type `wanted`, skipping others."""
    while True:
        frame = await communicator.receive_json_from(timeout=TIMEOUT)
        if frame["type"] == wanted:
            return frame


async def connected(communicator, first: str = "hello") -> WebsocketCommunicator:
    accepted, _code = await communicator.connect(timeout=TIMEOUT)
    assert accepted
    assert (await receive(communicator, first))["type"] == first
    return communicator


async def signed_out(communicator, timeout: float = TIMEOUT) -> bool:
    """Whether the server said the session ended, then closed with 4401."""
    frame = await communicator.receive_json_from(timeout=timeout)
    closed = await communicator.receive_output(timeout=timeout)
    return frame == {"type": "signed_out"} and closed == {"type": "websocket.close", "code": sockets.SIGNED_OUT}


@pytest.fixture
def pair():
    patient, specialist = UserFactory(full_name="Pat Patient"), SpecialistProfileFactory()
    enable_totp(specialist.user)
    log_in(patient, specialist.user)
    relationship = care_relationship_start(patient=patient, specialist=specialist, source="chosen")
    return relationship, Conversation.objects.get(relationship=relationship)


def test_participants_connect_and_others_are_refused(pair):
    relationship, conversation = pair
    path = thread_path(conversation)
    no_second_factor = SpecialistProfileFactory()
    outsider = UserFactory()
    log_in(outsider, no_second_factor.user)
    unchecked = Conversation.objects.get(
        relationship=care_relationship_start(patient=UserFactory(), specialist=no_second_factor, source="chosen")
    )

    async def scenario():
        for user in (relationship.patient, relationship.specialist.user):
            communicator = socket(path, user)
            accepted, _code = await communicator.connect(timeout=TIMEOUT)
            assert accepted
            hello = await communicator.receive_json_from(timeout=TIMEOUT)
            assert hello == {"type": "hello", "user_id": str(user.public_id), "can_post": True}
            await communicator.disconnect()
        refused = [
            socket(path, outsider),
            socket(path),  # anonymous
            socket(path, relationship.patient, from_origin=b"https://evil.example"),
            socket(f"/ws/conversations/{uuid.uuid4()}/", relationship.patient),  # no such conversation
            socket("/ws/unread/"),
        ]
        for communicator in refused:
            accepted, _code = await communicator.connect(timeout=TIMEOUT)
            assert not accepted
        # Staff see patients' messages only with a second factor.
        communicator = socket(thread_path(unchecked), no_second_factor.user)
        accepted, _code = await communicator.connect(timeout=TIMEOUT)
        assert not accepted

    run(scenario)


def test_a_message_is_stored_then_reaches_both_sides(pair):
    relationship, conversation = pair
    patient, specialist = relationship.patient, relationship.specialist.user
    client_id = str(uuid.uuid4())

    async def scenario():
        patient_socket = await connected(socket(thread_path(conversation), patient))
        specialist_socket = await connected(socket(thread_path(conversation), specialist))
        specialist_nav = await connected(socket("/ws/unread/", specialist), "unread")  # the same page's badge
        await patient_socket.send_json_to({"type": "message", "text": "<b>Hello</b>", "client_id": client_id})
        arrived = (await receive(specialist_socket, "message"))["message"]
        stored = await database_sync_to_async(Message.objects.get)(public_id=arrived["id"])
        assert stored.text == "<b>Hello</b>" and arrived["text"] == "<b>Hello</b>"  # plain text; the client escapes
        assert arrived["author"] == {"id": str(patient.public_id), "name": "Pat Patient"}
        assert arrived["client_id"] == client_id and arrived["kind"] == "text" and arrived["attachment"] is None
        # The sender's confirmation is the same message.
        assert (await receive(patient_socket, "message"))["message"]["id"] == arrived["id"]
        # The specialist's unread count follows on the navigation's socket, per thread and in total.
        unread = await receive(specialist_nav, "unread")
        assert unread == {"type": "unread", "total": 1, "counts": {str(conversation.public_id): 1}}
        # A retried send is stored once and confirmed to the sender only.
        await patient_socket.send_json_to({"type": "message", "text": "<b>Hello</b>", "client_id": client_id})
        assert (await receive(patient_socket, "message"))["message"]["id"] == arrived["id"]
        assert await database_sync_to_async(Message.objects.count)() == 1
        assert await specialist_socket.receive_nothing(timeout=0.2)
        # Reading clears it; the patient sees "Seen".
        await specialist_socket.send_json_to({"type": "read", "up_to": timezone.now().isoformat()})
        seen = await receive(patient_socket, "read")
        assert seen["user_id"] == str(specialist.public_id)
        assert (await receive(specialist_nav, "unread"))["total"] == 0
        await patient_socket.disconnect()
        await specialist_socket.disconnect()
        await specialist_nav.disconnect()

    run(scenario)


@pytest.mark.parametrize(
    "frame",
    [
        {"type": "message", "text": "   ", "client_id": "7c4a6c38-5c44-4b61-9c8e-6b8b5f9b1d11"},
        {
            "type": "message",
            "text": "x" * (MESSAGE_MAX_LENGTH + 1),
            "client_id": "7c4a6c38-5c44-4b61-9c8e-6b8b5f9b1d11",
        },
        {"type": "message", "text": 42, "client_id": "7c4a6c38-5c44-4b61-9c8e-6b8b5f9b1d11"},
        {"type": "message", "text": "Hi", "client_id": "not-a-uuid"},
        {"type": "read", "up_to": "yesterday-ish"},
        {"type": "shout"},
    ],
)
def test_bad_input_gets_an_error_and_stores_nothing(pair, frame):
    relationship, conversation = pair

    async def scenario():
        communicator = await connected(socket(thread_path(conversation), relationship.patient))
        await communicator.send_json_to(frame)
        error = await receive(communicator, "error")
        assert error["message"]
        if frame.get("client_id") and frame["client_id"] != "not-a-uuid":
            assert error["client_id"] == frame["client_id"]
        await communicator.send_to(text_data="{not json")
        assert (await receive(communicator, "error"))["client_id"] is None
        assert await database_sync_to_async(Message.objects.count)() == 0
        await communicator.disconnect()

    run(scenario)


def test_ending_care_closes_both_sides_sockets_and_leaves_the_thread_read_only(pair):
    relationship, conversation = pair
    patient, specialist = relationship.patient, relationship.specialist.user

    async def scenario():
        sockets = [await connected(socket(thread_path(conversation), user)) for user in (patient, specialist)]
        await database_sync_to_async(care_relationship_end)(relationship=relationship, by=specialist)
        for communicator in sockets:
            assert (await receive(communicator, "closed")) == {"type": "closed"}
            assert (await communicator.receive_output(timeout=TIMEOUT))["type"] == "websocket.close"
        # Either may reconnect to read, but every message is refused.
        for user in (patient, specialist):
            again = socket(thread_path(conversation), user)
            accepted, _code = await again.connect(timeout=TIMEOUT)
            assert accepted
            assert (await receive(again, "hello"))["can_post"] is False
            await again.send_json_to({"type": "message", "text": "Wait", "client_id": str(uuid.uuid4())})
            assert "no longer" in (await receive(again, "error"))["message"]
            await again.disconnect()
        assert await database_sync_to_async(Message.objects.filter(kind=Message.Kind.TEXT).count)() == 0

    run(scenario)


def test_after_care_ended_typing_reaches_nobody(pair):
    relationship, conversation = pair
    patient, specialist = relationship.patient, relationship.specialist.user
    care_relationship_end(relationship=relationship, by=specialist)

    async def scenario():
        patient_socket = await connected(socket(thread_path(conversation), patient))
        specialist_socket = await connected(socket(thread_path(conversation), specialist))
        await patient_socket.send_json_to({"type": "typing"})
        assert await specialist_socket.receive_nothing(timeout=0.3)
        await patient_socket.disconnect()
        await specialist_socket.disconnect()

    run(scenario)


def test_the_post_permission_is_checked_on_every_message(pair):
    """A socket opened while the patient could post does not keep that right."""
    relationship, conversation = pair
    patient = relationship.patient

    async def scenario():
        communicator = await connected(socket(thread_path(conversation), patient))
        # The permission goes without the "closed" broadcast reaching this socket.
        await database_sync_to_async(remove_perm)("messaging.post_in_conversation", patient, conversation)
        await communicator.send_json_to({"type": "message", "text": "Still here?", "client_id": str(uuid.uuid4())})
        await receive(communicator, "error")
        assert await database_sync_to_async(Message.objects.count)() == 0
        await communicator.disconnect()

    run(scenario)


def test_typing_reaches_the_other_side_only(pair):
    relationship, conversation = pair
    patient, specialist = relationship.patient, relationship.specialist.user

    async def scenario():
        patient_socket = await connected(socket(thread_path(conversation), patient))
        specialist_socket = await connected(socket(thread_path(conversation), specialist))
        await patient_socket.send_json_to({"type": "typing"})
        typing = await receive(specialist_socket, "typing")
        assert typing == {"type": "typing", "user_id": str(patient.public_id), "name": "Pat Patient"}
        await asyncio.sleep(0.1)
        assert await patient_socket.receive_nothing(timeout=0.2)
        await patient_socket.disconnect()
        await specialist_socket.disconnect()

    run(scenario)


def test_a_reconnecting_client_fetches_what_it_missed(pair):
    relationship, conversation = pair
    patient, specialist = relationship.patient, relationship.specialist.user
    before = timezone.now() - timedelta(seconds=1)
    first = services.message_post(conversation=conversation, author=specialist, text="One")
    second = services.message_post(conversation=conversation, author=specialist, text="Two")

    async def scenario():
        communicator = await connected(socket(thread_path(conversation), patient))
        await communicator.send_json_to({"type": "resume", "after": before.isoformat()})
        missed = await receive(communicator, "resume")
        assert [m["id"] for m in missed["messages"]] == [str(first.public_id), str(second.public_id)]
        assert missed["more"] is False
        await communicator.send_json_to({"type": "resume", "after": first.created_at.isoformat()})
        assert [m["text"] for m in (await receive(communicator, "resume"))["messages"]] == ["Two"]
        await communicator.disconnect()

    run(scenario)


def test_the_unread_socket_follows_the_total(pair):
    relationship, conversation = pair
    patient, specialist = relationship.patient, relationship.specialist.user

    async def scenario():
        nav = socket("/ws/unread/", specialist)
        accepted, _code = await nav.connect(timeout=TIMEOUT)
        assert accepted
        assert await nav.receive_json_from(timeout=TIMEOUT) == {"type": "unread", "total": 0, "counts": {}}
        await database_sync_to_async(services.message_post)(conversation=conversation, author=patient, text="Hi")
        assert await nav.receive_json_from(timeout=TIMEOUT) == {
            "type": "unread",
            "total": 1,
            "counts": {str(conversation.public_id): 1},
        }
        await database_sync_to_async(services.conversation_mark_read)(conversation=conversation, user=specialist)
        assert (await nav.receive_json_from(timeout=TIMEOUT))["total"] == 0
        await nav.disconnect()

    run(scenario)


def test_a_conversation_opened_later_is_counted_by_an_open_unread_socket(pair):
    relationship, _conversation = pair
    patient = relationship.patient
    other = SpecialistProfileFactory(organization=relationship.specialist.organization)

    async def scenario():
        nav = await connected(socket("/ws/unread/", patient), "unread")

        def start_care_and_write():
            with transaction.atomic():  # announced after commit, as in a request
                started = care_relationship_start(patient=patient, specialist=other, source="chosen")
            conversation = Conversation.objects.get(relationship=started)
            services.message_post(conversation=conversation, author=other.user, text="Welcome")
            return conversation

        conversation = await database_sync_to_async(start_care_and_write)()
        while (frame := await receive(nav, "unread"))["total"] == 0:
            pass
        assert frame["counts"] == {str(conversation.public_id): 1}
        await nav.disconnect()

    run(scenario)


def test_signing_out_closes_the_sessions_sockets_at_once(pair):
    relationship, conversation = pair
    patient, specialist = relationship.patient, relationship.specialist.user

    async def scenario():
        thread = await connected(socket(thread_path(conversation), patient))
        nav = await connected(socket("/ws/unread/", patient), "unread")
        other = await connected(socket(thread_path(conversation), specialist))
        await database_sync_to_async(sign_out)(patient)  # the session check is a minute away
        assert await signed_out(thread, timeout=1)
        assert await signed_out(nav, timeout=1)
        assert await other.receive_nothing(timeout=0.2)  # another session
        await other.disconnect()

    run(scenario)


def test_a_session_ended_elsewhere_closes_its_sockets(pair, settings):
    settings.SESSION_CHECK_SECONDS = 0.2
    relationship, conversation = pair
    patient = relationship.patient

    async def scenario():
        thread = await connected(socket(thread_path(conversation), patient))
        nav = await connected(socket("/ws/unread/", patient), "unread")
        await database_sync_to_async(Session.objects.filter(session_key=patient.session_key).delete)()
        assert await signed_out(thread, timeout=1)
        assert await signed_out(nav, timeout=1)

    run(scenario)


def test_a_session_store_hiccup_keeps_the_socket_and_it_is_checked_again(pair, settings, monkeypatch):
    settings.SESSION_CHECK_SECONDS = 0.2
    relationship, conversation = pair
    patient = relationship.patient
    failures = []

    def unreachable_once(session_key):
        if not failures:
            failures.append(session_key)
            raise ConnectionError("session store down")
        return session_load(session_key)

    monkeypatch.setattr(sockets, "session_load", unreachable_once)

    async def scenario():
        thread = await connected(socket(thread_path(conversation), patient))
        assert await thread.receive_nothing(timeout=0.5)  # the failed look did not close it
        assert failures
        await database_sync_to_async(Session.objects.filter(session_key=patient.session_key).delete)()
        assert await signed_out(thread, timeout=1)

    run(scenario)


def test_an_idle_patients_socket_closes_at_the_idle_limit(pair, settings):
    settings.SESSION_IDLE_TIMEOUT_PATIENT, settings.SESSION_CHECK_SECONDS = 1, 0.2
    relationship, conversation = pair
    patient = relationship.patient
    log_in(patient)  # the idle clock starts now

    async def scenario():
        communicator = await connected(socket(thread_path(conversation), patient))
        assert await signed_out(communicator, timeout=1.5)

    run(scenario)


def test_typing_keeps_the_session_alive_past_the_idle_limit(pair, settings, monkeypatch):
    settings.SESSION_IDLE_TIMEOUT_PATIENT, settings.SESSION_CHECK_SECONDS = 1, 0.2
    monkeypatch.setattr(sockets, "SEEN_WRITE_EVERY", 0)
    relationship, conversation = pair
    patient = relationship.patient
    log_in(patient)  # the idle clock starts now
    seen_at_sign_in = session_load(patient.session_key)[SESSION_SEEN_KEY]

    async def scenario():
        communicator = await connected(socket(thread_path(conversation), patient))
        for _ in range(8):  # two seconds, twice the idle limit
            await communicator.send_json_to({"type": "typing"})
            await asyncio.sleep(0.25)
        assert await communicator.receive_nothing(timeout=0.3)  # still open
        stored = await database_sync_to_async(session_load)(patient.session_key)
        assert stored[SESSION_SEEN_KEY] > seen_at_sign_in + 1
        await communicator.disconnect()

    run(scenario)


def test_reading_over_the_socket_is_audited(pair):
    relationship, conversation = pair
    patient, specialist = relationship.patient, relationship.specialist.user
    before = timezone.now() - timedelta(seconds=1)
    services.message_post(conversation=conversation, author=specialist, text="One")
    reads = AuditLog.objects.filter(action=AuditLog.Action.READ, object_public_id=conversation.public_id, actor=patient)

    async def scenario():
        communicator = await connected(socket(thread_path(conversation), patient))
        assert await database_sync_to_async(reads.count)() == 1
        await communicator.send_json_to({"type": "resume", "after": before.isoformat()})
        assert len((await receive(communicator, "resume"))["messages"]) == 1
        assert await database_sync_to_async(reads.count)() == 2
        # Nothing missed: nothing read.
        await communicator.send_json_to({"type": "resume", "after": timezone.now().isoformat()})
        assert (await receive(communicator, "resume"))["messages"] == []
        assert await database_sync_to_async(reads.count)() == 2
        await communicator.disconnect()

    run(scenario)


def test_typing_is_passed_on_at_most_once_per_interval(pair, monkeypatch):
    relationship, conversation = pair
    patient, specialist = relationship.patient, relationship.specialist.user

    async def scenario():
        patient_socket = await connected(socket(thread_path(conversation), patient))
        specialist_socket = await connected(socket(thread_path(conversation), specialist))
        await patient_socket.send_json_to({"type": "typing"})
        await patient_socket.send_json_to({"type": "typing"})  # within TYPING_EVERY: dropped
        await receive(specialist_socket, "typing")
        assert await specialist_socket.receive_nothing(timeout=0.3)
        monkeypatch.setattr(consumers, "TYPING_EVERY", 0)
        await patient_socket.send_json_to({"type": "typing"})
        await patient_socket.send_json_to({"type": "typing"})
        await receive(specialist_socket, "typing")
        await receive(specialist_socket, "typing")
        await patient_socket.disconnect()
        await specialist_socket.disconnect()

    run(scenario)
