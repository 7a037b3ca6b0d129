"""The specialist home (core.views.specialist_home_view): the agenda of today
and the next 7 days, requests waiting for an answer, unread conversations
and the sessions a missing consent blocks, each from its own app's section
provider.

The clock stands still on Wednesday 18 November 2026, 09:00 in Berlin.
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from booking.services import availability_request_create
from messaging.services import message_post
from organizations.models import Membership
from tests.booking.factories import AppointmentFactory
from tests.conftest import member
from tests.consents.factories_patient import CareContextFactory, published_document
from tests.messaging.factories_pages import conversation_between, patient_of, specialist_of
from tests.specialists.factories import OfferingFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 18, 8, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
HOME = reverse("core:specialist-home")


def berlin(day, hour, minute=0):
    return datetime(2026, 11, day, hour, minute, tzinfo=BERLIN)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def specialist(org):
    return specialist_of(org, display_name="Lena Berg", user__timezone="Europe/Berlin", user__full_name="Lena Berg")


@pytest.fixture
def offering(specialist):
    return OfferingFactory(specialist=specialist, name="Initial consultation")


def session(offering, name, starts_at, **traits):
    patient = patient_of(offering.specialist.organization, full_name=name)
    appointment = AppointmentFactory(patient=patient, offering=offering, starts_at=starts_at, **traits)
    CareContextFactory(patient=patient, offering=offering)
    return appointment


def home(client, specialist):
    client.force_login(specialist.user)
    response = client.get(HOME)
    assert response.status_code == 200
    return response.content.decode()


def test_nothing_going_on_shows_the_empty_state(client, specialist):
    html = home(client, specialist)
    assert "No sessions yet" in html
    assert 'id="agenda-today"' not in html


def test_the_agenda_lists_today_then_the_next_7_days(client, specialist, offering):
    session(offering, "Ana Souza", berlin(18, 15), confirmed=True)
    session(offering, "Ben Okafor", berlin(20, 10), awaiting_payment=True)
    session(offering, "Carla Mendes", berlin(25, 23), confirmed=True)  # next Wednesday, the 7th day
    session(offering, "Eva Late", berlin(26, 9), confirmed=True)  # the 8th day: past the agenda
    session(offering, "Dan Early", berlin(18, 7), confirmed=True)  # over before now
    html = home(client, specialist)

    assert "No sessions yet" not in html
    today, coming = html.split('id="agenda-today"')[1].split('id="agenda-coming"')
    coming = coming.split("</section>")[0]
    assert "Ana Souza" in today and "15:00\u201315:50" in today and "Confirmed" in today
    assert "Initial consultation" in today
    assert ">Next 7 days</h2>" in coming
    assert "Ben Okafor" in coming and "Fri 20 Nov" in coming and "Awaiting payment" in coming
    assert "Carla Mendes" in coming and "Wed 25 Nov" in coming
    assert "Eva Late" not in html.split('id="home-blockers"')[0]
    assert "Dan Early" not in html
    assert "Times are in your time zone, Europe/Berlin." in html


def test_on_a_saturday_the_agenda_still_shows_the_week_ahead(client, specialist, offering):
    """The week is rolling, not Monday to Sunday: on Saturday the sessions
    of Tuesday to Thursday are there."""
    with time_machine.travel(datetime(2026, 11, 21, 9, tzinfo=BERLIN), tick=False):
        for day, name in ((24, "Ana Souza"), (25, "Ben Okafor"), (26, "Carla Mendes")):
            session(offering, name, berlin(day, 10), confirmed=True)
        html = home(client, specialist)

    coming = html.split('id="agenda-coming"')[1].split("</section>")[0]
    assert "No sessions today." in html
    assert "Ana Souza" in coming and "Ben Okafor" in coming and "Carla Mendes" in coming
    assert "Tue 24 Nov" in coming and "Thu 26 Nov" in coming


def test_a_session_a_missing_consent_blocks_says_what_is_missing(client, org, specialist, offering):
    published_document(organization=org, title="Consent to treatment")
    session(offering, "Ana Souza", berlin(19, 10), confirmed=True)
    html = home(client, specialist)

    assert "1 to do: Consent to treatment" in html  # the agenda's readiness
    blockers = html.split('id="home-blockers"')[1]
    assert "Ana Souza" in blockers and "Consent to treatment" in blockers and "consent to sign" in blockers


def test_requests_and_patients_asking_for_times_wait_for_an_answer(client, specialist, offering):
    session(offering, "Ana Souza", berlin(24, 10))  # a requested time
    asker = member(specialist.organization, Membership.Role.PATIENT, full_name="Jonas Weber")
    availability_request_create(patient=asker, specialist=specialist, offering=None, windows=[], note="Evenings")
    html = home(client, specialist)

    waiting = html.split('id="home-requests"')[1]
    assert "Ana Souza" in waiting and "Jonas Weber" in waiting and "Asks for times" in waiting
    assert 'name="csrfmiddlewaretoken"' in waiting  # the Accept button posts a real form


def test_the_headline_counts_what_the_list_below_shows(client, specialist, offering):
    """One patient with a requested time who also asks for other times:
    two things to answer, in the headline as in the list."""
    ana = session(offering, "Ana Souza", berlin(24, 10)).patient  # a requested time
    availability_request_create(patient=ana, specialist=specialist, offering=None, windows=[], note="Evenings")
    html = home(client, specialist)

    assert "2 requests are waiting for your answer" in html
    assert 'Waiting for your answer <span class="badge">2</span>' in html
    waiting = html.split('id="home-requests"')[1]
    assert waiting.count('class="appt-row') == 2


def test_unread_conversations_are_listed_without_their_text(client, org, specialist):
    patient = patient_of(org, full_name="Pia Patient")
    conversation = conversation_between(patient, specialist)
    message_post(conversation=conversation, author=patient, text="My private worry")
    html = home(client, specialist)

    unread = html.split('id="home-unread"')[1]
    assert "Pia Patient" in unread
    assert reverse("messaging:specialist-thread", args=[conversation.public_id]) in unread
    assert "My private worry" not in html


def test_the_home_costs_the_same_queries_however_busy_the_week(
    client, org, specialist, offering, django_assert_num_queries
):
    published_document(organization=org, title="Consent to treatment")
    session(offering, "Ana Souza", berlin(18, 15), confirmed=True)
    session(offering, "Ben Okafor", berlin(25, 10))
    conversation_between(patient_of(org), specialist)
    client.force_login(specialist.user)
    client.get(HOME)  # the session's first request writes it; count a settled page

    with django_assert_num_queries(QUERIES):
        assert client.get(HOME).status_code == 200

    for hour in (9, 11, 13, 16, 17):
        session(offering, f"Patient {hour}", berlin(19, hour), confirmed=True)
        session(offering, f"Asker {hour}", berlin(26, hour))
        conversation = conversation_between(patient_of(org), specialist)
        message_post(conversation=conversation, author=conversation.relationship.patient, text="Hello")
    with django_assert_num_queries(QUERIES):
        assert client.get(HOME).status_code == 200


# Session and user, the header (roles, brand, notification, message and
# waiting-room counts, "Forms & consents"), the next-step cards and the
# sections with one readiness resolution.
QUERIES = 35


@pytest.mark.parametrize(
    ("persona", "expected"), [("specialist", 200), ("patient_a", 403), ("org_admin", 403), ("anonymous", 302)]
)
def test_only_specialists_enter_the_home(client, personas, persona, expected):
    user = personas[persona]
    if user is not None:
        client.force_login(user)
    response = client.get(HOME)
    assert response.status_code == expected
    if persona == "anonymous":
        assert response["Location"].startswith(reverse("account_login"))


def test_the_appointments_page_accept_button_posts_a_real_form(client, specialist, offering):
    session(offering, "Ana Souza", berlin(24, 10))  # a requested time
    client.force_login(specialist.user)
    html = client.get(reverse("booking:specialist-appointments")).content.decode()
    waiting = html.split('id="needs-answer"')[1].split('id="waiting"')[0]
    assert 'name="csrfmiddlewaretoken"' in waiting
