"""The way into the pair's video session from the thread's side panel
(templates/messaging/_panel.html through core.meetings): the session under
way stays the panel's session until its end, "Join session" while its room
is open, and the specialist lets a waiting patient in from there."""

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


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def patient(org):
    return patient_of(org, full_name="Ana Souza", preferred_name="", timezone="America/New_York")


@pytest.fixture
def specialist(org):
    return specialist_of(org, display_name="Dr Lena Berg")


@pytest.fixture
def conversation(patient, specialist):
    return conversation_between(patient, specialist)


def session(patient, specialist, starts_in, status=S.CONFIRMED):
    offering = OfferingFactory(specialist=specialist, duration_minutes=50)
    return AppointmentFactory(patient=patient, offering=offering, starts_at=NOW + starts_in, status=status)


def panel(client, user, conversation, portal) -> str:
    client.force_login(user)
    response = client.get(reverse(f"messaging:{portal}-panel", args=[conversation.public_id]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return response.content.decode().split('id="panel-appointment"', 1)[1].split("</section>", 1)[0]


def test_a_session_under_way_is_the_panels_and_is_joined_from_both_sides(
    client, monkeypatch, conversation, patient, specialist
):
    install_rooms(monkeypatch)
    running = session(patient, specialist, timedelta(minutes=-20), status=S.IN_PROGRESS)
    session(patient, specialist, timedelta(days=7))  # the next one waits its turn
    for user, portal in ((patient, "patient"), (specialist.user, "specialist")):
        html = panel(client, user, conversation, portal)
        assert f'href="{room_path(running)}" role="button"' in html and "Join session" in html, portal


def test_without_video_the_panel_offers_no_room(client, monkeypatch, conversation, patient, specialist):
    remove_rooms(monkeypatch)
    session(patient, specialist, timedelta(minutes=3))
    html = panel(client, patient, conversation, "patient")
    assert "Join session" not in html and "/sessions/" not in html


def test_a_session_opening_soon_says_when(client, monkeypatch, conversation, patient, specialist):
    install_rooms(monkeypatch)
    session(patient, specialist, timedelta(minutes=30))  # opens 03:20 in New York
    assert "Opens at 03:20" in panel(client, patient, conversation, "patient")


def test_the_specialist_lets_the_waiting_patient_in_from_the_thread(
    client, monkeypatch, conversation, patient, specialist
):
    try:
        reverse("video:admit", args=["00000000-0000-0000-0000-000000000000"])
    except NoReverseMatch:
        pytest.skip("the video app's URLs are not installed")
    waiting = session(patient, specialist, timedelta(minutes=2))
    install_rooms(monkeypatch, waiting={waiting.pk})
    html = panel(client, specialist.user, conversation, "specialist")
    assert "Ana Souza is waiting" in html and "Let in" in html
    assert f'action="{reverse("video:admit", args=[waiting.public_id])}"' in html
    assert "is waiting" not in panel(client, patient, conversation, "patient")
