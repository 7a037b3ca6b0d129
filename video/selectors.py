"""Every read of the video app: who may enter which room, and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone

from booking.models import Appointment
from booking.states import TERMINAL, AppointmentStatus
from care.models import CareRelationship
from core.meetings import JoinLink

from .models import VideoParticipation, VideoPolicy, VideoPreference, VideoSession

# The appointment statuses in which the room can be entered.
ENTERABLE = frozenset({AppointmentStatus.CONFIRMED, AppointmentStatus.IN_PROGRESS})


@dataclass(frozen=True)
class Window:
    """When a room can be entered, and whether it can now.

    `state` is "early" (not yet), "open" or "ended" (never again)."""

    opens_at: datetime
    closes_at: datetime
    state: str

    @property
    def is_open(self) -> bool:
        return self.state == "open"


def policy_for(organization) -> VideoPolicy:
    """`organization`'s (an instance or its pk) room window, or the defaults
    (unsaved) when it set none."""
    organization_id = getattr(organization, "pk", organization)
    policy = VideoPolicy.objects.filter(organization_id=organization_id).first()
    return policy or VideoPolicy(organization_id=organization_id)


def appointment_window(appointment: Appointment, *, policy: VideoPolicy, ended: bool = False, now=None) -> Window:
    """The window of `appointment`'s room under `policy`.

    Open from `opens_minutes_before` the start to `grace_minutes` after the
    end, for a confirmed appointment. A session under way (in progress, not
    ended) stays open past that: a call that runs over is never cut off by
    the clock, and someone who reloads gets back in. It ends for good when
    the session ended (`ended`) or the appointment reached a terminal status.
    """
    now = now or timezone.now()
    opens_at = appointment.starts_at - timedelta(minutes=policy.opens_minutes_before)
    closes_at = appointment.ends_at + timedelta(minutes=policy.grace_minutes)
    status = AppointmentStatus(appointment.status)
    if ended or status in TERMINAL:
        state = "ended"
    elif status == AppointmentStatus.IN_PROGRESS:
        state = "open"
    elif now >= closes_at:
        state = "ended"
    elif now < opens_at or status not in ENTERABLE:
        # Not confirmed yet (awaiting payment): it may still be.
        state = "early"
    else:
        state = "open"
    return Window(opens_at=opens_at, closes_at=closes_at, state=state)


def window(session: VideoSession, now: datetime | None = None) -> Window:
    """The window of `session`'s room (see `appointment_window`)."""
    appointment = session.appointment
    policy = policy_for(appointment.specialist.organization_id)
    return appointment_window(appointment, policy=policy, ended=session.ended_at is not None, now=now)


def session_for_user(public_id, user) -> VideoSession | None:
    """The room of the appointment `public_id`, if `user` is its patient or
    its specialist and their care relationship is active; else None (a view
    answers 404, a socket refuses)."""
    if user is None or not user.is_authenticated:
        return None
    session = (
        VideoSession.objects.select_related(
            "appointment__patient", "appointment__specialist__user", "appointment__offering", "relationship"
        )
        .filter(appointment__public_id=public_id, relationship__status=CareRelationship.Status.ACTIVE)
        .first()
    )
    if session is None or role_of(session, user) is None:
        return None
    return session


def role_of(session: VideoSession, user) -> str | None:
    """ "patient", "specialist" or None: what `user` is in `session`."""
    appointment = session.appointment
    if user.pk == appointment.patient_id:
        return VideoParticipation.Role.PATIENT
    if user.pk == appointment.specialist.user_id:
        return VideoParticipation.Role.SPECIALIST
    return None


def join_link(appointment: Appointment, user=None, now: datetime | None = None) -> JoinLink | None:
    """The room of `appointment` for `core.meetings`: its address and window
    while it is confirmed or under way, for its patient or its specialist
    (`user` None: whoever may see the appointment); else None."""
    if appointment.status not in ENTERABLE:
        return None
    if user is not None and user.pk not in (appointment.patient_id, appointment.specialist.user_id):
        return None
    policy = policy_for(appointment.specialist.organization_id)
    room = appointment_window(appointment, policy=policy, now=now)
    return JoinLink(
        url=reverse("video:room", args=[appointment.public_id]),
        opens_at=room.opens_at,
        closes_at=room.closes_at,
        is_open=room.is_open,
    )


def patient_waiting(appointment: Appointment) -> bool:
    """For `core.meetings.waiting`: `appointment`'s patient is in its room,
    not let in yet."""
    return VideoParticipation.objects.filter(
        session__appointment=appointment,
        session__admitted_at__isnull=True,
        session__ended_at__isnull=True,
        user_id=appointment.patient_id,
        left_at__isnull=True,
    ).exists()


def is_present(session: VideoSession, user_id: int) -> bool:
    """Whether `user_id` is in the room now (an open stay)."""
    return VideoParticipation.objects.filter(session=session, user_id=user_id, left_at__isnull=True).exists()


def open_stay_id(session: VideoSession, user_id: int) -> int | None:
    """The id of `user_id`'s open stay in the room, None when they are not
    in it. Ids grow: a larger one is a later stay."""
    stays = VideoParticipation.objects.filter(session=session, user_id=user_id, left_at__isnull=True)
    return stays.values_list("pk", flat=True).first()


def is_waiting(session: VideoSession) -> bool:
    """The patient is in the room and nobody has let them in yet."""
    return (
        session.admitted_at is None and session.ended_at is None and is_present(session, session.appointment.patient_id)
    )


def patient_ever_joined(session: VideoSession) -> bool:
    return VideoParticipation.objects.filter(session=session, role=VideoParticipation.Role.PATIENT).exists()


def waiting_list_for_specialist(*, user) -> QuerySet[VideoSession]:
    """The rooms where a patient of `user` waits to be let in now, soonest
    session first."""
    patient_in = VideoParticipation.objects.filter(
        session=OuterRef("pk"), user=OuterRef("appointment__patient"), left_at__isnull=True
    )
    return (
        VideoSession.objects.filter(
            appointment__specialist__user=user,
            appointment__status__in=ENTERABLE,
            relationship__status=CareRelationship.Status.ACTIVE,
            admitted_at__isnull=True,
            ended_at__isnull=True,
        )
        .filter(Exists(patient_in))
        .select_related("appointment__patient", "appointment__offering")
        .order_by("appointment__starts_at")
    )


def waiting_count_for_specialist(*, user) -> int:
    return waiting_list_for_specialist(user=user).count()


def background_for(user) -> str:
    """`user`'s saved background ("none" until they choose)."""
    preference = VideoPreference.objects.filter(user=user).first()
    return preference.background if preference else VideoPreference.Background.NONE


def session_group(session: VideoSession) -> str:
    """The channel-layer group of every socket in `session`'s room."""
    return f"video.{session.public_id.hex}"


def lobby_group(specialist_user_id: int) -> str:
    """The channel-layer group of a specialist's waiting-room badge and list."""
    return f"video-lobby.{specialist_user_id}"
