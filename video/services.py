"""Every write of the video app: rooms, stays in them, admission, start, end.

The appointment's status follows the room (in progress once both are in,
completed when it ends, no-show when the patient never came) and changes
only through `booking.services.appointment_transition`. Live sockets hear
of changes through the channel layer after commit: `{"type": "video.state"}`
and `{"type": "video.ended", "reason": ...}` to the room's group,
`{"type": "video.lobby"}` to the specialist's lobby group. Presence itself
(who is connected) is announced by the room's consumer, which knows it
first.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from booking.models import Appointment
from booking.services import appointment_transition
from booking.states import ALLOWED, AppointmentStatus
from care.models import CareRelationship
from care.services import care_relationship_start
from core import events
from core.services import journey_event_record

from . import selectors
from .models import VideoParticipation, VideoPolicy, VideoPreference, VideoSession

logger = logging.getLogger(__name__)

# A stay still open this long after the room's window closed was left by a
# server that stopped without recording the leave: the sweep closes it.
STALE_AFTER = timedelta(hours=6)


def session_for_appointment(appointment: Appointment) -> VideoSession:
    """The room of `appointment`, created once (idempotent).

    Bound to the pair's active care relationship, which the first confirmed
    booking starts (care reacts to the same event; starting it here too is
    idempotent and spares depending on the order receivers run in).
    """
    existing = VideoSession.objects.filter(appointment=appointment).first()
    if existing:
        return existing
    relationship = care_relationship_start(
        patient=appointment.patient, specialist=appointment.specialist, source=CareRelationship.Source.BOOKING
    )
    session, _created = VideoSession.objects.get_or_create(
        appointment=appointment, defaults={"relationship": relationship}
    )
    return session


def participation_join(session: VideoSession, user) -> VideoParticipation:
    """Record that `user` entered the room (a socket connected; the socket
    checked the window and who may enter).

    Closes the user's open stay first: a reload or a new tab replaces the
    old connection rather than counting twice. A patient entering unadmitted
    starts waiting, which the specialist's lobby hears.
    """
    role = selectors.role_of(session, user)
    if role is None:
        raise PermissionDenied
    now = timezone.now()
    with transaction.atomic():
        _lock(session)
        VideoParticipation.objects.filter(session=session, user=user, left_at__isnull=True).update(left_at=now)
        participation = VideoParticipation.objects.create(session=session, user=user, role=role, joined_at=now)
    if role == VideoParticipation.Role.PATIENT:
        _tell_lobby(session)
    return participation


def participation_leave(participation: VideoParticipation) -> VideoParticipation:
    """Record that the stay ended (its socket closed). Leaving twice, or
    after a newer tab closed this stay, changes nothing."""
    updated = VideoParticipation.objects.filter(pk=participation.pk, left_at__isnull=True).update(
        left_at=timezone.now()
    )
    participation.refresh_from_db(fields=["left_at"])
    if updated and participation.role == VideoParticipation.Role.PATIENT:
        _tell_lobby(participation.session)
    return participation


def admit(session: VideoSession, by) -> VideoSession:
    """Let the patient in: from now on (rejoins included) they enter the
    call, not the waiting room. Only the session's specialist, only while
    the room is open. Admitting twice changes nothing."""
    _require_specialist(session, by)
    with transaction.atomic():
        session = _lock(session)
        if not selectors.window(session).is_open:
            raise ValidationError(_("The session room is not open now."), code="not_open")
        if session.admitted_at is not None:
            return session
        session.admitted_at = timezone.now()
        session.save(update_fields=["admitted_at", "updated_at"])
        journey_event_record(actor=by, verb="video.admitted", obj=session.appointment)
    _broadcast(session, {"type": "video.state"})
    _tell_lobby(session)
    return session


def mark_started(session: VideoSession) -> VideoSession:
    """Start the session the first time both are in and the patient is
    admitted: stamp it, move the appointment to in progress and tell the
    thread (`video_session_started`). Otherwise, and once started, nothing."""
    with transaction.atomic():
        session = _lock(session)
        if session.started_at is not None or session.ended_at is not None or session.admitted_at is None:
            return session
        if not _both_present(session):
            return session
        session.started_at = timezone.now()
        session.save(update_fields=["started_at", "updated_at"])
        appointment = session.appointment
        if appointment.status == AppointmentStatus.CONFIRMED:
            session.appointment = appointment_transition(
                appointment=appointment, to=AppointmentStatus.IN_PROGRESS, by=None
            )
        events.send_on_commit(events.video_session_started, appointment_id=appointment.pk)
    return session


def session_end(session: VideoSession, by) -> VideoSession:
    """The specialist ends the session: everyone leaves the room, the
    appointment is completed and, if the call took place, the thread says
    for how long (`video_session_ended`). Ending an ended session changes
    nothing."""
    _require_specialist(session, by)
    return _end(session, by=by, reason=VideoSession.EndReason.COMPLETED_BY_SPECIALIST, to=AppointmentStatus.COMPLETED)


def mark_no_show(session: VideoSession, by) -> VideoSession:
    """The specialist records that the patient did not come.

    Only once the grace period after the start has passed, and only if the
    patient never entered the room; refused with a reason otherwise.
    """
    _require_specialist(session, by)
    with transaction.atomic():
        session = _lock(session)
        if session.ended_at is not None or session.appointment.status not in ALLOWED:
            raise ValidationError(_("This session has already ended."), code="ended")
        policy = selectors.policy_for(session.appointment.specialist.organization_id)
        may_from = session.appointment.starts_at + timedelta(minutes=policy.grace_minutes)
        if timezone.now() < may_from:
            raise ValidationError(
                _("A no-show can be recorded %(minutes)d minutes after the start."),
                code="too_early",
                params={"minutes": policy.grace_minutes},
            )
        if selectors.patient_ever_joined(session):
            raise ValidationError(_("The patient joined this session."), code="patient_joined")
        return _end(session, by=by, reason=VideoSession.EndReason.NO_SHOW, to=AppointmentStatus.NO_SHOW)


def sweep_timed_out(now: datetime | None = None) -> int:
    """Complete the sessions everybody left after their time was up.

    A started session whose window closed (end plus grace) and with nobody
    in the room is ended as `timed_out`, its appointment completed. Rows
    another worker holds are skipped, so two sweeps never end one twice.
    Returns how many ended.
    """
    now = now or timezone.now()
    candidates = VideoSession.objects.filter(
        started_at__isnull=False, ended_at__isnull=True, appointment__ends_at__lte=now
    ).values_list("pk", flat=True)
    ended = 0
    for pk in candidates:
        with transaction.atomic():
            session = (
                VideoSession.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("appointment__specialist")
                .filter(pk=pk, ended_at__isnull=True)
                .first()
            )
            if session is None:
                continue
            closes_at = selectors.window(session, now=now).closes_at
            if now < closes_at:
                continue
            open_stays = session.participations.filter(left_at__isnull=True)
            if now >= closes_at + STALE_AFTER:
                open_stays.update(left_at=now)
            elif open_stays.exists():
                continue
            _end(session, by=None, reason=VideoSession.EndReason.TIMED_OUT, to=AppointmentStatus.COMPLETED, now=now)
            ended += 1
    return ended


def room_closed_elsewhere(session: VideoSession) -> None:
    """The appointment reached a terminal status without the room ending it
    (cancelled, or completed from its page): the sockets in the room hear
    it ended. The room's window already says "ended" from the status alone,
    so nothing is written."""
    _send(selectors.session_group(session), {"type": "video.ended", "reason": session.appointment.status})
    _send(selectors.lobby_group(session.appointment.specialist.user_id), {"type": "video.lobby"})


def preference_set(*, user, background: str) -> VideoPreference:
    """Remember how `user` shows their background in every room."""
    if background not in VideoPreference.Background.values:
        raise ValidationError(_("Choose none, blur or colour."), code="invalid_background")
    preference, _created = VideoPreference.objects.update_or_create(user=user, defaults={"background": background})
    return preference


def policy_update(*, organization, opens_minutes_before: int, grace_minutes: int, by) -> VideoPolicy:
    """Set `organization`'s room window (the form checked the ranges; the
    database constraint holds them too)."""
    with transaction.atomic():
        policy, _created = VideoPolicy.objects.update_or_create(
            organization=organization,
            defaults={"opens_minutes_before": opens_minutes_before, "grace_minutes": grace_minutes},
        )
        journey_event_record(
            actor=by,
            verb="video.policy_changed",
            obj=organization,
            data={"opens_minutes_before": opens_minutes_before, "grace_minutes": grace_minutes},
        )
    return policy


def _end(session: VideoSession, *, by, reason: str, to: AppointmentStatus, now=None) -> VideoSession:
    """End `session` (locked by the caller or here): close every stay, move
    the appointment to `to` if it can still move, send the event and tell
    the room."""
    now = now or timezone.now()
    with transaction.atomic():
        session = _lock(session)
        if session.ended_at is not None:
            return session
        last_left = session.participations.aggregate(last=Max("left_at"))["last"]
        session.participations.filter(left_at__isnull=True).update(left_at=now)
        session.ended_at, session.ended_by, session.end_reason = now, by, reason
        session.save(update_fields=["ended_at", "ended_by", "end_reason", "updated_at"])
        appointment = session.appointment
        if to in ALLOWED.get(AppointmentStatus(appointment.status), set()):
            session.appointment = appointment_transition(appointment=appointment, to=to, by=by)
        if session.started_at is not None:
            # Timed out: the call lasted until the last one left, not until the sweep.
            until = last_left if reason == VideoSession.EndReason.TIMED_OUT and last_left else now
            events.send_on_commit(
                events.video_session_ended,
                appointment_id=appointment.pk,
                duration_minutes=duration_minutes(session.started_at, until),
            )
    _broadcast(session, {"type": "video.ended", "reason": reason})
    _tell_lobby(session)
    return session


def duration_minutes(started_at: datetime, ended_at: datetime) -> int:
    """Whole minutes, rounded, and at least one: a call that took place lasted."""
    return max(1, round((ended_at - started_at).total_seconds() / 60))


def _lock(session: VideoSession) -> VideoSession:
    """`session` again, its row locked to the end of the transaction."""
    return (
        VideoSession.objects.select_for_update(of=("self",))
        .select_related("appointment__patient", "appointment__specialist__user", "relationship")
        .get(pk=session.pk)
    )


def _both_present(session: VideoSession) -> bool:
    appointment = session.appointment
    return selectors.is_present(session, appointment.patient_id) and selectors.is_present(
        session, appointment.specialist.user_id
    )


def _require_specialist(session: VideoSession, by) -> None:
    if selectors.role_of(session, by) != VideoParticipation.Role.SPECIALIST:
        raise PermissionDenied


def _broadcast(session: VideoSession, event: dict) -> None:
    group = selectors.session_group(session)
    transaction.on_commit(lambda: _send(group, event))


def _tell_lobby(session: VideoSession) -> None:
    group = selectors.lobby_group(session.appointment.specialist.user_id)
    transaction.on_commit(lambda: _send(group, {"type": "video.lobby"}))


def _send(group: str, event: dict) -> None:
    try:
        async_to_sync(get_channel_layer().group_send)(group, event)
    except Exception:  # the change is stored; a socket that missed it re-reads on reconnect
        logger.exception("broadcast to %s failed", group)
