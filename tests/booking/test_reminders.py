"""Reminders (booking/services/reminders.py): rows planned at the
organization's offsets, sent by the sweep exactly once, and skipped once
the session moved or was called off."""

import threading
import time
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection, connections

from booking import emails, services
from booking.models import BookingPolicy, Reminder
from booking.services import reminders_plan, reminders_send_due
from booking.states import AppointmentStatus as S
from core.models import Notification
from tests.booking.factories import AppointmentFactory
from tests.booking.test_emails import NOW, PATIENT_WHEN, STARTS_AT, make_offering, make_patient

DAY, HOUR = 24 * 60, 60

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL (DATABASE_URL): SQLite serialises every writer, so there is no race to test",
)


@pytest.fixture
def offering(db):
    return make_offering()


@pytest.fixture
def patient(db):
    return make_patient()


@pytest.fixture
def appointment(offering, patient):
    return AppointmentFactory(offering=offering, patient=patient, starts_at=STARTS_AT, confirmed=True)


def pending(appointment):
    return Reminder.objects.filter(appointment=appointment, sent_at=None, skipped_at=None)


def planned(appointment) -> list[tuple[int, object]]:
    return sorted((r.offset_minutes, r.due_at) for r in pending(appointment))


def sweep_at(moment, **kwargs) -> int:
    with time_machine.travel(moment, tick=False):
        return reminders_send_due(**kwargs)


# --- Planning -------------------------------------------------------------------------


@pytest.mark.django_db
def test_reminders_are_planned_a_day_and_an_hour_before_by_default(appointment):
    reminders_plan(appointment=appointment, now=NOW)
    assert planned(appointment) == [(HOUR, STARTS_AT - timedelta(hours=1)), (DAY, STARTS_AT - timedelta(days=1))]
    assert {r.starts_at for r in pending(appointment)} == {STARTS_AT}


@pytest.mark.django_db
def test_reminders_follow_the_organization_offsets(offering, appointment):
    BookingPolicy.objects.create(organization=offering.specialist.organization, reminder_offsets_minutes=[120, 2880])
    reminders_plan(appointment=appointment, now=NOW)
    assert planned(appointment) == [(120, STARTS_AT - timedelta(hours=2)), (2880, STARTS_AT - timedelta(days=2))]


@pytest.mark.django_db
def test_a_reminder_already_past_is_not_planned(appointment):
    reminders_plan(appointment=appointment, now=STARTS_AT - timedelta(hours=3))
    assert planned(appointment) == [(HOUR, STARTS_AT - timedelta(hours=1))]


@pytest.mark.django_db
def test_planning_twice_plans_once(appointment):
    reminders_plan(appointment=appointment, now=NOW)
    reminders_plan(appointment=appointment, now=NOW)
    assert Reminder.objects.filter(appointment=appointment).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("status", [S.REQUESTED, S.AWAITING_PAYMENT, S.CANCELLED, S.COMPLETED])
def test_only_a_confirmed_session_gets_reminders(offering, patient, status):
    appointment = AppointmentFactory(offering=offering, patient=patient, starts_at=STARTS_AT, status=status)
    assert reminders_plan(appointment=appointment, now=NOW) == []
    assert not Reminder.objects.exists()


@pytest.mark.django_db
def test_a_move_skips_the_old_reminders_and_plans_new_ones(offering, appointment):
    reminders_plan(appointment=appointment, now=NOW)
    moved_to = STARTS_AT + timedelta(days=2)
    services.appointment_reschedule(
        appointment=appointment, starts_at=moved_to, by=offering.specialist.user, reason="Away", now=NOW
    )
    reminders_plan(appointment=appointment, now=NOW)

    assert {r.starts_at for r in pending(appointment)} == {moved_to}
    assert Reminder.objects.filter(starts_at=STARTS_AT, skipped_at__isnull=False).count() == 2


@pytest.mark.django_db
def test_a_cancellation_skips_the_planned_reminders(patient, appointment):
    reminders_plan(appointment=appointment, now=NOW)
    services.appointment_cancel(appointment=appointment, by=patient, reason="Away", now=NOW)
    reminders_plan(appointment=appointment, now=NOW)
    assert not pending(appointment).exists()
    assert Reminder.objects.filter(skipped_at__isnull=False).count() == 2


# --- Sending --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_due_reminder_is_emailed_to_the_patient_once(patient, appointment):
    reminders_plan(appointment=appointment, now=NOW)

    assert sweep_at(STARTS_AT - timedelta(days=1, minutes=1)) == 0
    assert sweep_at(STARTS_AT - timedelta(days=1)) == 1
    assert sweep_at(STARTS_AT - timedelta(days=1) + timedelta(minutes=1)) == 0

    [message] = mail.outbox
    assert message.to == [patient.email]
    assert message.subject == "Reminder: your session on Tue 24 Nov, 09:00"
    assert PATIENT_WHEN in message.body
    assert "Trauma" not in message.subject
    assert message.alternatives[0][1] == "text/html"
    [line] = Notification.objects.filter(user=patient)
    assert (line.portal, line.text) == ("patient", f"Reminder: your session with Dr Rivera is on {PATIENT_WHEN}.")
    day_before = Reminder.objects.get(offset_minutes=DAY)
    assert day_before.sent_at == STARTS_AT - timedelta(days=1)

    assert sweep_at(STARTS_AT - timedelta(minutes=59)) == 1
    assert len(mail.outbox) == 2
    assert not pending(appointment).exists()


