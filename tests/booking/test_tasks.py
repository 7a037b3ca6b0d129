"""booking's Celery tasks (booking/tasks.py) and their beat schedule. Tests
run tasks eagerly (CELERY_TASK_ALWAYS_EAGER): publishing one runs it."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from booking import services, tasks
from booking.models import Appointment, Proposal, Reminder
from booking.states import AppointmentStatus as S
from core.models import Notification
from daraport.celery import app
from tests.booking.factories import AppointmentFactory
from tests.booking.test_emails import NOW, PATIENT_WHEN, SPECIALIST_WHEN, STARTS_AT, make_offering, make_patient

pytestmark = pytest.mark.django_db


@pytest.fixture
def offering():
    return make_offering()


@pytest.fixture
def patient():
    return make_patient()


def texts(user) -> list[str]:
    return list(Notification.objects.filter(user=user).order_by("id").values_list("text", flat=True))


# --- The expiry sweep ---------------------------------------------------------------


def test_the_expiry_sweep_lets_holds_proposals_and_unpaid_bookings_lapse(
    offering, patient, django_capture_on_commit_callbacks
):
    specialist = offering.specialist.user
    hold = services.appointment_create(
        patient=make_patient(),
        offering=offering,
        starts_at=STARTS_AT - timedelta(days=1),
        status=S.HELD,
        by=None,
        expires_at=NOW + timedelta(minutes=10),
    )
    proposal = services.proposal_create(
        specialist=offering.specialist,
        patient=patient,
        offering=offering,
        starts_at=[STARTS_AT, STARTS_AT + timedelta(hours=2)],
        expires_at=NOW + timedelta(days=2),
        by=specialist,
        now=NOW,
    )
    unpaid = AppointmentFactory(
        offering=offering,
        patient=patient,
        starts_at=STARTS_AT + timedelta(days=2),
        awaiting_payment=True,
        expires_at=NOW + timedelta(days=1),
    )
    not_yet = AppointmentFactory(
        offering=offering,
        starts_at=STARTS_AT + timedelta(days=3),
        awaiting_payment=True,
        expires_at=NOW + timedelta(days=4),
    )

    with time_machine.travel(NOW + timedelta(days=3), tick=False), django_capture_on_commit_callbacks(execute=True):
        assert tasks.expire_due.delay().get() == 4

    statuses = dict(Appointment.objects.values_list("pk", "status"))
    assert statuses[hold.pk] == S.EXPIRED
    assert statuses[unpaid.pk] == S.EXPIRED
    assert statuses[not_yet.pk] == S.AWAITING_PAYMENT
    assert set(proposal.appointments.values_list("status", flat=True)) == {S.EXPIRED}
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.EXPIRED
    # The proposal lapses once for the specialist; the unpaid booking for both.
    assert texts(specialist) == [
        "Ana Patient did not answer your proposed times for Trauma therapy in time.",
        "The booking by Ana Patient on Thu 26 Nov 2026, 15:00 (Europe/Berlin) lapsed unpaid.",
    ]
    # Nobody could pay (no payments yet): the patient hears that, and whom to ask.
    assert texts(patient)[-1] == (
        "Your reserved time on Thu 26 Nov 2026, 09:00 (America/New York) with Dr Rivera was released: "
        "online payment is not available yet, so it could not be confirmed. Message Dr Rivera to find another time."
    )
    assert texts(hold.patient) == []
    assert mail.outbox == []


def test_the_expiry_sweep_with_nothing_due_does_nothing(offering):
    AppointmentFactory(offering=offering, held=True)
    assert tasks.expire_due() == 0
    assert not Appointment.objects.filter(status=S.EXPIRED).exists()


# --- Reminders and emails ---------------------------------------------------------------


def test_the_reminder_sweep_sends_what_is_due(offering, patient):
    appointment = AppointmentFactory(offering=offering, patient=patient, starts_at=STARTS_AT, confirmed=True)
    with time_machine.travel(NOW, tick=False):
        assert tasks.plan_reminders.delay(appointment.pk).get() == 2
    with time_machine.travel(STARTS_AT - timedelta(minutes=30), tick=False):
        assert tasks.send_due_reminders.delay().get() == 1
        assert tasks.send_due_reminders.delay().get() == 0
    assert [m.to for m in mail.outbox] == [[patient.email]]
    # The day-before reminder was missed (no sweep ran): only the latest goes out.
    assert Reminder.objects.get(sent_at__isnull=False).offset_minutes == 60
    assert Reminder.objects.get(skipped_at__isnull=False).offset_minutes == 24 * 60


def test_planning_reminders_of_a_vanished_appointment_does_nothing():
    assert tasks.plan_reminders(987654) == 0


def test_the_email_task_emails_both_sides(offering, patient):
    appointment = AppointmentFactory(offering=offering, patient=patient, starts_at=STARTS_AT, confirmed=True)
    with time_machine.travel(NOW, tick=False):
        assert tasks.send_appointment_email.delay(appointment.pk, "confirmed").get() == 2
    assert {m.subject for m in mail.outbox} == {
        "Your session on Tue 24 Nov, 09:00 is confirmed",
        "New session booked: Tue 24 Nov, 15:00",
    }


def test_the_notify_task_puts_the_lines_of_an_event(offering, patient):
    appointment = AppointmentFactory(offering=offering, patient=patient, starts_at=STARTS_AT, confirmed=True)
    # A week before the session: news about one already over is dropped.
    with time_machine.travel(NOW, tick=False):
        assert tasks.notify_appointment(appointment.pk, "confirmed", "held", patient.pk) == 2
        assert tasks.notify_appointment(appointment.pk, "started", "confirmed", None) == 0
    assert texts(patient) == [f"Your session on {PATIENT_WHEN} with Dr Rivera is confirmed."]
    assert texts(offering.specialist.user) == [f"Ana Patient booked Trauma therapy on {SPECIALIST_WHEN}."]


# --- The beat schedule ------------------------------------------------------------------


@pytest.mark.parametrize("task", ["booking.send_due_reminders", "booking.expire_due"])
def test_the_sweeps_run_every_minute(task):
    [entry] = [entry for entry in app.conf.beat_schedule.values() if entry["task"] == task]
    assert entry["schedule"] == 60
    assert task in app.tasks
