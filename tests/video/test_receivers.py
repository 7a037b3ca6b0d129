import pytest

from booking.services import appointment_cancel, appointment_transition
from booking.states import AppointmentStatus
from tests.booking.factories import AppointmentFactory
from tests.video.factories import patient_of, room_at, specialist_of
from video import selectors, services, tasks
from video.models import VideoSession

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    calls = []
    monkeypatch.setattr(services, "_send", lambda group, event: calls.append((group, event)))
    return calls


def test_a_confirmed_appointment_gets_its_room_bound_to_the_pairs_care(django_capture_on_commit_callbacks):
    appointment = AppointmentFactory()  # requested
    with django_capture_on_commit_callbacks(execute=True):
        appointment_transition(appointment=appointment, to=AppointmentStatus.CONFIRMED, by=appointment.specialist.user)
    session = VideoSession.objects.get(appointment=appointment)
    assert session.relationship.patient == appointment.patient
    assert session.relationship.specialist == appointment.specialist
    assert session.relationship.status == "active"


def test_an_appointment_not_confirmed_gets_no_room(django_capture_on_commit_callbacks):
    appointment = AppointmentFactory()
    with django_capture_on_commit_callbacks(execute=True):
        appointment_transition(appointment=appointment, to=AppointmentStatus.DECLINED, by=appointment.specialist.user)
    assert not VideoSession.objects.exists()


def test_cancelling_sends_the_people_in_the_room_away(sent, django_capture_on_commit_callbacks):
    session = room_at()
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(appointment=session.appointment, by=patient_of(session), reason="Something came up.")
    assert (selectors.session_group(session), {"type": "video.ended", "reason": "cancelled"}) in sent
    assert (selectors.lobby_group(specialist_of(session).pk), {"type": "video.lobby"}) in sent
    session.refresh_from_db()
    assert session.ended_at is None  # the status alone closes the room


def test_completing_from_the_appointment_page_closes_the_room(sent, django_capture_on_commit_callbacks):
    session = room_at()
    with django_capture_on_commit_callbacks(execute=True):
        appointment_transition(
            appointment=session.appointment, to=AppointmentStatus.COMPLETED, by=specialist_of(session)
        )
    assert (selectors.session_group(session), {"type": "video.ended", "reason": "completed"}) in sent
    assert selectors.window(VideoSession.objects.get(pk=session.pk)).state == "ended"


def test_a_room_the_specialist_ended_is_not_told_twice(sent, django_capture_on_commit_callbacks):
    session = room_at()
    with django_capture_on_commit_callbacks(execute=True):
        services.session_end(session, specialist_of(session))
    room = selectors.session_group(session)
    assert [event for group, event in sent if group == room] == [
        {"type": "video.ended", "reason": "completed_by_specialist"}
    ]


def test_the_sweep_task_runs_the_sweep(monkeypatch):
    monkeypatch.setattr(tasks, "sweep_timed_out", lambda: 3)
    assert tasks.sweep_timed_out_sessions() == 3


def test_the_sweep_runs_every_minute():
    from daraport.celery import app

    entry = next(e for e in app.conf.beat_schedule.values() if e["task"] == "video.sweep_timed_out")
    assert entry["schedule"] == 60
