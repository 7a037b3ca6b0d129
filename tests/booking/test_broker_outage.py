"""A booking confirmed while the broker (Redis) is down: the patient gets
the usual answer at once, nothing is sent yet and nothing is lost; once the
broker is back the outbox sweep sends the confirmation emails, puts the
inbox lines and plans the reminders, exactly once (SECURITY.md: "Redis
down: pages still render, requests do not hang, queued work is sent when it
returns")."""

import json
import socket
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from booking import services
from booking.models import Appointment, Reminder
from booking.states import AppointmentStatus as S
from core.models import Notification, QueuedTask
from core.outbox import queued_tasks_publish
from organizations.models import Membership
from tests.booking.factories import AppointmentFactory
from tests.booking.test_emails import NOW, STARTS_AT, make_offering
from tests.conftest import member
from tests.core import processes
from tests.core.test_outbox import REFUSED, take_broker_down

QUEUED = ["booking.send_appointment_email", "booking.notify_appointment", "booking.plan_reminders"]


def pending_tasks() -> list[str]:
    return list(QueuedTask.objects.filter(dispatched_at=None).order_by("pk").values_list("task", flat=True))


def assert_nothing_sent_yet(appointment):
    assert mail.outbox == []
    assert not Notification.objects.exists()
    assert not Reminder.objects.filter(appointment=appointment).exists()
    assert pending_tasks() == QUEUED


def assert_sent_once_by_the_sweep(appointment, now):
    assert queued_tasks_publish(now=now + timedelta(minutes=1)) == 3
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [appointment.patient.email, appointment.specialist.user.email]
    )
    assert Notification.objects.filter(user=appointment.patient).count() == 1
    assert Notification.objects.filter(user=appointment.specialist.user).count() == 1
    assert Reminder.objects.filter(appointment=appointment).count() == 2
    assert pending_tasks() == []

    assert queued_tasks_publish(now=now + timedelta(minutes=2)) == 0  # nothing more, ever
    assert len(mail.outbox) == 2
    assert Notification.objects.count() == 2
    assert Reminder.objects.filter(appointment=appointment).count() == 2


@pytest.mark.django_db
def test_a_booking_confirmed_with_the_broker_down_is_emailed_once_it_is_back(
    org, client, monkeypatch, django_capture_on_commit_callbacks
):
    patient = member(org, Membership.Role.PATIENT, timezone="America/New_York")
    with time_machine.travel(NOW, tick=False):
        held = services.appointment_create(
            patient=patient,
            offering=make_offering(),
            starts_at=STARTS_AT,
            status=S.HELD,
            by=patient,
            expires_at=NOW + timedelta(minutes=10),
        )
        client.force_login(patient)
        tried = take_broker_down(monkeypatch, OperationalError(REFUSED))
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("booking:hold-confirm", args=[held.public_id]), follow=True)

        assert response.status_code == 200
        assert "Booked. We will email you the details." in response.content.decode()
        appointment = Appointment.objects.get(pk=held.pk)
        assert appointment.status == S.CONFIRMED
        assert tried == ["booking.send_appointment_email"]  # once per event, not once per task
        assert_nothing_sent_yet(appointment)

        monkeypatch.undo()  # the broker is back
        assert_sent_once_by_the_sweep(appointment, NOW)


def closed_port() -> int:
    """A local port nothing listens on: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


CONFIRM = """
import json
import time
from django.contrib.auth import get_user_model
from django.test import Client

client = Client(HTTP_HOST="127.0.0.1")
client.force_login(get_user_model().objects.get(pk={patient_id}))
started = time.monotonic()
response = client.post("{url}")
print(json.dumps({{"status": response.status_code, "seconds": time.monotonic() - started}}))
"""


@pytest.mark.django_db(transaction=True)
def test_with_redis_refusing_connections_the_confirmation_answers_at_once_and_waits_for_it(org, tmp_path):
    """The web process runs on the production settings (not eager, the
    broker's real transport options) against a Redis port that refuses."""
    patient = member(org, Membership.Role.PATIENT, timezone="America/New_York")
    held = AppointmentFactory(patient=patient, offering=make_offering(), held=True)
    sent_log = tmp_path / "sent.jsonl"
    code = CONFIRM.format(patient_id=patient.pk, url=reverse("booking:hold-confirm", args=[held.public_id]))
    answer = json.loads(
        processes.run(
            code,
            sent_log=sent_log,
            settings_module="daraport.settings.base",
            CELERY_BROKER_URL=f"redis://127.0.0.1:{closed_port()}/13",
        )
    )

    assert answer["status"] == 303
    assert answer["seconds"] < 2
    appointment = Appointment.objects.get(pk=held.pk)
    assert appointment.status == S.CONFIRMED
    assert processes.sent(sent_log) == []
    assert_nothing_sent_yet(appointment)
    assert all("Connection refused" in row.last_error for row in QueuedTask.objects.filter(attempts=1))
    assert QueuedTask.objects.filter(attempts=1).count() == 1  # the rest waited for the sweep

    assert_sent_once_by_the_sweep(appointment, timezone.now())
