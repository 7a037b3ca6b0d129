"""The feedback prompt email: queued when a session completes, sent once,
saying nothing of the session, with one-tap links to a confirmation page."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from booking.services import appointment_transition
from booking.states import AppointmentStatus
from care import emails, tasks
from care.feedback import feedback_submit
from care.models import FeedbackPrompt, FeedbackSettings
from tests.accounts.factories import UserFactory
from tests.booking.factories import AppointmentFactory
from tests.specialists.factories import OfferingFactory

pytestmark = pytest.mark.django_db


def _session(status=AppointmentStatus.CONFIRMED, **fields):
    starts_at = timezone.now().replace(microsecond=0) - timedelta(hours=2)
    offering = OfferingFactory(name="Trauma therapy", specialist__display_name="Dr. Rowan Vale")
    return AppointmentFactory(
        patient=UserFactory(timezone="Europe/Berlin"),
        offering=offering,
        status=status,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=50),
        **fields,
    )


def _prompts():
    return [m for m in mail.outbox if m.subject == "How was your session?"]


def test_completing_a_session_sends_one_prompt_without_its_content(django_capture_on_commit_callbacks):
    appointment = _session()
    with django_capture_on_commit_callbacks(execute=True):
        appointment_transition(appointment=appointment, to=AppointmentStatus.COMPLETED, by=appointment.specialist.user)
    [message] = _prompts()
    assert message.to == [appointment.patient.email]
    html = message.alternatives[0][0]
    for text in (message.body, html):
        assert "Dr. Rowan Vale" in text and "Trauma therapy" not in text
    assert "How was your session on" in message.body
    links = re.findall(r"https?://\S+/feedback/[^/\s]+/\?csat=\d", message.body)
    assert [link[-1] for link in links] == ["1", "2", "3", "4", "5"]
    prompt = FeedbackPrompt.objects.get(appointment=appointment)
    assert prompt.claimed_at is not None and prompt.emailed_at is not None


def test_the_prompt_is_sent_once_however_often_the_task_runs():
    appointment = _session(status=AppointmentStatus.COMPLETED)
    assert tasks.send_feedback_prompt(appointment.pk) is True
    assert tasks.send_feedback_prompt(appointment.pk) is False
    assert emails.feedback_prompt_send(appointment.pk) is False
    assert len(_prompts()) == 1


def test_no_prompt_when_the_session_was_answered_meanwhile():
    appointment = _session(status=AppointmentStatus.COMPLETED)
    feedback_submit(patient=appointment.patient, appointment=appointment, csat=4)
    assert tasks.send_feedback_prompt(appointment.pk) is False
    assert _prompts() == []


def test_no_prompt_for_a_session_that_did_not_complete():
    appointment = _session(status=AppointmentStatus.NO_SHOW)
    assert tasks.send_feedback_prompt(appointment.pk) is False
    assert _prompts() == []


def test_a_failed_send_releases_the_claim_for_a_retry():
    appointment = _session(status=AppointmentStatus.COMPLETED)
    with mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=OSError("smtp down")):
        with pytest.raises(OSError):
            emails.feedback_prompt_send(appointment.pk)
    assert FeedbackPrompt.objects.get(appointment=appointment).claimed_at is None
    assert emails.feedback_prompt_send(appointment.pk) is True
    assert len(_prompts()) == 1


def test_without_the_satisfaction_question_the_email_has_one_link():
    appointment = _session(status=AppointmentStatus.COMPLETED)
    FeedbackSettings.objects.create(organization=appointment.specialist.organization, ask_csat=False)
    emails.feedback_prompt_send(appointment.pk)
    [message] = _prompts()
    assert "?csat=" not in message.body
    assert len(re.findall(r"https?://\S+/feedback/[^/\s]+/", message.body)) == 1
