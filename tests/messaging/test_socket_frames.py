"""Crafted frames on a conversation socket: each gets an error frame and the
socket stays usable, nothing is stored, and nothing outlives the socket.
Abuse (a frame over the size limit, or bad frame after bad frame) closes it
with a 4xxx code. `messaging.frames` reads every frame; its property test
runs on any JSON at all."""

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from care.services import care_relationship_start
from core import sockets
from core.timeutils import INPUT_RANGE
from messaging import consumers, frames, selectors, services
from messaging.models import Message
from tests.accounts.factories import UserFactory
from tests.care.factories import CareRelationshipFactory
from tests.messaging.test_consumers import TIMEOUT, connected, log_in, receive, run, socket, thread_path
from tests.specialists.factories import SpecialistProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)

CLIENT_ID = "7c4a6c38-5c44-4b61-9c8e-6b8b5f9b1d11"
NESTED = "[" * 40_000 + "]" * 40_000  # deeper than the JSON parser goes, within the size limit

BAD_FRAMES = [
    "{not json",
    NESTED,
    '{"type": ' + NESTED + "}",
    "1" * 5000,  # an integer too long to read
    "NaN",
    "null",
    "[]",
    '"message"',
    json.dumps({"type": ["message"]}),  # a list where a string belongs
    json.dumps({"type": {"message": 1}}),
    json.dumps({"type": 7}),
    json.dumps({"type": None}),
    json.dumps({"type": "shout"}),
    json.dumps({"type": "message", "text": 42, "client_id": CLIENT_ID}),
    json.dumps({"type": "message", "text": ["Hi"], "client_id": CLIENT_ID}),
    json.dumps({"type": "message", "text": {"a": [[[["Hi"]]]]}, "client_id": CLIENT_ID}),
    json.dumps({"type": "message", "text": "Hi\x00", "client_id": CLIENT_ID}),  # NUL
    '{"type": "message", "text": "Hi \\ud800", "client_id": "' + CLIENT_ID + '"}',  # a lone surrogate
    json.dumps({"type": "message", "text": "Hi", "client_id": 12}),
    json.dumps({"type": "message", "text": "Hi", "client_id": "x" * 10_000}),
    json.dumps({"type": "message", "text": "Hi", "client_id": CLIENT_ID, "author": "someone-else"}),
    json.dumps({"type": "typing", "spam": "x" * 50_000}),
    json.dumps({"type": "read", "up_to": 1_700_000_000}),
    json.dumps({"type": "read", "up_to": "9999-12-31T23:59:59-23:59"}),
    json.dumps({"type": "read", "up_to": "0001-01-01T00:00:00+23:59"}),
    json.dumps({"type": "read", "up_to": "2026-02-30T10:00:00"}),  # well formed, no such day
    json.dumps({"type": "read", "up_to": "2026-01-01T10:00:00+99:00"}),  # no such offset
    json.dumps({"type": "resume"}),
    json.dumps({"type": "resume", "after": None}),
    json.dumps({"type": "resume", "after": "yesterday-ish"}),
    json.dumps({"type": "resume", "after": "9999-12-31T23:59:59"}),
    json.dumps({"type": "resume", "after": "2026-01-01T10:00:00" + "0" * 100}),
]


@pytest.fixture
def pair():
    """A patient (signed in) and the conversation of their care."""
    patient = UserFactory()
    log_in(patient)
    relationship = care_relationship_start(patient=patient, specialist=SpecialistProfileFactory(), source="chosen")
    return relationship, relationship.conversation


async def still_answers(communicator) -> bool:
    """The socket still does its work: a resume from now answers, empty."""
    await communicator.send_json_to({"type": "resume", "after": timezone.now().isoformat()})
    return (await receive(communicator, "resume")) == {"type": "resume", "messages": [], "more": False}


def leftover_tasks(before) -> set:
    """Tasks started since `before` that are still running, apart from the
    Redis channel layer's own reader, which lives as long as the layer."""
    return {
        task
        for task in asyncio.all_tasks() - before
        if task is not asyncio.current_task() and "channels_redis" not in task.get_coro().cr_code.co_filename
    }


def test_each_bad_frame_gets_an_error_stores_nothing_and_the_socket_goes_on(pair):
    relationship, conversation = pair

    async def scenario():
        before = asyncio.all_tasks()
        communicator = await connected(socket(thread_path(conversation), relationship.patient))
        for frame in [*BAD_FRAMES, b'{"type": "typing"}']:  # and a binary frame
            key = "bytes" if isinstance(frame, bytes) else "text"
            await communicator.send_input({"type": "websocket.receive", key: frame})
            error = await receive(communicator, "error")
            assert error["message"] and error["client_id"] in (None, CLIENT_ID), frame[:80]
            assert await still_answers(communicator), frame[:80]
        assert await database_sync_to_async(Message.objects.count)() == 0
        await communicator.disconnect()
        assert not leftover_tasks(before)  # the session watcher ended with the socket

    run(scenario)


