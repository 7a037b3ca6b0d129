"""Who hears what when an appointment changes (booking/receivers.py and
the inbox lines of booking/emails.py): emails for the changes that touch
calendars, inbox lines for the rest, nothing for a released hold, each
proposal announced and answered once, never a reason or a note."""

from datetime import date, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from booking import emails, services
from booking.models import Reminder
from booking.states import AppointmentStatus as S
from core.models import Notification, QueuedTask
from tests.booking.factories import AppointmentFactory
from tests.booking.test_emails import (
    NOW,
    PATIENT_WHEN,
    SPECIALIST_WHEN,
    STARTS_AT,
    book_directly,
    make_offering,
    make_patient,
)
from tests.consents.factories_patient import CareContextFactory, published_form

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def offering():
    return make_offering()


@pytest.fixture
def patient():
    return make_patient()


@pytest.fixture
def specialist(offering):
    return offering.specialist.user


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run the block, then the events it sent after commit (and their tasks)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def lines(user) -> list[tuple[str, str, str]]:
    return [(n.portal, n.text, n.url) for n in Notification.objects.filter(user=user).order_by("id")]


def texts(user) -> list[str]:
    return [text for _portal, text, _url in lines(user)]


def propose(offering, patient, *, payment_required=False, count=3):
    starts = [STARTS_AT + timedelta(days=day) for day in range(count)]
    return services.proposal_create(
        specialist=offering.specialist,
        patient=patient,
        offering=offering,
        starts_at=list(reversed(starts)),
        expires_at=NOW + timedelta(days=2),
        payment_required=payment_required,
        note="About my insomnia",
        by=offering.specialist.user,
        now=NOW,
    )


def everything_said() -> str:
    """Every subject, body and inbox line, to look for what must not be there."""
    parts = [n.text for n in Notification.objects.all()]
    for message in mail.outbox:
        parts += [message.subject, message.body, message.alternatives[0][0]]
    return "\n".join(parts)


# --- Booking directly -------------------------------------------------------------


def test_a_direct_booking_emails_and_notifies_both_and_plans_reminders(offering, patient, specialist, on_commit):
    with on_commit():
        appointment = book_directly(offering, patient)

    assert sorted(message.to[0] for message in mail.outbox) == sorted([patient.email, specialist.email])
    assert lines(patient) == [
        (
            "patient",
            f"Your session on {PATIENT_WHEN} with Dr Rivera is confirmed.",
            reverse("booking:patient-appointment", args=[appointment.public_id]),
        )
    ]
    assert lines(specialist) == [
        (
            "specialist",
            f"Ana Patient booked Trauma therapy on {SPECIALIST_WHEN}.",
            reverse("booking:specialist-appointment", args=[appointment.public_id]),
        )
    ]
    assert Reminder.objects.filter(appointment=appointment).count() == 2


def test_a_hold_and_its_release_say_nothing(offering, patient, on_commit):
    with on_commit():
        held = services.appointment_create(
            patient=patient, offering=offering, starts_at=STARTS_AT, status=S.HELD, by=patient, expires_at=NOW
        )
    with on_commit():
        services.appointment_hold_release(appointment=held, by=patient)

    assert mail.outbox == []
    assert not Notification.objects.exists()
    assert not Reminder.objects.exists()


def test_a_lapsed_hold_says_nothing(offering, patient, on_commit):
    services.appointment_create(
        patient=patient, offering=offering, starts_at=STARTS_AT, status=S.HELD, by=patient, expires_at=NOW
    )
    with on_commit():
        assert services.appointments_expire_due(now=NOW) == 1

    assert mail.outbox == []
    assert not Notification.objects.exists()


def test_receivers_queue_tasks_with_ids_in_the_booking_transaction(offering, patient, on_commit):
    """The tasks are rows of the booking's own transaction (core.outbox),
    published once it has committed."""
    with on_commit():
        appointment = book_directly(offering, patient)
        queued = list(QueuedTask.objects.order_by("pk").values_list("task", "args", "dispatched_at"))
        assert mail.outbox == []

    assert queued == [
        ("booking.send_appointment_email", [appointment.pk, "confirmed"], None),
        ("booking.notify_appointment", [appointment.pk, "confirmed", "held", patient.pk], None),
        ("booking.plan_reminders", [appointment.pk], None),
    ]
    assert not QueuedTask.objects.filter(dispatched_at=None).exists()
    assert len(mail.outbox) == 2


# --- Moving and cancelling ------------------------------------------------------------


def test_a_move_emails_and_notifies_both_and_replans_reminders(offering, patient, specialist, on_commit):
    with on_commit():
        appointment = book_directly(offering, patient)
    mail.outbox.clear()
    moved_to = STARTS_AT + timedelta(days=1, hours=1)
    with on_commit():
        services.appointment_reschedule(
            appointment=appointment, starts_at=moved_to, by=specialist, reason="Clinic closed", now=NOW
        )

    assert len(mail.outbox) == 2
    assert texts(patient)[-1] == "Dr Rivera moved your session to Wed 25 Nov 2026, 10:00 (America/New York)."
    assert texts(specialist)[-1] == (
        "You moved your session with Ana Patient to Wed 25 Nov 2026, 16:00 (Europe/Berlin)."
    )
    pending = Reminder.objects.filter(appointment=appointment, sent_at=None, skipped_at=None)
    assert {r.starts_at for r in pending} == {moved_to}
    assert Reminder.objects.filter(appointment=appointment, starts_at=STARTS_AT).exclude(skipped_at=None).count() == 2
    assert "Clinic closed" not in everything_said()


