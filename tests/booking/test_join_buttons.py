"""The way into a session's video room from the booking pages (through
core.meetings and templates/booking/_join.html): the appointment lists and
pages of both portals and both homes. Nothing shows until a video app
answers; then "Join session" while the room is open, "Opens at 09:50" when
it opens soon, and the specialist sees a patient waiting and lets them in.

The clock stands still on Wednesday 18 November 2026, 09:00 in Berlin
(the specialist), 03:00 in New York (the patient).
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import NoReverseMatch, reverse

from booking.states import AppointmentStatus as S
from tests.booking.factories import AppointmentFactory
from tests.core.fake_rooms import install_rooms, remove_rooms, room_path
from tests.messaging.factories_pages import conversation_between, patient_of, specialist_of
from tests.specialists.factories import OfferingFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 18, 8, tzinfo=UTC)
JOIN = "Join session"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def specialist(org):
    return specialist_of(org, display_name="Lena Berg", user__timezone="Europe/Berlin")


@pytest.fixture
def patient(org):
    return patient_of(org, timezone="America/New_York", full_name="Ana Souza", preferred_name="")


@pytest.fixture
def offering(specialist):
    return OfferingFactory(specialist=specialist, name="Initial consultation", duration_minutes=50)


def booked(offering, patient, starts_in: timedelta, status=S.CONFIRMED):
    conversation_between(patient, offering.specialist)
    return AppointmentFactory(patient=patient, offering=offering, starts_at=NOW + starts_in, status=status)


def patient_pages(client, patient, appointment) -> dict[str, str]:
    client.force_login(patient)
    urls = {
        "list": reverse("booking:patient-appointments"),
        "detail": reverse("booking:patient-appointment", args=[appointment.public_id]),
        "home": reverse("core:patient-home"),
    }
    return {name: page(client, url) for name, url in urls.items()}


def specialist_pages(client, specialist, appointment) -> dict[str, str]:
    client.force_login(specialist.user)
    urls = {
        "list": reverse("booking:specialist-appointments"),
        "detail": reverse("booking:specialist-appointment", args=[appointment.public_id]),
        "home": reverse("core:specialist-home"),
    }
    return {name: page(client, url) for name, url in urls.items()}


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def join_button(appointment) -> str:
    return f'href="{room_path(appointment)}" role="button"'


def test_without_video_no_page_offers_a_room(client, monkeypatch, offering, patient):
    remove_rooms(monkeypatch)
    appointment = booked(offering, patient, timedelta(minutes=5))
    pages = patient_pages(client, patient, appointment) | {
        f"specialist {name}": html for name, html in specialist_pages(client, offering.specialist, appointment).items()
    }
    for name, html in pages.items():
        assert JOIN not in html and "/sessions/" not in html and "opens at" not in html.lower(), name


def test_an_open_room_is_joined_from_every_patient_page(client, monkeypatch, offering, patient):
    install_rooms(monkeypatch)
    appointment = booked(offering, patient, timedelta(minutes=5))
    pages = patient_pages(client, patient, appointment)
    for name in ("list", "detail", "home"):
        assert join_button(appointment) in pages[name], name
        assert JOIN in pages[name], name
    # On the home it is the primary card, above anything else to do.
    primary = pages["home"].split("next-step-primary", 1)[1].split("</article>", 1)[0]
    assert "Your session with Lena Berg is open" in primary and join_button(appointment) in primary


def test_an_open_room_is_joined_from_every_specialist_page(client, monkeypatch, offering, patient):
    install_rooms(monkeypatch)
    appointment = booked(offering, patient, timedelta(minutes=-10), status=S.IN_PROGRESS)
    pages = specialist_pages(client, offering.specialist, appointment)
    for name in ("list", "detail", "home"):
        assert join_button(appointment) in pages[name], name
    primary = pages["home"].split("next-step-primary", 1)[1].split("</article>", 1)[0]
    assert "Your session at 08:50 is open" in primary and join_button(appointment) in primary


def test_a_room_opening_soon_says_when_in_the_viewers_zone(client, monkeypatch, offering, patient):
    install_rooms(monkeypatch)
    # Starts 09:40 Berlin, 03:40 New York: the room opens ten minutes before.
    appointment = booked(offering, patient, timedelta(minutes=40))
    pages = patient_pages(client, patient, appointment)
    assert JOIN not in pages["list"] and "Opens at 03:30" in pages["list"]
    assert "Opens at 03:30" in pages["detail"]
    assert "The session room opens at 03:30." in pages["home"]
    specialist = specialist_pages(client, offering.specialist, appointment)
    assert "Opens at 09:30" in specialist["list"] and "Opens at 09:30" in specialist["detail"]
    assert "The session room opens at 09:30." in specialist["home"]


def test_a_room_days_ahead_is_told_on_the_detail_page_only(client, monkeypatch, offering, patient):
    rooms = install_rooms(monkeypatch)
    appointment = booked(offering, patient, timedelta(days=2))
    pages = patient_pages(client, patient, appointment)
    assert "The session room opens at Fri 20 Nov, 02:50" in pages["detail"]
    assert "opens at" not in pages["list"].lower() and "opens at" not in pages["home"].lower()
    # The lists did not even ask: only the detail page did.
    assert [asked for asked in rooms.asked if asked[0] == appointment.pk] == [(appointment.pk, patient.pk, None)]


@pytest.mark.parametrize("status", [S.REQUESTED, S.AWAITING_PAYMENT, S.CANCELLED, S.COMPLETED])
def test_only_a_booked_or_running_session_has_a_way_in(client, monkeypatch, offering, patient, status):
    install_rooms(monkeypatch)
    appointment = booked(offering, patient, timedelta(minutes=5), status=status)
    client.force_login(patient)
    html = page(client, reverse("booking:patient-appointment", args=[appointment.public_id]))
    assert JOIN not in html and room_path(appointment) not in html


def test_the_specialist_sees_the_patient_waiting_and_lets_them_in(client, monkeypatch, offering, patient):
    try:
        admit = reverse("video:admit", args=["00000000-0000-0000-0000-000000000000"])
    except NoReverseMatch:
        pytest.skip("the video app's URLs are not installed")
    appointment = booked(offering, patient, timedelta(minutes=2))
    rooms = install_rooms(monkeypatch, waiting={appointment.pk})
    pages = specialist_pages(client, offering.specialist, appointment)
    admit = reverse("video:admit", args=[appointment.public_id])
    for name in ("list", "detail"):
        assert "Ana Souza is waiting" in pages[name], name
        assert f'action="{admit}"' in pages[name] and "Let in" in pages[name], name
        assert 'name="csrfmiddlewaretoken"' in pages[name].split(f'action="{admit}"', 1)[1].split("</form>")[0]
    assert "Ana Souza is waiting in the session room" in pages["home"]
    # The patient's pages never show who waits.
    rooms.waiting.clear()
    assert "is waiting" not in patient_pages(client, patient, appointment)["detail"]
