"""The emails about an appointment (booking/emails.py): one to each side, in
that reader's zone, with a calendar invitation that calendars can follow
from confirmation through a move to a cancellation."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.urls import reverse
from icalendar import Calendar

from booking import services
from booking.emails import appointment_email_send
from booking.states import AppointmentStatus as S
from tests.accounts.factories import UserFactory
from tests.booking.factories import AppointmentFactory
from tests.organizations.factories import OrganizationFactory
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 17, 12, tzinfo=UTC)  # a week before
# Tue 24 Nov 2026, 09:00 in New York (UTC-5) and 15:00 in Berlin (UTC+1).
STARTS_AT = datetime(2026, 11, 24, 14, tzinfo=UTC)
# Wed 25 Nov 2026, 10:00 in New York, 16:00 in Berlin.
MOVED_TO = datetime(2026, 11, 25, 15, tzinfo=UTC)

PATIENT_WHEN = "Tue 24 Nov 2026, 09:00 (America/New York)"
SPECIALIST_WHEN = "Tue 24 Nov 2026, 15:00 (Europe/Berlin)"
# Words that must never reach a subject: the service's name can say what
# someone is treated for, and a reason or a note can hold anything.
HEALTH_WORDS = ("Trauma", "panic", "insomnia")


# --- Helpers shared with the other message tests ---------------------------------


def make_offering(**fields):
    """A specialist in Berlin ("Dr Rivera", of "Harbour Clinic") offering a
    50-minute "Trauma therapy" for 90.00 EUR."""
    organization = OrganizationFactory(name="Harbour Clinic")
    specialist = SpecialistProfileFactory(
        organization=organization,
        display_name="Dr Rivera",
        user=UserFactory(timezone="Europe/Berlin", full_name="Rosa Rivera"),
    )
    fields = {"name": "Trauma therapy", "duration_minutes": 50, "price_minor": 9000, "currency": "EUR", **fields}
    return OfferingFactory(specialist=specialist, **fields)


def make_patient():
    return UserFactory(timezone="America/New_York", full_name="Ana Patient", preferred_name="")


def book_directly(offering, patient, starts_at=STARTS_AT):
    """A self-booking: a hold, then the patient confirms it."""
    held = services.appointment_create(
        patient=patient,
        offering=offering,
        starts_at=starts_at,
        status=S.HELD,
        by=patient,
        expires_at=NOW + timedelta(minutes=10),
    )
    return services.appointment_hold_confirm(appointment=held, by=patient, now=NOW)


def invite_of(message) -> Calendar:
    [(filename, content, _mimetype)] = message.attachments
    assert filename == "invite.ics"
    return Calendar.from_ical(content)


def event_of(calendar: Calendar):
    [event] = calendar.walk("VEVENT")
    return event


def sent_to(user):
    return [message for message in mail.outbox if message.to == [user.email]]


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


# --- Confirmation ------------------------------------------------------------------


def test_a_confirmed_booking_emails_each_side_in_their_own_zone(offering, patient, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book_directly(offering, patient)

    [to_patient] = sent_to(patient)
    [to_specialist] = sent_to(offering.specialist.user)
    assert to_patient.subject == "Your session on Tue 24 Nov, 09:00 is confirmed"
    assert to_specialist.subject == "New session booked: Tue 24 Nov, 15:00"
    assert PATIENT_WHEN in to_patient.body
    assert SPECIALIST_WHEN in to_specialist.body
    assert "Europe/Berlin" not in to_patient.body
    assert "Dr Rivera" in to_patient.body
    assert "Ana Patient" in to_specialist.body
    assert "€90.00" in to_patient.body
    assert "24 hours before the start" in to_patient.body
    # The organization's name signs it.
    assert "Harbour Clinic" in to_patient.body
    assert "Harbour Clinic" in to_specialist.body
    # Each links to their own page of it, as an absolute address.
    patient_url = settings.SITE_URL + reverse("booking:patient-appointment", args=[appointment.public_id])
    specialist_url = settings.SITE_URL + reverse("booking:specialist-appointment", args=[appointment.public_id])
    assert patient_url in to_patient.body
    assert specialist_url in to_specialist.body
    assert patient_url not in to_specialist.body


def test_each_email_has_a_text_and_an_html_part(offering, patient, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        book_directly(offering, patient)

    for message in mail.outbox:
        [(html, mimetype)] = message.alternatives
        assert mimetype == "text/html"
        assert "<html" in html
        assert "Tue 24 Nov 2026" in html
        assert "{%" not in message.body and "{{" not in message.body


def test_the_invitation_is_a_calendar_request_for_the_session(offering, patient, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book_directly(offering, patient)

    [to_patient] = sent_to(patient)
    [(_name, _content, mimetype)] = to_patient.attachments
    assert mimetype == "text/calendar; method=REQUEST"
    calendar = invite_of(to_patient)
    event = event_of(calendar)
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == f"{appointment.public_id}@daraport"
    assert event.decoded("DTSTART") == STARTS_AT
    assert event.decoded("DTEND") == STARTS_AT + timedelta(minutes=50)
    assert str(event["SUMMARY"]) == "Session with Dr Rivera"
    assert str(event["ATTENDEE"]) == f"mailto:{patient.email}"
    # The MIME part says the method too, as calendar clients expect.
    attachment = [part for part in to_patient.message().walk() if part.get_content_type() == "text/calendar"]
    assert attachment[0].get_param("method") == "REQUEST"
    assert attachment[0].get_filename() == "invite.ics"


def test_the_calendar_follows_one_event_from_confirmation_to_move_to_cancellation(
    offering, patient, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book_directly(offering, patient)
    with django_capture_on_commit_callbacks(execute=True):
        appointment = services.appointment_reschedule(
            appointment=appointment, starts_at=MOVED_TO, by=offering.specialist.user, reason="Clinic closed", now=NOW
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_cancel(appointment=appointment, by=patient, reason="Feeling better", now=NOW)

    for person in (patient, offering.specialist.user):
        confirmed, moved, cancelled = (invite_of(message) for message in sent_to(person))
        assert [str(c["METHOD"]) for c in (confirmed, moved, cancelled)] == ["REQUEST", "REQUEST", "CANCEL"]
        events = [event_of(c) for c in (confirmed, moved, cancelled)]
        assert len({str(e["UID"]) for e in events}) == 1
        sequences = [int(e["SEQUENCE"]) for e in events]
        assert sequences == sorted(sequences) and len(set(sequences)) == 3
        assert events[1].decoded("DTSTART") == MOVED_TO
        assert str(events[2]["STATUS"]) == "CANCELLED"
    [_confirmed, _moved, cancelled_message] = sent_to(patient)
    assert cancelled_message.attachments[0][2] == "text/calendar; method=CANCEL"


def test_a_move_is_emailed_with_the_new_and_the_old_time(offering, patient, django_capture_on_commit_callbacks):
    appointment = book_directly(offering, patient)
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_reschedule(
            appointment=appointment, starts_at=MOVED_TO, by=offering.specialist.user, reason="Clinic closed", now=NOW
        )

    [to_patient] = sent_to(patient)
    [to_specialist] = sent_to(offering.specialist.user)
    assert to_patient.subject == "Session moved: now Wed 25 Nov, 10:00"
    assert to_specialist.subject == "Session moved: now Wed 25 Nov, 16:00"
    assert "Wed 25 Nov 2026, 10:00 (America/New York)" in to_patient.body
    assert f"Before: {PATIENT_WHEN}" in to_patient.body
    assert f"Before: {SPECIALIST_WHEN}" in to_specialist.body
    assert "Clinic closed" not in to_patient.body


def test_a_cancellation_says_who_but_never_why(offering, patient, django_capture_on_commit_callbacks):
    appointment = book_directly(offering, patient)
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_cancel(
            appointment=appointment, by=patient, reason="My panic attacks are worse", now=STARTS_AT - timedelta(hours=2)
        )

    [to_patient] = sent_to(patient)
    [to_specialist] = sent_to(offering.specialist.user)
    assert to_patient.subject == "Session cancelled: Tue 24 Nov, 09:00"
    assert to_specialist.subject == "Session cancelled: Tue 24 Nov, 15:00"
    assert "You cancelled this session." in to_patient.body
    assert "Ana Patient cancelled this session." in to_specialist.body
    assert "read the reason on the session page" in to_specialist.body
    assert "late cancellation" in to_specialist.body
    assert "late cancellation" not in to_patient.body
    for message in (to_patient, to_specialist):
        assert "panic" not in message.body
        assert "panic" not in message.alternatives[0][0]
        assert "panic" not in message.attachments[0][1]


def test_no_subject_carries_health_details(offering, patient, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book_directly(offering, patient)
    with django_capture_on_commit_callbacks(execute=True):
        appointment = services.appointment_reschedule(
            appointment=appointment, starts_at=MOVED_TO, by=offering.specialist.user, reason="My insomnia", now=NOW
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_cancel(appointment=appointment, by=patient, reason="My panic attacks", now=NOW)

    assert len(mail.outbox) == 6
    for message in mail.outbox:
        for word in (*HEALTH_WORDS, "Dr Rivera", "Ana Patient", "Harbour Clinic"):
            assert word not in message.subject


def test_a_cancelled_unpaid_booking_is_emailed_too(offering, patient, django_capture_on_commit_callbacks):
    appointment = AppointmentFactory(offering=offering, patient=patient, starts_at=STARTS_AT, awaiting_payment=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_cancel(appointment=appointment, by=offering.specialist.user, reason="Away", now=NOW)

    assert {message.subject for message in mail.outbox} == {
        "Session cancelled: Tue 24 Nov, 09:00",
        "Session cancelled: Tue 24 Nov, 15:00",
    }
    [to_patient] = sent_to(patient)
    assert "Dr Rivera cancelled this session." in to_patient.body


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (S.CANCELLED, "confirmed"),
        (S.CANCELLED, "rescheduled"),
        (S.CONFIRMED, "cancelled"),
        (S.EXPIRED, "confirmed"),
    ],
)
def test_an_email_that_is_no_longer_true_is_not_sent(offering, patient, status, kind):
    """A task that runs after a later change sends nothing: that change
    sends its own email, with a higher sequence."""
    appointment = AppointmentFactory(offering=offering, patient=patient, starts_at=STARTS_AT, status=status)
    assert appointment_email_send(appointment_id=appointment.pk, kind=kind) == 0
    assert mail.outbox == []


def test_an_unknown_kind_of_email_is_a_bug(offering, patient):
    appointment = AppointmentFactory(offering=offering, patient=patient, confirmed=True)
    with pytest.raises(ValueError, match="unknown"):
        appointment_email_send(appointment_id=appointment.pk, kind="paid")
