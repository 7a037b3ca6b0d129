"""Reminders of unfinished consents and forms before a session.

A sweep every 15 minutes looks at the confirmed sessions of the next 48
hours. For each, what still blocks it (`booking.readiness`) is compared
with the `PreVisitReminder` rows already there: items without a row are
claimed (rows created and committed), the patient gets one email about
them, and the rows are marked sent. A failed email deletes the rows, so the
next sweep tries again; a worker killed mid-send leaves them claimed, and
that email is never sent again (a later sweep records it as interrupted
and logs it). The appointment row is locked with SKIP LOCKED while
claiming, so two sweeps share the work instead of both sending; the unique
(appointment, item) pair is the database's backstop.

The email names no item: a form's title ("PHQ-9") can say what someone is
treated for. It counts the items and links to the guided flow.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext

from core.timeutils import format_date, format_in_zone

from ..models import Appointment, PreVisitReminder
from ..readiness import blockers_by_appointment
from ..states import AppointmentStatus

logger = logging.getLogger(__name__)

PRE_VISIT_HOURS = 48
SWEEP_LIMIT = 500
# A claim older than this was left by a worker that stopped mid-send.
CLAIM_TIMEOUT = timedelta(minutes=15)


def _email(appointment: Appointment, count: int) -> None:
    patient = appointment.patient
    with translation.override(patient.language):
        day = format_date(appointment.starts_at, zone_name=patient.timezone)
        context = {
            "recipient_name": patient.display_name,
            "other_name": appointment.specialist.display_name,
            "organization_name": appointment.specialist.organization.name,
            "when": format_in_zone(appointment.starts_at, patient.timezone),
            "count": count,
            "url": settings.SITE_URL.rstrip("/") + reverse("consents:flow"),
        }
        subject = ngettext(
            "Before your session on %(day)s: %(count)d thing to do",
            "Before your session on %(day)s: %(count)d things to do",
            count,
        ) % {"day": day, "count": count}
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string("emails/booking/pre_visit.txt", context),
            to=[patient.email],
        )
        message.attach_alternative(render_to_string("emails/booking/pre_visit.html", context), "text/html")
        message.send()


def _claim(appointment: Appointment, keys: list[str], now: datetime) -> list[str]:
    """Lock the appointment (skipping one another sweep holds) and create
    the rows of `keys` not reminded of yet; returns their keys, none when
    there is nothing to send (locked elsewhere, no longer confirmed, or
    all claimed already)."""
    locked = (
        Appointment.objects.select_for_update(skip_locked=connection.features.has_select_for_update_skip_locked)
        .filter(pk=appointment.pk, status=AppointmentStatus.CONFIRMED, starts_at=appointment.starts_at)
        .first()
    )
    if locked is None:
        return []
    claimed = set(PreVisitReminder.objects.filter(appointment=appointment).values_list("item_key", flat=True))
    new = [key for key in keys if key not in claimed]
    PreVisitReminder.objects.bulk_create(
        [PreVisitReminder(appointment=appointment, item_key=key, claimed_at=now) for key in new]
    )
    return new


def _record_interrupted(now: datetime) -> None:
    """Claims left by a worker that stopped mid-send: whether the email went
    out is unknown, so it is not sent again; each is recorded and logged
    once for an operator."""
    stale = PreVisitReminder.objects.filter(
        claimed_at__lt=now - CLAIM_TIMEOUT, sent_at__isnull=True, interrupted_at__isnull=True
    )
    for appointment_id in stale.values_list("appointment_id", flat=True).distinct():
        logger.error(
            "pre-visit reminder of appointment %s was interrupted mid-send and is not sent again", appointment_id
        )
    stale.update(interrupted_at=now)


def pre_visit_reminders_send(*, now: datetime | None = None, limit: int = SWEEP_LIMIT) -> int:
    """Email patients whose confirmed session starts within 48 hours about
    the consents and forms still missing for it, at most once per item and
    appointment; returns how many emails went out.

    What blocks each session is resolved for all of them at once. Each
    appointment's new items are then claimed in a transaction of their
    own, the email sent, and the claim marked sent: a worker that dies
    mid-send leaves its claim, and the email it may have sent is not sent
    again. An email that fails releases its claim, so the next sweep
    retries.
    """
    now = now or timezone.now()
    _record_interrupted(now)
    appointments = list(
        Appointment.objects.filter(
            status=AppointmentStatus.CONFIRMED,
            starts_at__gt=now,
            starts_at__lte=now + timedelta(hours=PRE_VISIT_HOURS),
        )
        .select_related("patient", "specialist__user", "specialist__organization", "offering")
        .order_by("starts_at", "pk")[:limit]
    )
    sent = 0
    for appointment, blockers in blockers_by_appointment(appointments):
        keys = [item.key for item in blockers]
        if not keys:
            continue
        try:
            with transaction.atomic():
                new = _claim(appointment, keys, now)
        except IntegrityError:
            continue  # another sweep claimed the same items meanwhile
        if not new:
            continue
        claim = PreVisitReminder.objects.filter(appointment=appointment, item_key__in=new, sent_at__isnull=True)
        try:
            _email(appointment, len(keys))
        except Exception:
            logger.exception("pre-visit reminder of appointment %s failed", appointment.pk)
            claim.delete()
            continue
        claim.update(sent_at=timezone.now())
        sent += 1
    return sent
