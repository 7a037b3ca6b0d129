"""iCalendar for appointments (booking/ics.py), read back with icalendar's
own parser: every property, and one event for an appointment's whole life
(stable UID, rising SEQUENCE)."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from uuid import uuid4

import pytest
import time_machine
from icalendar import Calendar

from booking import ics
from booking.services import appointment_cancel, appointment_create, appointment_reschedule
from booking.states import AppointmentStatus
from tests.accounts.factories import UserFactory
from tests.specialists.factories import OfferingFactory

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def sample(**fields):
    values = {
        "public_id": uuid4(),
        "sequence": 3,
        "starts_at": datetime(2026, 3, 2, 9, tzinfo=UTC),
        "ends_at": datetime(2026, 3, 2, 9, 50, tzinfo=UTC),
    }
    return SimpleNamespace(**{**values, **fields})


def parse(data: bytes):
    assert isinstance(data, bytes)
    calendar = Calendar.from_ical(data)
    return calendar, calendar.walk("VEVENT")


def invite(appointment, method="REQUEST", **kwargs):
    arguments = {
        "summary": "Session with Dr. Ana Souza",
        "description": "Join from your appointment page.",
        "organizer_email": "ana@clinic.test",
        "attendee_email": "pat@example.test",
        "url": "https://daraport.test/patient/appointments/x/",
        "organizer_name": "Dr. Ana Souza",
        "attendee_name": "Pat Doe",
        "now": NOW,
        **kwargs,
    }
    return ics.appointment_invite(appointment, method=method, **arguments)


def test_an_invitation_carries_every_property():
    appointment = sample()
    calendar, [event] = parse(invite(appointment))

    assert str(calendar["prodid"]) == "-//Daraport//Booking//EN"
    assert str(calendar["version"]) == "2.0"
    assert str(calendar["method"]) == "REQUEST"
    assert str(event["uid"]) == f"{appointment.public_id}@daraport"
    assert event["sequence"] == 3
    assert event.decoded("dtstamp") == NOW
    assert event.decoded("dtstart") == datetime(2026, 3, 2, 9, tzinfo=UTC)
    assert event.decoded("dtend") == datetime(2026, 3, 2, 9, 50, tzinfo=UTC)
    assert str(event["summary"]) == "Session with Dr. Ana Souza"
    assert str(event["description"]) == "Join from your appointment page."
    assert str(event["url"]) == "https://daraport.test/patient/appointments/x/"
    assert str(event["status"]) == "CONFIRMED"
    assert str(event["organizer"]) == "mailto:ana@clinic.test"
    assert event["organizer"].params["CN"] == "Dr. Ana Souza"
    assert str(event["attendee"]) == "mailto:pat@example.test"
    assert event["attendee"].params["PARTSTAT"] == "ACCEPTED"
    assert event["attendee"].params["CN"] == "Pat Doe"


def test_times_are_written_in_utc_whatever_zone_they_come_in():
    from zoneinfo import ZoneInfo

    berlin = ZoneInfo("Europe/Berlin")
    appointment = sample(
        starts_at=datetime(2026, 3, 2, 10, tzinfo=berlin), ends_at=datetime(2026, 3, 2, 10, 50, tzinfo=berlin)
    )
    data = invite(appointment)
    assert b"DTSTART:20260302T090000Z" in data
    assert b"DTEND:20260302T095000Z" in data
    assert b"VTIMEZONE" not in data


def test_a_cancellation_says_cancel_and_cancelled():
    calendar, [event] = parse(invite(sample(sequence=4), method="CANCEL"))
    assert str(calendar["method"]) == "CANCEL"
    assert str(event["status"]) == "CANCELLED"
    assert event["sequence"] == 4


def test_text_with_commas_semicolons_and_new_lines_survives():
    _calendar, [event] = parse(invite(sample(), summary="A, B; C", description="One\nTwo"))
    assert str(event["summary"]) == "A, B; C"
    assert str(event["description"]) == "One\nTwo"


@pytest.mark.parametrize("method", ["PUBLISH", "request", ""])
def test_an_invitation_is_a_request_or_a_cancel_only(method):
    with pytest.raises(ValueError):
        invite(sample(), method=method)


def test_an_invitation_needs_email_addresses():
    with pytest.raises(ValueError):
        invite(sample(), attendee_email="")


def test_naive_times_are_refused():
    with pytest.raises(ValueError):
        invite(sample(starts_at=datetime(2026, 3, 2, 9)))


def test_a_feed_has_no_method_and_holds_several_events():
    events = [
        ics.appointment_event(sample(), summary="One", status="CONFIRMED", now=NOW),
        ics.appointment_event(sample(), summary="Two", status="TENTATIVE", now=NOW),
        ics.appointment_event(sample(), summary="Three", status="CANCELLED", now=NOW),
    ]
    calendar, parsed = parse(ics.calendar(events, name="Daraport sessions"))
    assert "method" not in calendar
    assert str(calendar["x-wr-calname"]) == "Daraport sessions"
    assert [str(event["status"]) for event in parsed] == ["CONFIRMED", "TENTATIVE", "CANCELLED"]
    assert [str(event["transp"]) for event in parsed] == ["OPAQUE", "OPAQUE", "TRANSPARENT"]
    assert "url" not in parsed[0] and "description" not in parsed[0]


def test_an_unknown_status_is_refused():
    with pytest.raises(ValueError):
        ics.appointment_event(sample(), summary="x", status="MAYBE")


@pytest.mark.django_db
def test_one_appointment_keeps_its_uid_while_its_sequence_rises():
    offering = OfferingFactory(duration_minutes=50)
    patient = UserFactory()
    starts_at = datetime(2026, 3, 9, 9, tzinfo=UTC)
    with time_machine.travel(NOW, tick=False):
        appointment = appointment_create(
            patient=patient, offering=offering, starts_at=starts_at, status=AppointmentStatus.CONFIRMED, by=patient
        )
        first = invite(appointment)
        moved = appointment_reschedule(
            appointment=appointment,
            starts_at=starts_at + timedelta(hours=2),
            by=offering.specialist.user,
            reason="Clash",
        )
        second = invite(moved)
        cancelled = appointment_cancel(appointment=moved, by=patient, reason="Ill")
        third = invite(cancelled, method="CANCEL")

    events = [parse(data)[1][0] for data in (first, second, third)]
    assert len({str(event["uid"]) for event in events}) == 1
    assert [event["sequence"] for event in events] == [0, 1, 2]
    assert events[1].decoded("dtstart") == starts_at + timedelta(hours=2)
    assert [str(event["status"]) for event in events] == ["CONFIRMED", "CONFIRMED", "CANCELLED"]
