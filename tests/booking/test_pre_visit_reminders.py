"""Reminders of unfinished consents and forms before a session
(booking/services/pre_visit.py, the task and its beat entry)."""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
import time_machine
from django.core import mail

from booking import tasks
from booking.models import PreVisitReminder
from booking.services import pre_visit_reminders_send
from consents.models import CareContext, ConsentVersion
from daraport.celery import app
from organizations.models import Membership
from tests.booking.factories import AppointmentFactory
from tests.conftest import member
from tests.consents.factories_patient import (
    ConsentSignatureFactory,
    published_document,
    published_form,
)
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)  # a Friday
SUNDAY_9 = datetime(2026, 11, 22, 9, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def offering(org):
    return OfferingFactory(specialist=SpecialistProfileFactory(organization=org, display_name="Lena Berg"))


@pytest.fixture
def patient(org):
    return member(org, Membership.Role.PATIENT, full_name="Alex Doe", timezone="UTC")


def booked(patient, offering, starts_at=SUNDAY_9, **traits):
    traits = traits or {"confirmed": True}
    appointment = AppointmentFactory(patient=patient, offering=offering, starts_at=starts_at, **traits)
    CareContext.objects.get_or_create(patient=patient, specialist=offering.specialist, offering=offering)
    return appointment


def test_the_patient_is_emailed_once_about_what_is_missing(org, offering, patient):
    published_document(organization=org, title="Telehealth consent")
    published_form(organization=org, title="PHQ-9").form.offerings.add(offering)
    appointment = booked(patient, offering)
    assert pre_visit_reminders_send() == 1
    [email] = mail.outbox
    assert email.to == [patient.email]
    assert email.subject == "Before your session on Sun 22 Nov: 2 things to do"
    assert "2 forms or consents to complete" in email.body
    assert "/patient/consents/" in email.body
    for text in (email.subject, email.body, email.alternatives[0][0]):
        assert "PHQ-9" not in text and "Telehealth" not in text  # no health details
    assert PreVisitReminder.objects.filter(appointment=appointment).count() == 2


def test_the_next_sweep_does_not_send_again(org, offering, patient, frozen):
    published_document(organization=org, title="Telehealth consent")
    booked(patient, offering)
    pre_visit_reminders_send()
    frozen.shift(timedelta(minutes=15))
    assert pre_visit_reminders_send() == 0
    assert len(mail.outbox) == 1


def test_a_newly_added_item_sends_again(org, offering, patient, frozen):
    version = published_document(organization=org, title="Telehealth consent")
    appointment = booked(patient, offering)
    pre_visit_reminders_send()
    ConsentVersion.objects.create(document=version.document, number=2, summary="s", body="b", published_at=NOW)
    frozen.shift(timedelta(minutes=15))
    assert pre_visit_reminders_send() == 1
    assert len(mail.outbox) == 2
    assert PreVisitReminder.objects.filter(appointment=appointment).count() == 2


def test_nothing_is_sent_when_the_session_is_ready(org, offering, patient):
    ConsentSignatureFactory(patient=patient, version=published_document(organization=org, title="Treatment"))
    booked(patient, offering)
    assert pre_visit_reminders_send() == 0
    assert mail.outbox == []
    assert not PreVisitReminder.objects.exists()


def test_only_confirmed_sessions_of_the_next_48_hours(org, offering, patient):
    published_document(organization=org, title="Treatment")
    booked(patient, offering, starts_at=NOW + timedelta(hours=49))
    booked(patient, offering, starts_at=NOW - timedelta(hours=1))
    AppointmentFactory(patient=patient, offering=offering, starts_at=NOW + timedelta(hours=5), awaiting_payment=True)
    AppointmentFactory(patient=patient, offering=offering, starts_at=NOW + timedelta(hours=6), cancelled=True)
    assert pre_visit_reminders_send() == 0
    assert mail.outbox == []


def test_each_appointment_is_its_own_reminder(org, offering, patient):
    published_document(organization=org, title="Treatment")
    booked(patient, offering)
    booked(patient, offering, starts_at=SUNDAY_9 + timedelta(hours=3))
    assert pre_visit_reminders_send() == 2
    assert PreVisitReminder.objects.count() == 2


def test_a_failed_email_claims_nothing_and_is_retried(org, offering, patient):
    published_document(organization=org, title="Treatment")
    booked(patient, offering)
    with mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=OSError("mail server down")):
        assert pre_visit_reminders_send() == 0
    assert not PreVisitReminder.objects.exists()
    assert pre_visit_reminders_send() == 1


def test_an_item_already_claimed_by_another_sweep_is_not_sent_twice(org, offering, patient):
    published_document(organization=org, title="Treatment")
    appointment = booked(patient, offering)
    PreVisitReminder.objects.create(appointment=appointment, item_key=f"consent-{ConsentVersion.objects.get().pk}")
    assert pre_visit_reminders_send() == 0
    assert mail.outbox == []


def test_the_task_runs_the_sweep_and_beat_runs_it_every_15_minutes(org, offering, patient):
    published_document(organization=org, title="Treatment")
    booked(patient, offering)
    assert tasks.send_pre_visit_reminders() == 1
    entry = app.conf.beat_schedule["send-pre-visit-reminders"]
    assert entry["task"] == "booking.send_pre_visit_reminders"
    assert entry["schedule"] == 15 * 60