def test_cancelling_a_booking_emails_both_and_keeps_the_reason_out(offering, patient, specialist, on_commit):
    with on_commit():
        appointment = book_directly(offering, patient)
    mail.outbox.clear()
    with on_commit():
        services.appointment_cancel(appointment=appointment, by=specialist, reason="Your panic attacks", now=NOW)

    assert [message.attachments[0][2] for message in mail.outbox] == ["text/calendar; method=CANCEL"] * 2
    assert texts(patient)[-1] == (
        f"Dr Rivera cancelled your session on {PATIENT_WHEN}. See the reason on the session page."
    )
    assert texts(specialist)[-1] == f"You cancelled your session with Ana Patient on {SPECIALIST_WHEN}."
    assert not Reminder.objects.filter(appointment=appointment, sent_at=None, skipped_at=None).exists()
    assert "panic" not in everything_said()


def test_cancelling_an_unpaid_booking_emails_both(offering, patient, specialist, on_commit):
    appointment = AppointmentFactory(offering=offering, patient=patient, starts_at=STARTS_AT, awaiting_payment=True)
    with on_commit():
        services.appointment_cancel(appointment=appointment, by=patient, reason="Changed my mind", now=NOW)

    assert len(mail.outbox) == 2
    assert texts(specialist) == [
        f"Ana Patient cancelled your session on {SPECIALIST_WHEN}. See the reason on the session page."
    ]


# --- Requests of one time ---------------------------------------------------------------


def test_a_request_notifies_the_specialist_only(offering, patient, specialist, on_commit):
    with on_commit():
        appointment = services.appointment_create(
            patient=patient, offering=offering, starts_at=STARTS_AT, status=S.REQUESTED, by=patient
        )

    assert mail.outbox == []
    assert lines(specialist) == [
        (
            "specialist",
            f"Ana Patient asked for Trauma therapy on {SPECIALIST_WHEN}.",
            reverse("booking:specialist-appointment", args=[appointment.public_id]),
        )
    ]
    assert texts(patient) == []


def test_a_declined_request_notifies_the_patient_without_the_reason(offering, patient, specialist, on_commit):
    appointment = AppointmentFactory(offering=offering, patient=patient, starts_at=STARTS_AT)
    with on_commit():
        services.appointment_request_decline(appointment=appointment, by=specialist, reason="I do not treat insomnia")

    assert mail.outbox == []
    assert lines(patient) == [
        (
            "patient",
            f"Dr Rivera declined your request for Trauma therapy on {PATIENT_WHEN}. See the reason on the session page.",
            reverse("booking:patient-appointment", args=[appointment.public_id]),
        )
    ]
    assert "insomnia" not in everything_said()


def test_an_accepted_request_is_a_confirmed_booking(offering, patient, specialist, on_commit):
    appointment = AppointmentFactory(offering=offering, patient=patient, starts_at=STARTS_AT)
    with on_commit():
        services.appointment_request_accept(appointment=appointment, by=specialist, now=NOW)

    assert len(mail.outbox) == 2
    assert texts(patient) == [f"Your session on {PATIENT_WHEN} with Dr Rivera is confirmed."]
    assert Reminder.objects.filter(appointment=appointment).count() == 2


def test_a_request_the_patient_calls_off_is_news_for_the_specialist_only(offering, patient, specialist, on_commit):
    appointment = AppointmentFactory(offering=offering, patient=patient, starts_at=STARTS_AT)
    with on_commit():
        services.appointment_cancel(appointment=appointment, by=patient, reason="Found another time", now=NOW)

    assert mail.outbox == []
    assert texts(specialist) == [f"Ana Patient withdrew their request for Trauma therapy on {SPECIALIST_WHEN}."]
    assert texts(patient) == []


def test_an_availability_request_notifies_the_specialist_without_the_note(offering, patient, specialist, on_commit):
    with on_commit():
        request = services.availability_request_create(
            patient=patient,
            specialist=offering.specialist,
            offering=offering,
            windows=[{"date": date(2026, 11, 25), "from": time(9), "until": time(12)}],
            note="My insomnia is worse in the evenings",
        )

    assert lines(specialist) == [
        (
            "specialist",
            "Ana Patient asked for times for Trauma therapy.",
            reverse("booking:specialist-request", args=[request.public_id]),
        )
    ]
    assert "insomnia" not in everything_said()


# --- Proposals ----------------------------------------------------------------------


