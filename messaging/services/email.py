"""The unread-message email: a message left unread for a while brings its
recipient one short email with a link to the thread, never the text.

A once-a-minute sweep looks for read markers whose user has a person's
message (not a notice, not their own) that is older than
MESSAGE_EMAIL_DELAY_MINUTES, not yet read, and newer than the last email
about that conversation. Each such marker gets one email and `emailed_at`
moves to now, so a burst of messages sends one email and a message after it
(left unread as long) sends the next.

Sent at most once, even across a crash: the marker is claimed
(`email_claimed_at`, committed), the email sent, then `emailed_at` moved. A
send that fails releases the claim for the next sweep; a claim nobody
finished (the worker was killed, maybe after the mail server took the
email) counts as sent, and is logged.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import DateTimeField, Exists, F, OuterRef, Value
from django.db.models.functions import Coalesce, Greatest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..models import Conversation, Message, ReadMarker

logger = logging.getLogger(__name__)

# Before any message: stands for "never" in the comparisons below.
_NEVER = Value(datetime(2000, 1, 1, tzinfo=UTC), output_field=DateTimeField())
# A claim older than this was left by a worker that stopped mid-send.
CLAIM_TIMEOUT = timedelta(minutes=15)


def _due_markers(now: datetime):
    """Markers whose user has a person's message from someone else, left
    unread past the delay and newer than the last email."""
    cutoff = now - timedelta(minutes=settings.MESSAGE_EMAIL_DELAY_MINUTES)
    waiting = (
        Message.objects.filter(
            conversation_id=OuterRef("conversation_id"),
            kind=Message.Kind.TEXT,
            author__isnull=False,
            created_at__lte=cutoff,
            created_at__gt=OuterRef("seen_up_to"),
        )
        .exclude(author_id=OuterRef("user_id"))
        .values("pk")
    )
    return (
        ReadMarker.objects.filter(user__is_active=True)
        .annotate(seen_up_to=Greatest(Coalesce("read_up_to", _NEVER), Coalesce("emailed_at", _NEVER)))
        .filter(Exists(waiting))
    )


def _claim_next(now: datetime, passed_over: set[int]) -> ReadMarker | None:
    """The next due marker that no other sweep holds, locked.

    SKIP LOCKED lets two sweeps share the work instead of both emailing the
    same person; the condition is read again under the lock (from the row
    as committed), so a marker a finished sweep just emailed is not due any
    more. SQLite has no row locks; there each transaction takes the write
    lock at BEGIN (IMMEDIATE), so sweeps run one after the other.
    """
    return (
        _due_markers(now)
        .filter(email_claimed_at__isnull=True)
        .exclude(pk__in=passed_over)
        .select_for_update(skip_locked=connection.features.has_select_for_update_skip_locked, of=("self",))
        .select_related("user", "conversation__relationship__specialist__organization")
        .order_by("pk")
        .first()
    )


def _still_due(marker: ReadMarker, now: datetime) -> bool:
    return _due_markers(now).filter(pk=marker.pk).exists()


def _thread_url(conversation: Conversation, *, for_patient: bool) -> str:
    name = "messaging:patient-thread" if for_patient else "messaging:specialist-thread"
    return settings.SITE_URL.rstrip("/") + reverse(name, args=[conversation.public_id])


def unread_message_email(marker: ReadMarker) -> EmailMultiAlternatives:
    """The email for one marker: who it is from (a role, no name) and a
    link. Never the message, its sender's name or an attachment."""
    user = marker.user
    conversation = marker.conversation
    relationship = conversation.relationship
    for_patient = relationship.patient_id == user.pk
    with translation.override(user.language):
        if for_patient:
            subject = _("You have a new message from your specialist on Daraport")
        else:
            subject = _("You have a new message from a patient on Daraport")
        context = {
            "recipient_name": user.display_name,
            "for_patient": for_patient,
            "organization_name": relationship.specialist.organization.name,
            "url": _thread_url(conversation, for_patient=for_patient),
        }
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string("emails/messaging/unread_message.txt", context),
            to=[user.email],
        )
        message.attach_alternative(render_to_string("emails/messaging/unread_message.html", context), "text/html")
    return message


def _claim_next_due(now: datetime, passed_over: set[int]) -> ReadMarker | None:
    """Claim the next due marker and commit the claim; None when none is
    left."""
    while True:
        with transaction.atomic():
            marker = _claim_next(now, passed_over)
            if marker is None:
                return None
            if not _still_due(marker, now):
                passed_over.add(marker.pk)
                continue
            marker.email_claimed_at = now
            marker.save(update_fields=["email_claimed_at"])
            return marker


def _settle_interrupted(now: datetime) -> None:
    """Claims left by a worker that stopped mid-send: the email may have
    gone out, so it counts as sent (`emailed_at` moves to the claim) and is
    not sent again; each is logged for an operator."""
    stale = ReadMarker.objects.filter(email_claimed_at__lt=now - CLAIM_TIMEOUT)
    for pk in stale.values_list("pk", flat=True):
        logger.error("unread-message email of read marker %s was interrupted mid-send and is not sent again", pk)
    stale.update(emailed_at=F("email_claimed_at"), email_claimed_at=None)


def unread_message_emails_send(*, now: datetime | None = None, limit: int = 500) -> int:
    """Email each participant with messages unread past the delay, once per
    burst; returns how many emails went out.

    Each marker is claimed in a transaction of its own, emailed, then
    marked: a worker that dies mid-send leaves its claim, and the email it
    may have sent is not sent again. A marker whose email fails is
    released and stays due for the next sweep.
    """
    now = now or timezone.now()
    _settle_interrupted(now)
    sent = 0
    passed_over: set[int] = set()
    for _attempt in range(limit):
        marker = _claim_next_due(now, passed_over)
        if marker is None:
            break
        claimed = ReadMarker.objects.filter(pk=marker.pk)
        try:
            unread_message_email(marker).send()
        except Exception:
            logger.exception("unread-message email of read marker %s failed", marker.pk)
            claimed.update(email_claimed_at=None)
            passed_over.add(marker.pk)
            continue
        claimed.update(emailed_at=now, email_claimed_at=None)
        sent += 1
    return sent
