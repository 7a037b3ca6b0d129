"""A worker killed mid-send never sends the same unread-message email
twice: the sweep runs in a real second process, whose mail server takes
the email and whose process is then SIGKILLed; the sweep run again sends
nothing, a later one counts the interrupted email as sent, and the next
burst of messages still gets its email."""

import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from messaging.models import ReadMarker
from messaging.services import unread_message_emails_send
from messaging.services.email import CLAIM_TIMEOUT
from tests.core import processes
from tests.messaging.test_unread_email import open_conversation, post

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_unread_message_email_whose_worker_dies_mid_send_is_not_sent_again(tmp_path, caplog):
    sent_log = tmp_path / "sent.jsonl"
    conversation = open_conversation()
    patient = conversation.relationship.patient
    post(conversation, conversation.relationship.specialist.user, at=timezone.now() - timedelta(minutes=20))
    sweep = "from messaging.services import unread_message_emails_send\nprint(unread_message_emails_send())"

    processes.kill_once_sent(processes.start(sweep, sent_log=sent_log, block=True), sent_log)
    assert unread_message_emails_send() == 0  # the restarted worker

    assert [email["to"] for email in processes.sent(sent_log)] == [[patient.email]]
    assert mail.outbox == []
    marker = ReadMarker.objects.get(conversation=conversation, user=patient)
    assert marker.email_claimed_at is not None
    assert marker.emailed_at is None

    later = timezone.now() + CLAIM_TIMEOUT + timedelta(minutes=1)
    with caplog.at_level(logging.ERROR, logger="messaging.services.email"):
        assert unread_message_emails_send(now=later) == 0
    assert f"read marker {marker.pk} was interrupted" in caplog.text
    marker.refresh_from_db()
    assert marker.email_claimed_at is None
    assert marker.emailed_at is not None
    assert mail.outbox == []

    post(conversation, conversation.relationship.specialist.user, at=later)
    assert unread_message_emails_send(now=later + timedelta(minutes=20)) == 1
    assert [message.to for message in mail.outbox] == [[patient.email]]