@pytest.mark.django_db
def test_a_reminder_of_a_cancelled_session_is_skipped_not_sent(patient, appointment):
    reminders_plan(appointment=appointment, now=NOW)
    # The cancellation's own re-planning has not run (no on-commit here):
    # the sweep itself must notice.
    services.appointment_cancel(appointment=appointment, by=patient, reason="Away", now=NOW)

    assert sweep_at(STARTS_AT - timedelta(minutes=30)) == 0
    assert mail.outbox == []
    assert Reminder.objects.filter(skipped_at__isnull=False, sent_at=None).count() == 2


@pytest.mark.django_db
def test_a_reminder_of_a_moved_session_is_skipped_not_sent(offering, appointment):
    reminders_plan(appointment=appointment, now=NOW)
    services.appointment_reschedule(
        appointment=appointment,
        starts_at=STARTS_AT + timedelta(days=2),
        by=offering.specialist.user,
        reason="Away",
        now=NOW,
    )

    assert sweep_at(STARTS_AT - timedelta(minutes=30)) == 0
    assert mail.outbox == []
    assert Reminder.objects.filter(skipped_at__isnull=False, sent_at=None).count() == 2


@pytest.mark.django_db
def test_a_reminder_found_after_the_start_is_skipped(appointment):
    """A sweep that was down for a while does not remind of a session
    that has already begun."""
    reminders_plan(appointment=appointment, now=NOW)
    assert sweep_at(STARTS_AT + timedelta(minutes=5)) == 0
    assert mail.outbox == []
    assert not pending(appointment).exists()


@pytest.mark.django_db
def test_a_failed_email_stays_due_and_does_not_hold_up_the_others(offering, monkeypatch):
    first = AppointmentFactory(offering=offering, starts_at=STARTS_AT, confirmed=True)
    second = AppointmentFactory(starts_at=STARTS_AT + timedelta(minutes=5), confirmed=True)
    for appointment in (first, second):
        reminders_plan(appointment=appointment, now=STARTS_AT - timedelta(minutes=90))
    real_send = emails.appointment_reminder_send

    def flaky(*, appointment):
        if appointment.pk == first.pk:
            raise OSError("mail server unreachable")
        real_send(appointment=appointment)

    monkeypatch.setattr(emails, "appointment_reminder_send", flaky)
    assert sweep_at(STARTS_AT - timedelta(minutes=50)) == 1
    assert [m.to for m in mail.outbox] == [[second.patient.email]]
    assert pending(first).count() == 1

    monkeypatch.setattr(emails, "appointment_reminder_send", real_send)
    assert sweep_at(STARTS_AT - timedelta(minutes=49)) == 1
    assert not pending(first).exists()


@pytest.mark.django_db
def test_a_sweep_sends_at_most_its_limit(offering):
    for minutes in range(3):
        appointment = AppointmentFactory(starts_at=STARTS_AT + timedelta(minutes=minutes), confirmed=True)
        reminders_plan(appointment=appointment, now=STARTS_AT - timedelta(minutes=90))

    assert sweep_at(STARTS_AT - timedelta(minutes=30), limit=2) == 2
    assert sweep_at(STARTS_AT - timedelta(minutes=30), limit=2) == 1


# --- Two workers at once (PostgreSQL) ---------------------------------------------------

WORKERS = 4
REMINDERS = 30


@pytest.fixture
def pool_for_every_worker():
    """Give each worker thread its own connection instead of queueing them
    on the default pool."""
    options = connection.settings_dict["OPTIONS"]
    saved = options.get("pool")
    if saved:
        connection.close_pool()
        options["pool"] = {"min_size": 1, "max_size": WORKERS + 2, "timeout": 20}
    yield
    if saved:
        connection.close_pool()
        options["pool"] = saved


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_racing_sweeps_send_each_reminder_exactly_once(pool_for_every_worker, monkeypatch):
    now = STARTS_AT - timedelta(minutes=30)
    for minutes in range(REMINDERS):
        appointment = AppointmentFactory(starts_at=STARTS_AT + timedelta(minutes=minutes), confirmed=True)
        reminders_plan(appointment=appointment, now=STARTS_AT - timedelta(hours=2))
    assert Reminder.objects.filter(sent_at=None).count() == REMINDERS
    real_send = emails.appointment_reminder_send

    def slow_send(*, appointment):
        time.sleep(0.01)  # a mail server's round trip: the sweeps overlap
        real_send(appointment=appointment)

    monkeypatch.setattr(emails, "appointment_reminder_send", slow_send)
    barrier = threading.Barrier(WORKERS, timeout=30)
    counts, errors = [], []

    def worker():
        try:
            connections["default"].ensure_connection()
            barrier.wait()
            counts.append(reminders_send_due(now=now))
        except Exception as error:  # reported by the assertion below
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sum(counts) == REMINDERS
    recipients = [message.to[0] for message in mail.outbox]
    assert len(recipients) == REMINDERS
    assert len(set(recipients)) == REMINDERS
    assert not Reminder.objects.filter(sent_at=None).exists()
