"""The thread's notices of a video session (messaging/notices.py): "Session
started" and "Session ended (48 min)", once per session however often the
event is delivered, also after the session's booked end, and only into the
pair's active conversation."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from booking import services as booking
from booking.states import AppointmentStatus as S
from care.models import CareRelationship
from care.services import care_relationship_start
from core import events
from messaging import selectors
from messaging.models import Conversation, Message
from tests.accounts.factories import UserFactory
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

pytestmark = pytest.mark.django_db

STARTS_AT = datetime(2026, 11, 24, 14, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(STARTS_AT - timedelta(days=7), tick=False) as traveller:
        yield traveller


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Call a service as a request would: its events go out after commit."""

    def call(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)

    return call


@pytest.fixture
def offering(db):
    specialist = SpecialistProfileFactory(display_name="Dr Rivera", user=UserFactory(timezone="Europe/Berlin"))
    return OfferingFactory(specialist=specialist, duration_minutes=50)


@pytest.fixture
def patient(db):
    return UserFactory(timezone="America/New_York")


@pytest.fixture
def specialist_user(offering):
    return offering.specialist.user


@pytest.fixture
def conversation(clock, run, offering, patient):
    relationship = run(care_relationship_start, patient=patient, specialist=offering.specialist, source="chosen")
    return Conversation.objects.get(relationship=relationship)


def book(run, offering, patient, starts_at=STARTS_AT):
    return run(
        booking.appointment_create,
        patient=patient,
        offering=offering,
        starts_at=starts_at,
        status=S.CONFIRMED,
        by=patient,
    )


def video_notices(conversation):
    return list(
        Message.objects.filter(conversation=conversation, verb__startswith="video.").order_by("created_at", "pk")
    )


def started(run, appointment, by=None):
    """What the video app does once both are in: in progress, then the event."""
    run(booking.appointment_transition, appointment=appointment, to=S.IN_PROGRESS, by=by)
    run(events.send_on_commit, event=events.video_session_started, appointment_id=appointment.pk)


def ended(run, appointment, by, minutes=48):
    run(booking.appointment_transition, appointment=appointment, to=S.COMPLETED, by=by)
    run(
        events.send_on_commit, event=events.video_session_ended, appointment_id=appointment.pk, duration_minutes=minutes
    )


def test_a_session_posts_started_then_ended_with_its_length(
    clock, run, conversation, offering, patient, specialist_user
):
    appointment = book(run, offering, patient)
    clock.move_to(STARTS_AT + timedelta(minutes=1))
    started(run, appointment)
    [start] = video_notices(conversation)
    assert (start.kind, start.verb, start.text, start.author) == (
        Message.Kind.NOTICE,
        "video.started",
        "Session started",
        None,
    )

    clock.move_to(STARTS_AT + timedelta(minutes=49))
    before = selectors.unread_total(specialist_user)
    ended(run, appointment, by=specialist_user)
    [_start, end] = video_notices(conversation)
    assert (end.verb, end.text, end.author) == ("video.ended", "Session ended (48 min)", specialist_user)
    # The specialist ended it: unread for the patient only.
    assert selectors.unread_total(specialist_user) == before


def test_a_redelivered_event_posts_nothing_new_even_minutes_later(clock, run, conversation, offering, patient):
    appointment = book(run, offering, patient)
    clock.move_to(STARTS_AT)
    started(run, appointment)
    clock.move_to(STARTS_AT + timedelta(minutes=5))
    run(events.send_on_commit, event=events.video_session_started, appointment_id=appointment.pk)
    clock.move_to(STARTS_AT + timedelta(minutes=50))
    ended(run, appointment, by=None)
    clock.move_to(STARTS_AT + timedelta(minutes=58))
    run(events.send_on_commit, event=events.video_session_ended, appointment_id=appointment.pk, duration_minutes=48)
    assert [notice.text for notice in video_notices(conversation)] == ["Session started", "Session ended (48 min)"]


def test_the_next_session_of_the_pair_gets_its_own_notices(clock, run, conversation, offering, patient):
    first = book(run, offering, patient)
    second = book(run, offering, patient, starts_at=STARTS_AT + timedelta(hours=1))
    clock.move_to(STARTS_AT)
    started(run, first)
    clock.move_to(STARTS_AT + timedelta(minutes=50))
    ended(run, first, by=None, minutes=50)
    clock.move_to(STARTS_AT + timedelta(hours=1))
    started(run, second)
    assert [notice.text for notice in video_notices(conversation)] == [
        "Session started",
        "Session ended (50 min)",
        "Session started",
    ]


def test_an_end_after_the_booked_end_is_still_told(clock, run, conversation, offering, patient):
    """A session may run into its grace period: unlike booking news, the
    end of a session is told whenever it comes."""
    appointment = book(run, offering, patient)
    clock.move_to(STARTS_AT)
    started(run, appointment)
    clock.move_to(appointment.ends_at + timedelta(minutes=12))
    ended(run, appointment, by=None, minutes=62)
    assert video_notices(conversation)[-1].text == "Session ended (62 min)"


def test_nothing_is_posted_once_care_ended_or_for_an_unknown_appointment(
    clock, run, conversation, offering, patient, specialist_user
):
    appointment = book(run, offering, patient)
    clock.move_to(STARTS_AT)
    started(run, appointment)
    # Ended meanwhile (care cannot end during a session; a fixture shortcut).
    CareRelationship.objects.filter(pk=conversation.relationship_id).update(status=CareRelationship.Status.ENDED)
    ended(run, appointment, by=specialist_user)
    run(events.send_on_commit, event=events.video_session_started, appointment_id=987654)
    assert [notice.text for notice in video_notices(conversation)] == ["Session started"]
