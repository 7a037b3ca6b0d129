"""A stand-in for the video app's answers to `core.meetings`, for tests of
the pages, emails and calendar files of the apps below it: a room per
confirmed or under-way appointment at /sessions/<public_id>/, open from
10 minutes before the start until 15 minutes after the end, for its
patient and its specialist only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from core import meetings
from core.meetings import JoinLink

ROOM_STATUSES = ("confirmed", "in_progress")


def room_path(appointment) -> str:
    return f"/sessions/{appointment.public_id}/"


@dataclass
class FakeRooms:
    opens_before: timedelta = timedelta(minutes=10)
    grace: timedelta = timedelta(minutes=15)
    # Appointments (pks) whose patient waits in the room.
    waiting: set = field(default_factory=set)
    asked: list = field(default_factory=list)

    def join_link(self, appointment, user, now) -> JoinLink | None:
        self.asked.append((appointment.pk, getattr(user, "pk", None), now))
        if appointment.status not in ROOM_STATUSES:
            return None
        if user is not None and user.pk not in (appointment.patient_id, appointment.specialist.user_id):
            return None
        now = now or timezone.now()
        opens_at = appointment.starts_at - self.opens_before
        closes_at = appointment.ends_at + self.grace
        return JoinLink(room_path(appointment), opens_at, closes_at, opens_at <= now < closes_at)

    def is_waiting(self, appointment) -> bool:
        return appointment.pk in self.waiting


def install_rooms(monkeypatch, **options) -> FakeRooms:
    """Register fake providers for this test (undone after it)."""
    rooms = FakeRooms(**options)
    monkeypatch.setattr(meetings, "_provider", None)
    monkeypatch.setattr(meetings, "_waiting_provider", None)
    meetings.register(rooms.join_link)
    meetings.register_waiting(rooms.is_waiting)
    return rooms


def remove_rooms(monkeypatch) -> None:
    """No video app answers, whatever is installed (undone after the test)."""
    monkeypatch.setattr(meetings, "_provider", None)
    monkeypatch.setattr(meetings, "_waiting_provider", None)
