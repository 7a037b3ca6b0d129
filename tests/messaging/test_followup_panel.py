""" "Book your next session" in the patient's side panel of a thread
(messaging/panel.py, booking/followup.py): after a completed session, one
click opens the panel's free times of the same service, or for a service
booked on request the booking page's request of a time. Not once care
ended, not with a session ahead, never on the specialist's side."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from care.services import care_relationship_end
from messaging.panel import follow_up_url, panel_for
from tests.booking.factories import AppointmentFactory
from tests.messaging.factories_pages import conversation_between, patient_of, specialist_of
from tests.specialists.factories import OfferingFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
PROMPT = "Book your next session"


@pytest.fixture
def specialist(org):
    return specialist_of(org, display_name="Dr Lena Berg", user__timezone="Europe/Berlin")


@pytest.fixture
def offering(specialist):
    """Not the shortest service: "Book a follow-up" alone would not start on it."""
    OfferingFactory(specialist=specialist, name="Short check-in", duration_minutes=25)
    return OfferingFactory(specialist=specialist, name="Follow-up session", duration_minutes=50)


@pytest.fixture
def patient(org):
    return patient_of(org, full_name="Alex Doe", timezone="America/New_York")


@pytest.fixture
def conversation(patient, specialist):
    return conversation_between(patient, specialist)


@pytest.fixture
def session(conversation, patient, offering):
    return AppointmentFactory(
        patient=patient, offering=offering, completed=True, starts_at=timezone.now() - timedelta(days=7)
    )


def panel_url(conversation, portal="patient"):
    return reverse(f"messaging:{portal}-panel", args=[conversation.public_id])


def test_the_patients_panel_offers_the_next_session_of_the_same_service(
    client, conversation, patient, offering, session
):
    client.force_login(patient)
    response = client.get(panel_url(conversation), **HTMX)
    assert response.status_code == 200
    panel = response.context["panel"]
    assert panel.follow_up.session == session
    link = follow_up_url(conversation, offering=offering)
    assert panel.follow_up_url == link
    page = response.content.decode()
    assert PROMPT in page and "Follow-up session · 50 min" in page
    assert f'hx-get="{link}"' in page
    assert "<html" not in page


def test_one_click_opens_the_panels_times_of_that_service(client, conversation, patient, offering, session):
    client.force_login(patient)
    link = panel_for(conversation, for_specialist=False).follow_up_url
    response = client.get(link, **HTMX)
    assert response.status_code == 200
    assert response.context["book_offering"] == offering
    assert f'<option value="{offering.public_id}" selected>' in response.content.decode()


def test_a_service_booked_on_request_leads_to_the_booking_pages_request(client, conversation, patient, specialist):
    on_request = OfferingFactory(specialist=specialist, name="Couples session", on_request=True)
    AppointmentFactory(
        patient=patient, offering=on_request, completed=True, starts_at=timezone.now() - timedelta(days=3)
    )
    client.force_login(patient)
    page = client.get(panel_url(conversation), **HTMX).content.decode()
    book = reverse("booking:book", args=[on_request.public_id])
    assert f'href="{book}"' in page
    assert "Booked on request: Dr Lena Berg confirms the time." in page
    assert client.get(book).status_code == 200


def test_the_thread_page_shows_it_too(client, conversation, patient, session):
    client.force_login(patient)
    page = client.get(reverse("messaging:patient-thread", args=[conversation.public_id])).content.decode()
    assert PROMPT in page


def test_nothing_is_offered_with_a_session_ahead(client, conversation, patient, offering, session):
    AppointmentFactory(patient=patient, offering=offering, confirmed=True)
    client.force_login(patient)
    page = client.get(panel_url(conversation), **HTMX).content.decode()
    assert PROMPT not in page
    assert "Book a follow-up" in page  # the panel's own way to book stays


def test_nothing_is_offered_without_a_completed_session(client, conversation, patient):
    client.force_login(patient)
    assert PROMPT not in client.get(panel_url(conversation), **HTMX).content.decode()


def test_nothing_is_offered_once_care_ended(client, conversation, patient, specialist, session):
    care_relationship_end(relationship=conversation.relationship, by=specialist.user)
    conversation.refresh_from_db()
    client.force_login(patient)
    response = client.get(panel_url(conversation), **HTMX)
    assert response.context["panel"].follow_up is None
    assert PROMPT not in response.content.decode()


def test_the_specialists_panel_never_shows_it(client, conversation, specialist, session):
    client.force_login(specialist.user)
    response = client.get(panel_url(conversation, "specialist"), **HTMX)
    assert response.status_code == 200
    assert response.context["panel"].follow_up is None
    assert PROMPT not in response.content.decode()


def test_another_patient_cannot_open_the_panel(client, org, conversation, session):
    client.force_login(patient_of(org))
    assert client.get(panel_url(conversation), **HTMX).status_code == 404


def test_the_panel_costs_the_same_however_long_the_pairs_history(client, conversation, patient, offering, session):
    client.force_login(patient)
    client.get(panel_url(conversation), **HTMX)

    def cost():
        with CaptureQueriesContext(connection) as queries:
            assert PROMPT in client.get(panel_url(conversation), **HTMX).content.decode()
        return len(queries)

    one = cost()
    for weeks in range(2, 8):
        AppointmentFactory(
            patient=patient, offering=offering, completed=True, starts_at=timezone.now() - timedelta(weeks=weeks)
        )
    assert cost() == one
