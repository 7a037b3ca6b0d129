"""The video room's address outside the site (core.meetings): in the
calendar invitation of the confirmation email and the "Add to calendar"
file (URL and LOCATION, so calendars show a way in), and in the reminder
email, as an absolute link. Without a video app they stay as they were."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.urls import reverse
from icalendar import Calendar

from booking import ics
from booking.emails import CANCELLED, CONFIRMED, appointment_email_send, appointment_reminder_send
from booking.states import AppointmentStatus as S
from organizations.models import Membership
from tests.booking.factories import AppointmentFactory
from tests.booking.test_emails import event_of, invite_of, make_offering, make_patient
from tests.core.fake_rooms import install_rooms, remove_rooms, room_path
from tests.organizations.factories import MembershipFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 17, 12, tzinfo=UTC)
# Tue 24 Nov 2026, 09:00 in New York: its room opens at 08:50 there.
STARTS_AT = datetime(2026, 11, 24, 14, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def appointment():
    return AppointmentFactory(patient=make_patient(), offering=make_offering(), starts_at=STARTS_AT, status=S.CONFIRMED)


def site(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def test_the_confirmation_invitations_lead_both_sides_into_the_room(monkeypatch, appointment):
    install_rooms(monkeypatch)
    assert appointment_email_send(appointment_id=appointment.pk, kind=CONFIRMED) == 2
    room = site(room_path(appointment))
    for message in mail.outbox:
        event = event_of(invite_of(message))
        assert str(event["url"]) == room
        assert str(event["location"]) == room
        assert str(event["description"]).startswith(f"Join the session: {room}\n\nDetails and changes: ")


def test_without_video_the_invitation_points_at_the_appointment_page(monkeypatch, appointment):
    remove_rooms(monkeypatch)
    appointment_email_send(appointment_id=appointment.pk, kind=CONFIRMED)
    patient_email = next(message for message in mail.outbox if message.to == [appointment.patient.email])
    event = event_of(invite_of(patient_email))
    assert str(event["url"]) == site(reverse("booking:patient-appointment", args=[appointment.public_id]))
    assert "location" not in event
    assert "Join" not in str(event["description"])


def test_a_cancellation_has_no_way_in(monkeypatch, appointment):
    install_rooms(monkeypatch)
    appointment.status = S.CANCELLED
    appointment.save(update_fields=["status"])
    appointment_email_send(appointment_id=appointment.pk, kind=CANCELLED)
    for message in mail.outbox:
        event = event_of(invite_of(message))
        assert "location" not in event and "/sessions/" not in str(event["url"])


def test_the_reminder_email_links_to_the_room_and_says_when_it_opens(monkeypatch, appointment):
    install_rooms(monkeypatch)
    appointment_reminder_send(appointment=appointment)
    [message] = mail.outbox
    room = site(room_path(appointment))
    assert f"Join the video session here (the room opens at 08:50):\n{room}" in message.body
    html, _mimetype = message.alternatives[0]
    assert f'<a href="{room}">Join the video session</a>' in html
    assert "The room opens at 08:50." in html


def test_without_video_the_reminder_has_no_room_link(monkeypatch, appointment):
    remove_rooms(monkeypatch)
    appointment_reminder_send(appointment=appointment)
    [message] = mail.outbox
    assert "video" not in message.body.lower() and "/sessions/" not in message.alternatives[0][0]


def test_the_calendar_file_of_the_patient_page_leads_into_the_room(client, monkeypatch, appointment):
    install_rooms(monkeypatch)
    organization = appointment.specialist.organization
    MembershipFactory(user=appointment.patient, organization=organization, role=Membership.Role.PATIENT)
    client.force_login(appointment.patient)
    response = client.get(reverse("booking:appointment-ics", args=[appointment.public_id]))
    assert response.status_code == 200
    [event] = Calendar.from_ical(response.content).walk("VEVENT")
    room = f"http://testserver{room_path(appointment)}"
    assert (str(event["url"]), str(event["location"])) == (room, room)


def test_an_event_carries_a_location_only_when_given():
    appointment = AppointmentFactory.build(starts_at=STARTS_AT, ends_at=STARTS_AT + timedelta(minutes=50), sequence=0)
    bare = ics.appointment_event(appointment, summary="Session")
    assert "location" not in bare
    event = ics.appointment_event(appointment, summary="Session", location="https://daraport.test/sessions/x/")
    assert str(event["location"]) == "https://daraport.test/sessions/x/"
