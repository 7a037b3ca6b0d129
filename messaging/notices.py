"""System notices: domain events post a short line into the pair's thread.

Each receiver finds the conversation of the active care relationship of the
event's patient and specialist and posts one notice there (no active
relationship: nothing). Both sides see the same notice; its author is the
person who caused it, so it counts as unread only for the other side (a
notice of the system, such as a reminder, is unread for both).

Texts are short and carry no health details and no free text: no reasons,
no service names, no document or form titles (any of them can say what
someone is treated for). A notice is stored once and read by two people in
two time zones, so a time is written in the patient's zone and, when the
specialist's zone differs, in theirs as well: "Session confirmed: Tue 24 Nov
2026, 09:00 (Europe/Berlin) · 17:00 (Asia/Tokyo)". Notices are worded in
the site's language (LANGUAGE_CODE), not in either reader's.

A retried event posts nothing new: a notice with the same verb and text
posted since the event happened (or within the last minute, for events
without a timestamp of their own) stands for it. A video session's start
and end happened when its appointment entered in progress and completed
(its history says when, and who caused it).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.dispatch import receiver
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from booking.models import Appointment, AppointmentEvent, Proposal
from booking.states import AppointmentStatus
from care.models import CareRelationship
from consents.models import ConsentDocument, ConsentSignature, FormResponse
from core import events
from core.timeutils import format_in_zone, to_zone

from . import services
from .models import Conversation, Message

S = AppointmentStatus

# A retried signal within this window finds the notice it already posted.
DEDUPE_WINDOW = timedelta(minutes=1)

# Cancellations worth a notice: a booked or requested session. A released
# hold is the patient picking another time; a proposal's options are
# announced once, on withdrawal.
_CANCELLED_FROM = {S.CONFIRMED, S.AWAITING_PAYMENT, S.REQUESTED}


# --- Finding the thread and posting ------------------------------------------


def _active_conversations(*, patient_id: int, **relationship_filters):
    return Conversation.objects.select_related("relationship__patient", "relationship__specialist__user").filter(
        relationship__patient_id=patient_id,
        relationship__status=CareRelationship.Status.ACTIVE,
        **{f"relationship__{name}": value for name, value in relationship_filters.items()},
    )


def conversation_for_pair(*, patient_id: int, specialist_id: int) -> Conversation | None:
    """The conversation of the pair's active care relationship, if any.

    The relationship may have started in reaction to this very event (the
    pair's first booking) with its conversation not opened yet, depending
    on the order receivers run in: then it is opened here (idempotent).
    """
    conversation = _active_conversations(patient_id=patient_id, specialist_id=specialist_id).first()
    if conversation is not None:
        return conversation
    relationship = (
        CareRelationship.objects.select_related("patient", "specialist__user")
        .filter(patient_id=patient_id, specialist_id=specialist_id, status=CareRelationship.Status.ACTIVE)
        .first()
    )
    if relationship is None:
        return None
    services.conversation_open(relationship=relationship)
    return _active_conversations(patient_id=patient_id, specialist_id=specialist_id).first()


def _user(user_id: int | None):
    if user_id is None:
        return None
    return get_user_model().objects.filter(pk=user_id).first()


def _post(conversation: Conversation, *, verb: str, text: str, caused_by, since: datetime | None = None):
    """Post the notice unless the same one was posted since `since`
    (default: within the last minute). Returns the new notice or None."""
    since = since or timezone.now() - DEDUPE_WINDOW
    with transaction.atomic():
        # One poster per conversation at a time, so two deliveries of the
        # same event cannot both miss each other's notice.
        Conversation.objects.select_for_update().filter(pk=conversation.pk).first()
        recent = Message.objects.filter(
            conversation=conversation, kind=Message.Kind.NOTICE, verb=verb, created_at__gte=since
        ).only("text")
        # The text is encrypted at rest: compared here, not in SQL.
        if any(message.text == text for message in recent):
            return None
        return services.notice_post(conversation=conversation, verb=verb, text=text, caused_by=caused_by)


def _worded(build):
    """Word a notice in the site's language, whatever request is active."""
    with translation.override(settings.LANGUAGE_CODE):
        return build()


def when_for_both(moment: datetime, conversation: Conversation) -> str:
    """`moment` in the patient's zone, and in the specialist's when theirs
    differs (the time alone if the day is the same)."""
    relationship = conversation.relationship
    patient_zone = relationship.patient.timezone or "UTC"
    specialist_zone = relationship.specialist.user.timezone or "UTC"
    text = format_in_zone(moment, patient_zone)
    if specialist_zone == patient_zone:
        return text
    if to_zone(moment, specialist_zone).date() == to_zone(moment, patient_zone).date():
        local = formats.time_format(to_zone(moment, specialist_zone), "H:i")
        return f"{text} · {local} ({specialist_zone.replace('_', ' ')})"
    return f"{text} · {format_in_zone(moment, specialist_zone)}"


# --- Appointments --------------------------------------------------------------


def _appointment(appointment_id: int) -> Appointment | None:
    return Appointment.objects.select_related("specialist", "proposal").filter(pk=appointment_id).first()


def _is_first_option(appointment: Appointment) -> bool:
    """Whether this is its proposal's earliest time: the one that speaks for
    the whole proposal, so the thread hears of a proposal once."""
    if appointment.proposal_id is None:
        return True
    first = (
        Appointment.objects.filter(proposal_id=appointment.proposal_id)
        .order_by("starts_at", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    return first == appointment.pk


def _appointment_notice(appointment_id: int, actor_id: int | None, verb: str, word) -> Message | None:
    """Post `word(appointment, conversation)` (a text, or None for nothing)
    into the thread of the appointment's pair."""
    appointment = _appointment(appointment_id)
    if appointment is None or appointment.ends_at <= timezone.now():
        return None  # news of a session already over helps nobody
    conversation = conversation_for_pair(patient_id=appointment.patient_id, specialist_id=appointment.specialist_id)
    if conversation is None:
        return None
    text = _worded(lambda: word(appointment, conversation))
    if not text:
        return None
    return _post(conversation, verb=verb, text=text, caused_by=_user(actor_id))


@receiver(events.appointment_requested, dispatch_uid="messaging.notice.requested")
def notice_appointment_requested(sender, appointment_id, actor_id=None, **kwargs):
    return _appointment_notice(
        appointment_id,
        actor_id,
        "appointment.requested",
        lambda a, c: _("Session requested: %(when)s") % {"when": when_for_both(a.starts_at, c)},
    )


def _proposed_text(appointment: Appointment, conversation: Conversation) -> str | None:
    if appointment.proposal_id is None or not _is_first_option(appointment):
        return None
    count = Appointment.objects.filter(proposal_id=appointment.proposal_id).count()
    when = when_for_both(appointment.starts_at, conversation)
    if count == 1:
        return _("Session time proposed: %(when)s") % {"when": when}
    return _("%(count)d session times proposed, the first on %(when)s") % {"count": count, "when": when}


@receiver(events.appointment_proposed, dispatch_uid="messaging.notice.proposed")
def notice_appointment_proposed(sender, appointment_id, actor_id=None, **kwargs):
    return _appointment_notice(appointment_id, actor_id, "appointment.proposed", _proposed_text)


@receiver(events.appointment_confirmed, dispatch_uid="messaging.notice.confirmed")
def notice_appointment_confirmed(sender, appointment_id, actor_id=None, **kwargs):
    return _appointment_notice(
        appointment_id,
        actor_id,
        "appointment.confirmed",
        lambda a, c: _("Session confirmed: %(when)s") % {"when": when_for_both(a.starts_at, c)},
    )


@receiver(events.appointment_rescheduled, dispatch_uid="messaging.notice.rescheduled")
def notice_appointment_rescheduled(sender, appointment_id, actor_id=None, **kwargs):
    return _appointment_notice(
        appointment_id,
        actor_id,
        "appointment.rescheduled",
        lambda a, c: _("Session moved to %(when)s") % {"when": when_for_both(a.starts_at, c)},
    )


def _cancelled_text(from_status: str):
    def word(appointment: Appointment, conversation: Conversation) -> str | None:
        when = when_for_both(appointment.starts_at, conversation)
        if from_status == S.REQUESTED:
            return _("Session request cancelled: %(when)s") % {"when": when}
        if from_status in _CANCELLED_FROM:
            return _("Session cancelled: %(when)s") % {"when": when}
        proposal = appointment.proposal
        if (
            from_status == S.PROPOSED
            and proposal is not None
            and proposal.status == Proposal.Status.WITHDRAWN
            and _is_first_option(appointment)
        ):
            return _("%(name)s withdrew the proposed times") % {"name": appointment.specialist.display_name}
        return None

    return word


@receiver(events.appointment_cancelled, dispatch_uid="messaging.notice.cancelled")
def notice_appointment_cancelled(sender, appointment_id, from_status="", actor_id=None, **kwargs):
    verb = "proposal.withdrawn" if from_status == S.PROPOSED else "appointment.cancelled"
    return _appointment_notice(appointment_id, actor_id, verb, _cancelled_text(from_status))


@receiver(events.appointment_reminder_sent, dispatch_uid="messaging.notice.reminder")
def notice_appointment_reminder_sent(sender, appointment_id, **kwargs):
    return _appointment_notice(
        appointment_id,
        None,
        "appointment.reminder_sent",
        lambda a, c: _("Reminder sent for the session on %(when)s") % {"when": when_for_both(a.starts_at, c)},
    )


# --- Video sessions ---------------------------------------------------------------


def _video_notice(appointment_id: int, *, verb: str, entered: str, word) -> Message | None:
    """Post `word()` into the thread of the appointment's pair, once for the
    moment the appointment entered the status `entered`: late news too (a
    session ends after its booked end), unlike the booking notices."""
    appointment = _appointment(appointment_id)
    if appointment is None:
        return None
    conversation = conversation_for_pair(patient_id=appointment.patient_id, specialist_id=appointment.specialist_id)
    if conversation is None:
        return None
    entry = (
        AppointmentEvent.objects.filter(appointment=appointment, to_status=entered)
        .order_by("-at", "-id")
        .values("at", "actor_id")
        .first()
    ) or {"at": None, "actor_id": None}
    return _post(conversation, verb=verb, text=_worded(word), caused_by=_user(entry["actor_id"]), since=entry["at"])


@receiver(events.video_session_started, dispatch_uid="messaging.notice.video_started")
def notice_video_session_started(sender, appointment_id, **kwargs):
    return _video_notice(appointment_id, verb="video.started", entered=S.IN_PROGRESS, word=lambda: _("Session started"))


@receiver(events.video_session_ended, dispatch_uid="messaging.notice.video_ended")
def notice_video_session_ended(sender, appointment_id, duration_minutes=0, **kwargs):
    return _video_notice(
        appointment_id,
        verb="video.ended",
        entered=S.COMPLETED,
        word=lambda: _("Session ended (%(minutes)d min)") % {"minutes": duration_minutes},
    )


# --- Payments -------------------------------------------------------------------


def _payment_notice(appointment_id: int, *, verb: str, caused_by_patient: bool, word) -> Message | None:
    """Post `word(appointment, conversation)` into the pair's thread, also
    for a session already over (paid afterwards, refunded after a no-show)."""
    appointment = _appointment(appointment_id)
    if appointment is None:
        return None
    conversation = conversation_for_pair(patient_id=appointment.patient_id, specialist_id=appointment.specialist_id)
    if conversation is None:
        return None
    text = _worded(lambda: word(appointment, conversation))
    caused_by = conversation.relationship.patient if caused_by_patient else None
    return _post(conversation, verb=verb, text=text, caused_by=caused_by)


@receiver(events.payment_received, dispatch_uid="messaging.notice.payment_received")
def notice_payment_received(sender, appointment_id, **kwargs):
    return _payment_notice(
        appointment_id,
        verb="payment.received",
        caused_by_patient=True,
        word=lambda a, c: _("Payment received for the session on %(when)s") % {"when": when_for_both(a.starts_at, c)},
    )


@receiver(events.refund_sent, dispatch_uid="messaging.notice.refund_sent")
def notice_refund_sent(sender, appointment_id, **kwargs):
    return _payment_notice(
        appointment_id,
        verb="payment.refunded",
        caused_by_patient=False,
        word=lambda a, c: _("Refund sent for the session on %(when)s") % {"when": when_for_both(a.starts_at, c)},
    )


# --- Consents and forms ----------------------------------------------------------


def _consent_signed_text(document: ConsentDocument) -> str:
    # The kind, never the title; "Other" names nothing.
    if document.kind == ConsentDocument.Kind.OTHER:
        return _("Consent signed")
    return _("Consent signed: %(kind)s") % {"kind": document.get_kind_display()}


@receiver(events.consent_signed, dispatch_uid="messaging.notice.consent_signed")
def notice_consent_signed(sender, signature_id, patient_id, **kwargs):
    """Into every active thread of the patient with a specialist of the
    document's organization (only that specialist's, for a document of one
    specialist's patients)."""
    signature = ConsentSignature.objects.select_related("patient", "version__document").filter(pk=signature_id).first()
    if signature is None:
        return []
    document = signature.version.document
    scope = {"specialist__organization_id": document.organization_id}
    if document.specialist_id is not None:
        scope["specialist_id"] = document.specialist_id
    text = _worded(lambda: _consent_signed_text(document))
    posted = []
    for conversation in _active_conversations(patient_id=patient_id, **scope):
        notice = _post(
            conversation, verb="consent.signed", text=text, caused_by=signature.patient, since=signature.created_at
        )
        if notice is not None:
            posted.append(notice)
    return posted


@receiver(events.form_submitted, dispatch_uid="messaging.notice.form_submitted")
def notice_form_submitted(sender, response_id, **kwargs):
    """Into the thread with the specialist the form was sent to."""
    response = FormResponse.objects.select_related("patient").filter(pk=response_id).first()
    if response is None:
        return None
    conversation = conversation_for_pair(patient_id=response.patient_id, specialist_id=response.specialist_id)
    if conversation is None:
        return None
    text = _worded(lambda: _("Form completed"))
    since = response.submitted_at or response.created_at
    return _post(conversation, verb="form.submitted", text=text, caused_by=response.patient, since=since)
