"""A worker killed mid-send never sends the same email twice: the reminder
sweep and the pre-visit sweep run in a real second process, whose mail
server takes the email and whose process is then SIGKILLed; the sweep run
again sends nothing, and a later one records the claim as interrupted."""

import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from booking.models import PreVisitReminder, Reminder
from booking.services import pre_visit_reminders_send, reminders_send_due
from booking.services.pre_visit import CLAIM_TIMEOUT as PRE_VISIT_CLAIM_TIMEOUT
from booking.services.reminders import CLAIM_TIMEOUT
from consents.models import CareContext
from organizations.models import Membership
from tests.booking.factories import AppointmentFactory
from tests.conftest import member
from tests.consents.factories_patient import published_document
from tests.core import processes
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sent_log(tmp_path):
    return tmp_path / "sent.jsonl"


def test_a_reminder_whose_worker_dies_mid_send_is_not_sent_again(sent_log, caplog):
    now = timezone.now()
    appointment = AppointmentFactory(confirmed=True, starts_at=now + timedelta(minutes=30))
    Reminder.objects.create(
        appointment=appointment, offset_minutes=60, starts_at=appointment.starts_at, due_at=now - timedelta(minutes=30)
    )
    sweep = "from booking.services import reminders_send_due\nprint(reminders_send_due())"

    processes.kill_once_sent(processes.start(sweep, sent_log=sent_log, block=True), sent_log)
    assert reminders_send_due() == 0  # the restarted worker

    assert [email["to"] for email in processes.sent(sent_log)] == [[appointment.patient.email]]
    assert mail.outbox == []
    reminder = Reminder.objects.get()
    assert reminder.claimed_at is not None
    assert reminder.sent_at is None
    assert reminder.interrupted_at is None

    with caplog.at_level(logging.ERROR, logger="booking.services.reminders"):
        assert reminders_send_due(now=timezone.now() + CLAIM_TIMEOUT + timedelta(minutes=1)) == 0
    reminder.refresh_from_db()
    assert reminder.interrupted_at is not None
    assert f"reminder {reminder.pk} of appointment {appointment.pk} was interrupted" in caplog.text
    assert mail.outbox == []


def test_a_pre_visit_reminder_whose_worker_dies_mid_send_is_not_sent_again(org, sent_log, caplog):
    offering = OfferingFactory(specialist=SpecialistProfileFactory(organization=org))
    patient = member(org, Membership.Role.PATIENT, timezone="UTC")
    published_document(organization=org, title="Telehealth consent")
    appointment = AppointmentFactory(
        patient=patient, offering=offering, confirmed=True, starts_at=timezone.now() + timedelta(hours=24)
    )
    CareContext.objects.create(patient=patient, specialist=offering.specialist, offering=offering)
    sweep = "from booking.services import pre_visit_reminders_send\nprint(pre_visit_reminders_send())"

    processes.kill_once_sent(processes.start(sweep, sent_log=sent_log, block=True), sent_log)
    assert pre_visit_reminders_send() == 0  # the restarted worker

    assert [email["to"] for email in processes.sent(sent_log)] == [[patient.email]]
    assert mail.outbox == []
    [claim] = PreVisitReminder.objects.all()
    assert claim.sent_at is None

    with caplog.at_level(logging.ERROR, logger="booking.services.pre_visit"):
        assert pre_visit_reminders_send(now=timezone.now() + PRE_VISIT_CLAIM_TIMEOUT + timedelta(minutes=1)) == 0
    claim.refresh_from_db()
    assert claim.interrupted_at is not None
    assert f"appointment {appointment.pk} was interrupted" in caplog.text
    assert mail.outbox == []
