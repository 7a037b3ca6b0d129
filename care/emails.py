"""The feedback prompt: one email per completed session.

It says only when the session was and with whom: nothing of what was said
(an inbox is not private), no service name. Each 1 to 5 link opens a
confirmation page with that answer chosen; nothing is stored until the
patient presses the button there, so a mail scanner that follows links
answers nothing.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from booking.models import Appointment
from core.timeutils import format_date

from .feedback import feedback_due_for, feedback_link_token
from .models import FeedbackPrompt

logger = logging.getLogger(__name__)


def feedback_link_url(token: str, csat: int | None = None) -> str:
    """The absolute address of an emailed link, with the answer it picks."""
    url = settings.SITE_URL.rstrip("/") + reverse("care:feedback-link", args=[token])
    return f"{url}?csat={csat}" if csat else url


def feedback_prompt_send(appointment_id: int) -> bool:
    """Email the patient the feedback prompt of a completed session, once.

    The session's `FeedbackPrompt` row is claimed (committed) before the
    email goes out, so a task run twice, or two workers, send one email. A
    send that fails releases the claim for a retry; nothing is sent when
    nothing is due any more (answered in the portal meanwhile, or the
    organization asks nothing).
    """
    with transaction.atomic():
        prompt, _created = FeedbackPrompt.objects.get_or_create(appointment_id=appointment_id)
        claimed = FeedbackPrompt.objects.filter(pk=prompt.pk, claimed_at__isnull=True, emailed_at__isnull=True).update(
            claimed_at=timezone.now()
        )
    if not claimed:
        return False
    appointment = Appointment.objects.select_related("patient", "specialist__organization").get(pk=appointment_id)
    due = feedback_due_for(appointment)
    if due is None:
        logger.info("feedback prompt for appointment %s not sent: nothing is due", appointment_id)
        return False
    try:
        _message(appointment, ask_csat=due.ask_csat).send()
    except Exception:
        FeedbackPrompt.objects.filter(pk=prompt.pk).update(claimed_at=None)
        raise
    FeedbackPrompt.objects.filter(pk=prompt.pk).update(emailed_at=timezone.now())
    return True


def _message(appointment: Appointment, *, ask_csat: bool) -> EmailMultiAlternatives:
    patient = appointment.patient
    token = feedback_link_token(appointment)
    with translation.override(patient.language):
        context = {
            "recipient_name": patient.display_name,
            "organization_name": appointment.specialist.organization.name,
            "specialist_name": appointment.specialist.display_name,
            "when": format_date(appointment.starts_at, "year", patient.timezone),
            "choices": [(value, feedback_link_url(token, value)) for value in range(1, 6)] if ask_csat else [],
            "url": feedback_link_url(token),
        }
        message = EmailMultiAlternatives(
            subject=_("How was your session?"),
            body=render_to_string("emails/care_feedback_prompt.txt", context),
            to=[patient.email],
        )
        message.attach_alternative(render_to_string("emails/care_feedback_prompt.html", context), "text/html")
    return message
