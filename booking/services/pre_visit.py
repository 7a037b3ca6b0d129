"""Reminders of unfinished consents and forms before a session.

A sweep every 15 minutes looks at the confirmed sessions of the next 48
hours. For each, what still blocks it (`booking.readiness`) is compared
with the `PreVisitReminder` rows already there: items without a row are
claimed (rows created) and the patient gets one email about them, in the
same transaction, so a failed email leaves nothing claimed and the next
sweep tries again. The appointment row is locked with SKIP LOCKED, so two
sweeps share the work instead of both sending; the unique (appointment,
item) pair is the database's backstop.

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
from django.utils import formats, timezone, translation
from django.utils.translation import ngettext

from core.timeutils import format_in_zone, to_zone

from ..models import Appointment, PreVisitReminder
from ..readiness import blockers_by_appointment
from ..states import AppointmentStatus

logger = logging.getLogger(__name__)

PRE_VISIT_HOURS = 48
SWEEP_LIMIT = 500


def _email(appointment: Appointment, count: int) -> None:
    patient = appointment.patient
    with translation.override(patient.locale or settings.LANGUAGE_CODE):
        day = formats.date_format(to_zone(appointment.starts_at, patient.timezone), "D j M")
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


def _claim(appointment: Appointment, keys: list[str], now: datetime) -> bool:
    """Lock the appointment (skipping one another sweep holds) and create
    the rows of `keys` not reminded of yet; False when there is nothing to
    send (locked elsewhere, no longer confirmed, or all sent already)."""
    locked = (
        Appointment.objects.select_for_update(skip_locked=connection.features.has_select_for_update_skip_locked)
        .filter(pk=appointment.pk, status=AppointmentStatus.CONFIRMED, starts_at=appointment.starts_at)
        .first()
    )
    if locked is None:
        return False
    sent = set(PreVisitReminder.objects.filter(appointment=appointment).values_list("item_key", flat=True))
    new = [key for key in keys if key not in sent]
    if not new:
        return False
    PreVisitReminder.objects.bulk_create(
        [PreVisitReminder(appointment=appointment, item_key=key, sent_at=now) for key in new]
    )
    return True


def pre_visit_reminders_send(*, now: datetime | None = None, limit: int = SWEEP_LIMIT) -> int:
    """Email patients whose confirmed session starts within 48 hours about
    the consents and forms still missing for it, once per item and
    appointment; returns how many emails went out.

    What blocks each session is resolved for all of them at once. Each
    appointment is then claimed, its rows created and its email sent in one
    transaction of its own: a worker that dies mid-sweep loses at most the
    one it was sending (sent again by the next sweep), and an email that
    fails rolls its rows back so the next sweep retries.
    """
    now = now or timezone.now()
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
                if not _claim(appointment, keys, now):
                    continue
                _email(appointment, len(keys))
        except IntegrityError:
            continue  # another sweep claimed the same items meanwhile
        except Exception:
            logger.exception("pre-visit reminder of appointment %s failed", appointment.pk)
            continue
        sent += 1
    return sent
