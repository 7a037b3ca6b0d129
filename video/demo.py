"""Demo video sessions: the demo patient's (Alex's) past session with the
demo specialist (Sam) took place in the video room, so its appointment
shows who joined, when it started and that it lasted 48 minutes.

Written after the fact, with the times of then: the services stamp the
present moment, so the rows are set here directly. Only the timestamps are
stored, as for a real call. Idempotent: a session already started is left
alone. The session about to start (booking/demo.py) gets its row from the
`appointment_confirmed` receiver like any booking.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model

from booking.models import Appointment
from booking.states import AppointmentStatus

from .models import VideoParticipation, VideoSession
from .services import session_for_appointment

SAM = "specialist@demo.daraport.test"
ALEX = "patient@demo.daraport.test"
# How the past session went: Alex early in the waiting room, Sam letting
# him in a minute after the start, 48 minutes together.
PATIENT_ARRIVED = timedelta(minutes=-3)
ADMITTED = timedelta(minutes=1)
LASTED = timedelta(minutes=48)


def seed() -> list[str]:
    User = get_user_model()
    alex = User.objects.filter(email=ALEX).first()
    sam = User.objects.filter(email=SAM).first()
    if alex is None or sam is None:
        return ["skipped: the demo patient or specialist is missing"]
    past = Appointment.objects.filter(patient=alex, specialist__user=sam, status=AppointmentStatus.COMPLETED).order_by(
        "starts_at"
    )
    held = 0
    for appointment in past:
        session = session_for_appointment(appointment)
        if session.started_at is None:
            _took_place(session, appointment, sam=sam, alex=alex)
            held += 1
    return [f"{ALEX}: {held} past session(s) with video timestamps"] if held else []


def _took_place(session: VideoSession, appointment: Appointment, *, sam, alex) -> None:
    admitted_at = appointment.starts_at + ADMITTED
    ended_at = admitted_at + LASTED
    session.admitted_at = admitted_at
    session.started_at = admitted_at
    session.ended_at = ended_at
    session.ended_by = sam
    session.end_reason = VideoSession.EndReason.COMPLETED_BY_SPECIALIST
    session.save(update_fields=["admitted_at", "started_at", "ended_at", "ended_by", "end_reason", "updated_at"])
    VideoParticipation.objects.bulk_create(
        [
            VideoParticipation(
                session=session,
                user=alex,
                role=VideoParticipation.Role.PATIENT,
                joined_at=appointment.starts_at + PATIENT_ARRIVED,
                left_at=ended_at,
            ),
            VideoParticipation(session=session, user=sam, role="specialist", joined_at=admitted_at, left_at=ended_at),
        ]
    )