def test_a_proposal_is_announced_to_the_patient_once_not_per_time(offering, patient, specialist, on_commit):
    with on_commit():
        proposal = propose(offering, patient)

    assert proposal.appointments.count() == 3
    assert lines(patient) == [
        (
            "patient",
            "Dr Rivera proposed times for Trauma therapy: please answer by Thu 19 Nov 2026, 07:00 (America/New York).",
            reverse("booking:patient-proposal", args=[proposal.public_id]),
        )
    ]
    assert texts(specialist) == []
    assert mail.outbox == []
    assert "insomnia" not in everything_said()


def test_accepting_one_time_confirms_it_without_declining_the_others_aloud(offering, patient, specialist, on_commit):
    proposal = propose(offering, patient)
    chosen = proposal.appointments.order_by("starts_at")[1]
    with on_commit():
        services.proposal_accept(proposal=proposal, appointment=chosen, by=patient, now=NOW)

    assert len(mail.outbox) == 2
    assert texts(specialist) == ["Ana Patient booked Trauma therapy on Wed 25 Nov 2026, 15:00 (Europe/Berlin)."]
    assert texts(patient) == ["Your session on Wed 25 Nov 2026, 09:00 (America/New York) with Dr Rivera is confirmed."]


def test_a_proposal_with_payment_asks_for_it_then_confirms_once_paid(
    offering, patient, specialist, on_commit, payments_available
):
    proposal = propose(offering, patient, payment_required=True)
    chosen = proposal.appointments.order_by("starts_at")[0]
    with on_commit():
        chosen = services.proposal_accept(proposal=proposal, appointment=chosen, by=patient, now=NOW)

    assert mail.outbox == []
    assert lines(patient) == [
        (
            "patient",
            f"Payment is due by Wed 18 Nov 2026, 07:00 (America/New York) for your session on {PATIENT_WHEN} "
            "with Dr Rivera.",
            reverse("booking:patient-appointment", args=[chosen.public_id]),
        )
    ]
    with on_commit():
        services.appointment_payment_received(appointment=chosen)

    assert len(mail.outbox) == 2
    assert texts(patient)[-1] == f"Your session on {PATIENT_WHEN} with Dr Rivera is confirmed."


def test_a_declined_proposal_is_news_for_the_specialist_once(offering, patient, specialist, on_commit):
    proposal = propose(offering, patient)
    with on_commit():
        services.proposal_decline(proposal=proposal, by=patient, reason="None of these suit my therapy")

    assert mail.outbox == []
    assert lines(specialist) == [
        (
            "specialist",
            "Ana Patient declined your proposed times for Trauma therapy.",
            reverse("booking:specialist-proposal", args=[proposal.public_id]),
        )
    ]
    assert texts(patient) == []


def test_a_withdrawn_proposal_is_news_for_the_patient_once_without_email(offering, patient, specialist, on_commit):
    proposal = propose(offering, patient)
    with on_commit():
        services.proposal_withdraw(proposal=proposal, by=specialist)

    assert mail.outbox == []
    assert lines(patient) == [
        (
            "patient",
            "Dr Rivera withdrew their proposed times for Trauma therapy.",
            reverse("booking:patient-proposal", args=[proposal.public_id]),
        )
    ]
    assert texts(specialist) == []


def test_each_reader_gets_their_own_portal(offering, patient, specialist, on_commit):
    with on_commit():
        book_directly(offering, patient)

    assert set(Notification.objects.filter(user=patient).values_list("portal", flat=True)) == {"patient"}
    assert set(Notification.objects.filter(user=specialist).values_list("portal", flat=True)) == {"specialist"}


def test_a_cancellation_by_someone_else_names_nobody(offering, patient, specialist, on_commit):
    """An organization admin (or the system) calling a session off is
    neither side: the message says it was cancelled, not by whom."""
    appointment = AppointmentFactory(offering=offering, patient=patient, starts_at=STARTS_AT, confirmed=True)
    with on_commit():
        services.appointment_transition(appointment=appointment, to=S.CANCELLED, by=make_patient(), reason="Closed")

    assert texts(patient) == [f"Your session with Dr Rivera on {PATIENT_WHEN} was cancelled."]
    assert texts(specialist) == [f"Your session with Ana Patient on {SPECIALIST_WHEN} was cancelled."]
    for message in mail.outbox:
        assert "This session was cancelled." in message.body
        assert "Ana Patient cancelled" not in message.body


def test_news_about_a_session_already_over_is_not_put_in_anyones_inbox():
    start = timezone.now() - timedelta(days=3)
    past = AppointmentFactory(confirmed=True, starts_at=start, ends_at=start + timedelta(minutes=50))
    assert emails.appointment_notify(appointment_id=past.pk, event="confirmed", from_status="") == []
    assert not Notification.objects.exists()


def test_a_confirmed_booking_with_forms_to_fill_in_says_how_many_without_naming_them():
    appointment = AppointmentFactory(confirmed=True)
    published_form(organization=appointment.specialist.organization, title="PHQ-9 (depression screening)")
    CareContextFactory(patient=appointment.patient, offering=appointment.offering)
    emails.appointment_notify(appointment_id=appointment.pk, event="confirmed", from_status="held")
    line = Notification.objects.get(user=appointment.patient, url=reverse("consents:flow"))
    assert "one form or consent to complete" in line.text
    assert "PHQ" not in line.text
