"""Reminders: rows planned from the organization's offsets, sent by a
once-a-minute sweep.

Never far-future task ETAs (on Redis they can run twice): a reminder is a
`Reminder` row with `due_at`, claimed by the sweep under a row lock that
other sweeps skip. A reminder belongs to the start it was planned for;
once the appointment moves or is no longer confirmed, the row is skipped,
never sent.

Sent at most once, even across a crash: claim (committed), send, mark. A
send that fails releases its claim for the next sweep; a claim nobody
finished (the worker was killed, maybe after the mail server took the
email) is never sent again, but recorded as interrupted and logged.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from core import events

from .. import emails, selectors
from ..models import Appointment, Reminder
from ..states import AppointmentStatus

logger = logging.getLogger(__name__)


def _offsets(organization) -> list[int]:
    """The policy's offsets as whole positive minutes, largest first."""
    offsets = set()
    for value in selectors.booking_policy_for(organization).reminder_offsets_minutes or []:
        try:
            minutes = int(value)
        except (TypeError, ValueError):
            continue
        if minutes > 0:
            offsets.add(minutes)
    return sorted(offsets, reverse=True)


def reminders_plan(*, appointment: Appointment, now: datetime | None = None) -> list[Reminder]:
    """Plan the reminders of `appointment` for its current start.

    For a confirmed appointment: one row per offset of the organization's
    policy whose due time is still ahead (a session booked an hour before
    gets no day-before reminder). Unsent rows of an earlier start are
    skipped; for an appointment that is not confirmed, all unsent rows are.
    Idempotent: planning twice adds nothing (one row per start and offset).
    Returns the pending rows for the current start.
    """
    now = now or timezone.now()
    with transaction.atomic():
        # Locked, so a move cannot commit between reading the start and
        # planning for it.
        appointment = (
            Appointment.objects.select_for_update(of=("self",))
            .select_related("specialist__organization")
            .get(pk=appointment.pk)
        )
        pending = Reminder.objects.filter(appointment=appointment, sent_at__isnull=True, skipped_at__isnull=True)
        if appointment.status != AppointmentStatus.CONFIRMED:
            pending.update(skipped_at=now)
            return []
        pending.exclude(starts_at=appointment.starts_at).update(skipped_at=now)
        rows = []
        for minutes in _offsets(appointment.specialist.organization):
            due_at = appointment.starts_at - timedelta(minutes=minutes)
            if due_at > now:
                rows.append(
                    Reminder(
                        appointment=appointment, offset_minutes=minutes, starts_at=appointment.starts_at, due_at=due_at
                    )
                )
        Reminder.objects.bulk_create(rows, ignore_conflicts=True)
        return list(pending.filter(starts_at=appointment.starts_at))


# A claim older than this was left by a worker that stopped mid-send.
CLAIM_TIMEOUT = timedelta(minutes=15)


def _next_due(now: datetime, passed_over: set[int]) -> Reminder | None:
    """The earliest due, unclaimed reminder no other sweep holds, locked.

    SKIP LOCKED lets two sweeps share the work instead of waiting on (and
    then both claiming) the same row. SQLite has no row locks and ignores
    FOR UPDATE; there every transaction takes the database's write lock at
    BEGIN (IMMEDIATE), so sweeps run one after the other and the second
    finds the row already claimed.
    """
    due = Reminder.objects.filter(
        due_at__lte=now, claimed_at__isnull=True, sent_at__isnull=True, skipped_at__isnull=True
    ).exclude(pk__in=passed_over)
    locked = due.select_for_update(
        skip_locked=connection.features.has_select_for_update_skip_locked, of=("self",)
    ).order_by("due_at", "pk")
    return locked.select_related(
        "appointment__patient",
        "appointment__specialist__user",
        "appointment__specialist__organization",
        "appointment__offering",
    ).first()


def _superseded(reminder: Reminder, now: datetime) -> bool:
    """Whether a later reminder of the same start is due too (the sweep was
    down for a while): that one goes out alone, not both at once."""
    return Reminder.objects.filter(
        appointment_id=reminder.appointment_id,
        starts_at=reminder.starts_at,
        offset_minutes__lt=reminder.offset_minutes,
        due_at__lte=now,
    ).exists()


def _claim_next(now: datetime, passed_over: set[int]) -> Reminder | None:
    """Claim the next reminder to send and commit the claim; None when
    nothing is due. Reminders no longer worth sending on the way (the
    appointment is no longer confirmed, has moved or has started, or a
    later reminder of the same start is due too) are skipped."""
    while True:
        with transaction.atomic():
            reminder = _next_due(now, passed_over)
            if reminder is None:
                return None
            appointment = reminder.appointment
            if (
                appointment.status != AppointmentStatus.CONFIRMED
                or appointment.starts_at != reminder.starts_at
                or appointment.starts_at <= now
                or _superseded(reminder, now)
            ):
                reminder.skipped_at = timezone.now()
                reminder.save(update_fields=["skipped_at"])
                continue
            reminder.claimed_at = now
            reminder.save(update_fields=["claimed_at"])
            return reminder


def _record_interrupted(now: datetime) -> None:
    """Claims left by a worker that stopped mid-send: whether the email went
    out is unknown, so none is sent again; each is recorded and logged once
    for an operator."""
    stale = Reminder.objects.filter(
        claimed_at__lt=now - CLAIM_TIMEOUT, sent_at__isnull=True, interrupted_at__isnull=True
    )
    for pk, appointment_id in stale.values_list("pk", "appointment_id"):
        logger.error("reminder %s of appointment %s was interrupted mid-send and is not sent again", pk, appointment_id)
    stale.update(interrupted_at=now)


def reminders_send_due(*, now: datetime | None = None, limit: int = 200) -> int:
    """Send the reminders due by `now`, each at most once; returns how many
    were sent.

    Each reminder is claimed in a transaction of its own, sent, then marked
    sent: a worker that dies mid-send leaves its claim, and the email it
    may have sent is not sent again (see `_record_interrupted`). A reminder
    whose appointment is no longer confirmed, has moved, or has already
    started is skipped, and so is one overtaken by a later reminder of the
    same start (after an outage, the patient gets the latest one, not all
    of them). One whose email fails is released and tried again by the
    next sweep.
    """
    now = now or timezone.now()
    _record_interrupted(now)
    sent = 0
    passed_over: set[int] = set()
    for _ in range(limit):
        reminder = _claim_next(now, passed_over)
        if reminder is None:
            break
        appointment = reminder.appointment
        try:
            emails.appointment_reminder_send(appointment=appointment)
        except Exception:
            logger.exception("reminder %s of appointment %s failed", reminder.pk, appointment.pk)
            Reminder.objects.filter(pk=reminder.pk).update(claimed_at=None)
            passed_over.add(reminder.pk)
            continue
        with transaction.atomic():
            Reminder.objects.filter(pk=reminder.pk).update(sent_at=timezone.now())
            events.send_on_commit(events.appointment_reminder_sent, appointment_id=appointment.pk)
        sent += 1
    return sent
