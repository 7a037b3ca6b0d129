"""Join links for the apps below video (core/meetings.py): nothing until a
provider registers, then its answer for the viewer; and the template tags
pages use to ask for it."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.template import Context, RequestContext, Template
from django.test import RequestFactory

from core import meetings
from core.meetings import JoinLink
from tests.core.fake_rooms import remove_rooms

NOW = datetime(2026, 11, 24, 8, 40, tzinfo=UTC)
OPENS_AT = datetime(2026, 11, 24, 8, 50, tzinfo=UTC)
CLOSES_AT = datetime(2026, 11, 24, 10, 5, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def appointment():
    return SimpleNamespace(pk=7, public_id="a1b2")


def link(is_open=False, opens_at=OPENS_AT):
    return JoinLink("/sessions/a1b2/", opens_at, CLOSES_AT, is_open)


def test_without_a_provider_there_is_no_link_and_nobody_waits(monkeypatch, appointment):
    remove_rooms(monkeypatch)
    assert meetings.join_link(appointment) is None
    assert meetings.join_link(appointment, SimpleNamespace(pk=1), NOW) is None
    assert meetings.waiting(appointment) is False


def test_the_registered_providers_answer_with_the_viewer_and_the_moment(monkeypatch, appointment):
    remove_rooms(monkeypatch)
    asked = []
    viewer = SimpleNamespace(pk=3)

    def provider(appointment, user, now):
        asked.append((appointment, user, now))
        return link(is_open=True)

    meetings.register(provider)
    meetings.register_waiting(lambda appointment: appointment.pk == 7)
    assert meetings.join_link(appointment, viewer, NOW) == link(is_open=True)
    assert meetings.join_link(appointment) == link(is_open=True)
    assert asked == [(appointment, viewer, NOW), (appointment, None, None)]
    assert meetings.waiting(appointment) is True
    assert meetings.waiting(SimpleNamespace(pk=8)) is False


def test_a_provider_may_answer_none_for_someone_elses_appointment(monkeypatch, appointment):
    remove_rooms(monkeypatch)
    meetings.register(lambda appointment, user, now: None)
    assert meetings.join_link(appointment, SimpleNamespace(pk=99)) is None


@pytest.mark.parametrize(
    ("join", "early", "soon"),
    [
        (link(is_open=True, opens_at=NOW - timedelta(minutes=5)), False, False),
        (link(opens_at=NOW + timedelta(minutes=10)), True, True),
        (link(opens_at=NOW + meetings.NEAR), True, True),
        (link(opens_at=NOW + meetings.NEAR + timedelta(minutes=1)), True, False),
        # Closed inside its window: the session was ended early.
        (link(opens_at=NOW - timedelta(minutes=30)), False, False),
    ],
)
def test_a_link_says_whether_its_room_opens_later_and_whether_soon(join, early, soon):
    assert (join.is_early, join.opens_soon) == (early, soon)


def test_a_join_link_is_frozen():
    with pytest.raises(AttributeError):
        link().is_open = True


# --- The template tags ----------------------------------------------------------------

TAGS = Template(
    "{% load daraport %}{% join_link appointment as join %}{% session_waiting appointment as waiting %}"
    "{{ join.url|default:'none' }} {{ waiting }}"
)


@pytest.mark.django_db  # the context processors read
def test_the_tag_asks_for_the_requests_user_even_inside_an_include_with_only(monkeypatch, appointment):
    remove_rooms(monkeypatch)
    viewers = []
    meetings.register(lambda appointment, user, now: viewers.append(user) or link(is_open=True))
    meetings.register_waiting(lambda appointment: True)
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    assert TAGS.render(RequestContext(request, {"appointment": appointment})) == "/sessions/a1b2/ True"

    # `include … only` drops the context's variables but keeps its request.
    outer = Template("{% include template with appointment=appointment only %}")
    rendered = outer.render(RequestContext(request, {"appointment": appointment, "template": TAGS}))
    assert rendered == "/sessions/a1b2/ True"
    assert viewers == [request.user, request.user]


def test_the_tag_takes_a_named_viewer_for_an_email(monkeypatch, appointment):
    remove_rooms(monkeypatch)
    viewers = []
    meetings.register(lambda appointment, user, now: viewers.append(user) or link())
    recipient = SimpleNamespace(pk=9)
    template = Template("{% load daraport %}{% join_link appointment user=recipient as join %}{{ join.url }}")
    assert template.render(Context({"appointment": appointment, "recipient": recipient})) == "/sessions/a1b2/"
    assert viewers == [recipient]


def test_the_tags_answer_nothing_without_video_or_without_an_appointment(monkeypatch, appointment):
    remove_rooms(monkeypatch)
    assert TAGS.render(Context({"appointment": appointment})) == "none False"
    meetings.register(lambda appointment, user, now: link(is_open=True))
    assert TAGS.render(Context({"appointment": None})) == "none False"


@pytest.mark.parametrize(
    ("starts_in", "near"),
    [
        (timedelta(hours=-3), True),  # started: its room may still be open
        (timedelta(hours=2), True),  # a room opening an hour ahead opens within the hour
        (timedelta(hours=2, minutes=1), False),
        (timedelta(days=1), False),
    ],
)
def test_only_sessions_that_can_be_open_soon_are_worth_asking_about(starts_in, near):
    assert meetings.may_be_near(NOW + starts_in) is near
    assert meetings.may_be_near(NOW + starts_in, now=NOW) is near