def test_the_unread_socket_answers_any_frame_with_an_error_and_goes_on(pair):
    relationship, _conversation = pair

    async def scenario():
        nav = await connected(socket("/ws/unread/", relationship.patient), "unread")
        for frame in ('{"type": []}', NESTED, json.dumps({"type": "resume", "after": "2026-01-01T00:00:00"})):
            await nav.send_to(frame)
            assert (await receive(nav, "error"))["message"]
        await nav.disconnect()

    run(scenario)


def test_a_frame_over_the_size_limit_closes_the_socket_unread(pair):
    relationship, conversation = pair

    async def scenario():
        before = asyncio.all_tasks()
        communicator = await connected(socket(thread_path(conversation), relationship.patient))
        await communicator.send_json_to({"type": "message", "text": "x" * frames.MAX_FRAME, "client_id": CLIENT_ID})
        assert await communicator.receive_output(timeout=TIMEOUT) == {
            "type": "websocket.close",
            "code": sockets.TOO_LARGE,
        }
        await communicator.disconnect()
        assert not leftover_tasks(before)

    run(scenario)
    assert not Message.objects.exists()


def test_bad_frame_after_bad_frame_closes_the_socket(pair):
    relationship, conversation = pair

    async def scenario():
        communicator = await connected(socket(thread_path(conversation), relationship.patient))
        for _ in range(sockets.MAX_BAD_FRAMES):
            await communicator.send_to('{"type": []}')
            await receive(communicator, "error")
        await communicator.send_to('{"type": []}')
        assert await communicator.receive_output(timeout=TIMEOUT) == {
            "type": "websocket.close",
            "code": sockets.BAD_FRAMES,
        }
        await communicator.disconnect()

    run(scenario)


def test_good_frames_between_bad_ones_keep_the_socket_open(pair):
    relationship, conversation = pair

    async def scenario():
        communicator = await connected(socket(thread_path(conversation), relationship.patient))
        for _ in range(sockets.MAX_BAD_FRAMES * 2):
            await communicator.send_to('{"type": []}')
            await receive(communicator, "error")
            assert await still_answers(communicator)
        await communicator.disconnect()

    run(scenario)


def test_a_resume_from_long_ago_reads_one_page_from_the_database(pair, monkeypatch):
    relationship, conversation = pair
    for number in range(5):
        services.message_post(conversation=conversation, author=relationship.patient, text=f"Message {number}")
    monkeypatch.setattr(consumers, "RESUME_LIMIT", 2)
    limits = []
    original = selectors.messages_after

    def remembering(conversation, *, after, limit=None):
        limits.append(limit)
        return original(conversation, after=after, limit=limit)

    monkeypatch.setattr(selectors, "messages_after", remembering)

    async def scenario():
        communicator = await connected(socket(thread_path(conversation), relationship.patient))
        long_ago = (timezone.now() - timedelta(days=365)).isoformat()
        await communicator.send_json_to({"type": "resume", "after": long_ago})
        page = await receive(communicator, "resume")
        assert [m["text"] for m in page["messages"]] == ["Message 0", "Message 1"] and page["more"]
        await communicator.disconnect()

    run(scenario)
    assert limits == [3]  # one more than a page, to know whether there is more


@pytest.mark.django_db
def test_messages_after_reads_at_most_the_limit():
    relationship = CareRelationshipFactory()
    conversation = services.conversation_open(relationship=relationship)
    for number in range(5):
        services.message_post(conversation=conversation, author=relationship.patient, text=f"Message {number}")
    start = datetime(2000, 1, 1, tzinfo=UTC)
    assert [m.text for m in selectors.messages_after(conversation, after=start, limit=3)] == [
        "Message 0",
        "Message 1",
        "Message 2",
    ]
    assert len(selectors.messages_after(conversation, after=start)) == 5


# --- The frame reader on anything ---------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
FIELD_NAMES = st.sampled_from(["type", "text", "client_id", "up_to", "after", "extra"])
TYPES = st.sampled_from([*frames.FIELDS, "shout", ""]) | JSON
FRAME_OBJECTS = st.dictionaries(FIELD_NAMES, JSON, max_size=4).flatmap(
    lambda fields: TYPES.map(lambda kind: {**fields, "type": kind})
)


@pytest.mark.django_db
@hypothesis_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text() | FRAME_OBJECTS.map(json.dumps) | JSON.map(json.dumps))
def test_any_text_is_read_as_a_well_formed_frame_or_refused_with_a_message(text):
    try:
        frame = frames.parse(text)
    except frames.BadFrame as bad:
        assert bad.message
        return
    assert frame.type in frames.FIELDS
    assert isinstance(frame.text, str) and not frames.UNSTORABLE.search(frame.text)
    if frame.at is not None:
        assert frame.at.tzinfo is UTC
        assert abs(frame.at - timezone.now()) <= INPUT_RANGE + timedelta(minutes=1)
