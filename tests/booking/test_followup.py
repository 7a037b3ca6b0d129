"""Booking the next session after a completed one (booking/followup.py):
when it is offered, on which service, and where it leads: the patient's
home card, appointment page and list, and the specialist's "Propose next
session" into the proposal form with the service chosen."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from booking.followup import follow_up_for_appointment, follow_up_latest_for_patient, follow_ups_for_patient
from booking.models import AppointmentEvent
from booking.nextsteps import FOLLOW_UP_PRIORITY, follow_up_steps
from booking.states import AppointmentStatus as S
from care.services import care_relationship_end
from core import nextsteps
from core.portals import Portal
from organizations.models import Membership
from specialists.models import SpecialistProfile
from tests.accounts.factories import enable_totp
from tests.booking.factories import AppointmentFactory
from tests.care.factories import CareRelationshipFactory
from tests.conftest import member
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

pytestmark = pytest.mark.django_db


def days_ago(days: int):
    return (timezone.now() - timedelta(days=days)).replace(microsecond=0)


def days_ahead(days: int):
    return (timezone.now() + timedelta(days=days)).replace(microsecond=0)


def specialist_in(org, name: str) -> SpecialistProfile:
    profile = SpecialistProfileFactory(
        organization=org, display_name=name, user__full_name=name, user__timezone="Europe/Berlin"
    )
    enable_totp(profile.user)
    return profile


@pytest.fixture
def specialist(org):
    return specialist_in(org, "Lena Berg")


@pytest.fixture
def offering(specialist):
    """Listed second on the proposal form, so choosing it is no accident."""
    return OfferingFactory(specialist=specialist, name="Follow-up session", duration_minutes=50, position=1)


@pytest.fixture
def other_offering(specialist):
    return OfferingFactory(specialist=specialist, name="Initial consultation", duration_minutes=50, position=0)


@pytest.fixture
def patient(org):
    return member(org, Membership.Role.PATIENT, full_name="Maya Lindqvist", timezone="America/New_York")


@pytest.fixture
def care(patient, specialist):
    return CareRelationshipFactory(patient=patient, specialist=specialist)


@pytest.fixture
def session(care, patient, offering):
    """A session the pair had a week ago."""
    return completed(patient, offering, days_ago(7))


def completed(patient, offering, starts_at):
    """A session that took place: booked (its history says so), then completed."""
    appointment = AppointmentFactory(patient=patient, offering=offering, completed=True, starts_at=starts_at)
    AppointmentEvent.objects.create(appointment=appointment, from_status="", to_status=S.CONFIRMED)
    AppointmentEvent.objects.create(appointment=appointment, from_status=S.CONFIRMED, to_status=S.COMPLETED)
    return appointment


def offered(patient, **kwargs):
    return follow_ups_for_patient(patient=patient, **kwargs)


# --- When a follow-up is offered ----------------------------------------------------------


def test_a_completed_session_offers_the_same_service_with_the_same_specialist(patient, specialist, offering, session):
    follow_up = offered(patient)[specialist.pk]
    assert follow_up.session == session
    assert (follow_up.offering, follow_up.specialist) == (offering, specialist)
    assert follow_up.book_url == reverse("booking:book", args=[offering.public_id])
    assert not follow_up.is_on_request


def test_the_most_recent_completed_session_is_the_one_followed(patient, specialist, offering, other_offering, session):
    latest = completed(patient, other_offering, days_ago(2))
    AppointmentFactory(patient=patient, offering=offering, cancelled=True, starts_at=days_ago(1))
    follow_up = offered(patient)[specialist.pk]
    assert (follow_up.session, follow_up.offering) == (latest, other_offering)


@pytest.mark.parametrize("status", ["cancelled", "no_show", "declined", "expired", "confirmed"])
def test_only_a_completed_session_is_followed_up(care, patient, offering, status):
    AppointmentFactory(patient=patient, offering=offering, starts_at=days_ago(3), **{status: True})
    assert offered(patient) == {}


def test_nothing_is_offered_once_care_ended(patient, specialist, care, session):
    care_relationship_end(relationship=care, by=specialist.user)
    assert offered(patient) == {}
    assert offered(patient, to_patient=False) == {}


def test_nothing_is_offered_without_a_care_relationship(patient, offering):
    completed(patient, offering, days_ago(7))
    assert offered(patient) == {}


def test_care_started_again_after_it_ended_offers_it_again(patient, specialist, care, session):
    care_relationship_end(relationship=care, by=specialist.user)
    CareRelationshipFactory(patient=patient, specialist=specialist)
    assert specialist.pk in offered(patient)


def test_nothing_is_offered_once_the_service_is_withdrawn(patient, offering, other_offering, session):
    """The same service or none: another one is not offered in its place."""
    offering.is_active = False
    offering.save()
    assert offered(patient) == {}


AHEAD = {
    "held": lambda: {"held": True},
    "requested": lambda: {},
    "proposed": lambda: {"proposed": True, "expires_at": days_ahead(1)},
    "awaiting payment": lambda: {"awaiting_payment": True, "expires_at": days_ahead(1)},
    "confirmed": lambda: {"confirmed": True},
    "in progress": lambda: {"in_progress": True, "starts_at": days_ago(0) - timedelta(minutes=10)},
}


@pytest.mark.parametrize("traits", AHEAD.values(), ids=AHEAD)
def test_nothing_is_offered_with_a_session_already_ahead(patient, offering, other_offering, session, traits):
    """Whatever its service."""
    AppointmentFactory(patient=patient, offering=other_offering, **{"starts_at": days_ahead(3), **traits()})
    assert offered(patient) == {}
    assert offered(patient, to_patient=False) == {}


NOT_AHEAD = {
    "a lapsed hold": lambda: {"held": True, "expires_at": days_ago(0) - timedelta(minutes=1)},
    "a lapsed proposal": lambda: {"proposed": True, "expires_at": days_ago(0) - timedelta(minutes=1)},
    "a lapsed payment": lambda: {"awaiting_payment": True, "expires_at": days_ago(0) - timedelta(minutes=1)},
    "a cancelled session": lambda: {"cancelled": True},
    "a declined request": lambda: {"declined": True},
}


@pytest.mark.parametrize("traits", NOT_AHEAD.values(), ids=NOT_AHEAD)
def test_a_session_that_will_not_happen_does_not_count_as_ahead(patient, specialist, offering, session, traits):
    AppointmentFactory(patient=patient, offering=offering, starts_at=days_ahead(3), **traits())
    assert specialist.pk in offered(patient)


def test_a_session_ahead_with_another_specialist_does_not_count(org, patient, specialist, session):
    other = specialist_in(org, "Ana Souza")
    CareRelationshipFactory(patient=patient, specialist=other)
    AppointmentFactory(patient=patient, offering=OfferingFactory(specialist=other), confirmed=True)
    assert list(offered(patient)) == [specialist.pk]


def test_the_patient_is_not_sent_to_a_specialist_they_can_no_longer_book(patient, specialist, session):
    """The proposal side still has it: a specialist may propose whatever
    the directory shows of them."""
    SpecialistProfile.objects.filter(pk=specialist.pk).update(status=SpecialistProfile.Status.CHANGES_REQUESTED)
    assert offered(patient) == {}
    assert specialist.pk in offered(patient, to_patient=False)


def test_an_on_request_service_leads_to_asking_for_a_time(care, patient, specialist):
    on_request = OfferingFactory(specialist=specialist, on_request=True)
    completed(patient, on_request, days_ago(7))
    follow_up = offered(patient)[specialist.pk]
    assert follow_up.is_on_request
    assert follow_up.book_url == reverse("booking:book", args=[on_request.public_id])


def test_an_appointment_page_offers_it_only_on_the_session_it_follows(patient, offering, session):
    older = completed(patient, offering, days_ago(14))
    assert follow_up_for_appointment(appointment=session).session == session
    assert follow_up_for_appointment(appointment=older) is None


def test_an_appointment_not_completed_costs_no_query(patient, offering, session, django_assert_num_queries):
    ahead = AppointmentFactory(patient=patient, offering=offering, cancelled=True)
    with django_assert_num_queries(0):
        assert follow_up_for_appointment(appointment=ahead) is None


def test_nothing_on_offer_costs_one_query(patient, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert offered(patient) == {}


def test_the_cost_is_the_same_however_many_specialists_and_sessions(org, patient, specialist, session):
    def cost():
        with CaptureQueriesContext(connection) as queries:
            found = offered(patient)
        return len(queries), len(found)

    one = cost()
    for number in range(3):
        other = specialist_in(org, f"Specialist {number}")
        CareRelationshipFactory(patient=patient, specialist=other)
        service = OfferingFactory(specialist=other)
        for days in (3, 10, 17):
            completed(patient, service, days_ago(days))
    assert cost() == (one[0], 4)


# --- The patient home ----------------------------------------------------------------------


def test_the_home_card_books_the_same_service_again(patient, offering, session):
    [step] = follow_up_steps(user=patient)
    assert step.title == "Book your next session with Lena Berg"
    assert step.body.startswith("Your last session, Follow-up session, was on ")
    assert step.body.endswith("Pick a time for the next one.")
    assert (step.url, step.cta, step.priority) == (
        reverse("booking:book", args=[offering.public_id]),
        "Book your next session",
        FOLLOW_UP_PRIORITY,
    )


def test_the_home_card_follows_the_most_recent_session_on_offer(org, patient, session):
    other = specialist_in(org, "Ana Souza")
    CareRelationshipFactory(patient=patient, specialist=other)
    completed(patient, OfferingFactory(specialist=other), days_ago(1))
    assert follow_up_latest_for_patient(patient=patient).specialist == other
    [step] = follow_up_steps(user=patient)
    assert step.title == "Book your next session with Ana Souza"


def test_the_home_card_is_the_first_thing_to_do_with_nothing_else_going_on(client, patient, offering, session):
    step = nextsteps.home_cards(Portal.PATIENT, user=patient)["primary_step"]
    assert step.title == "Book your next session with Lena Berg"
    client.force_login(patient)
    html = client.get(reverse("core:patient-home")).content.decode()
    assert reverse("booking:book", args=[offering.public_id]) in html


def test_the_home_names_the_specialist_once_the_card_names_them(patient, session):
    """Discovery's "Your specialist: …" card gives way to the follow-up
    card, and is back once the next session is booked."""
    titles = [step.title for step in nextsteps.next_steps(Portal.PATIENT, user=patient)]
    assert "Book your next session with Lena Berg" in titles
    assert "Your specialist: Lena Berg" not in titles
    AppointmentFactory(patient=patient, offering=session.offering, confirmed=True)
    titles = [step.title for step in nextsteps.next_steps(Portal.PATIENT, user=patient)]
    assert "Your specialist: Lena Berg" in titles


def test_no_home_card_once_the_next_session_is_booked(patient, offering, session):
    AppointmentFactory(patient=patient, offering=offering, confirmed=True)
    titles = [step.title for step in nextsteps.next_steps(Portal.PATIENT, user=patient)]
    assert not [title for title in titles if title.startswith("Book your next session")]


def test_an_on_request_service_asks_for_a_time_on_the_home(care, patient, specialist):
    on_request = OfferingFactory(specialist=specialist, on_request=True)
    completed(patient, on_request, days_ago(7))
    [step] = follow_up_steps(user=patient)
    assert step.body.endswith("Ask for a time for the next one.")


# --- The patient's appointment page and list -------------------------------------------------


def detail(appointment):
    return reverse("booking:patient-appointment", args=[appointment.public_id])


def test_the_session_page_offers_the_next_session(client, patient, offering, session):
    client.force_login(patient)
    response = client.get(detail(session))
    assert response.status_code == 200
    assert response.context["follow_up"].session == session
    html = response.content.decode()
    assert "Book your next session" in html
    assert f'href="{reverse("booking:book", args=[offering.public_id])}"' in html


def test_the_session_page_says_nothing_of_it_with_a_session_ahead(client, patient, offering, session):
    AppointmentFactory(patient=patient, offering=offering, confirmed=True)
    client.force_login(patient)
    response = client.get(detail(session))
    assert response.context["follow_up"] is None
    assert "Book your next session" not in response.content.decode()


def test_another_patient_still_gets_a_404_on_the_session_page(client, org, session):
    client.force_login(member(org, Membership.Role.PATIENT))
    assert client.get(detail(session)).status_code == 404


def test_a_signed_out_visitor_is_sent_to_sign_in(client, session):
    response = client.get(detail(session))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_the_list_offers_it_on_the_latest_session_of_each_specialist(client, org, patient, offering, session):
    older = completed(patient, offering, days_ago(14))
    client.force_login(patient)
    response = client.get(reverse("booking:patient-appointments"))
    past = {appointment.pk: appointment.follow_up for appointment in response.context["sections"].past}
    assert past[session.pk].session == session
    assert past[older.pk] is None
    assert response.content.decode().count("Book your next session") == 1


def test_the_list_costs_the_same_whatever_the_number_of_specialists(client, org, patient, session):
    client.force_login(patient)
    url = reverse("booking:patient-appointments")
    client.get(url)  # warm the session and the caches

    def cost():
        with CaptureQueriesContext(connection) as queries:
            html = client.get(url).content.decode()
        return len(queries), html.count("Book your next session")

    one = cost()
    for number in range(3):
        other = specialist_in(org, f"Specialist {number}")
        CareRelationshipFactory(patient=patient, specialist=other)
        service = OfferingFactory(specialist=other)
        for days in (3, 10):
            completed(patient, service, days_ago(days))
    assert one == (one[0], 1)
    assert cost() == (one[0], 4)


# --- The specialist: propose the next session ------------------------------------------------


def specialist_detail(appointment):
    return reverse("booking:specialist-appointment", args=[appointment.public_id])


def test_the_specialist_proposes_the_next_session_with_the_service_chosen(
    client, patient, specialist, offering, other_offering, session
):
    client.force_login(specialist.user)
    html = client.get(specialist_detail(session)).content.decode()
    assert "Propose next session" in html
    propose = reverse("booking:proposal-create") + f"?patient={patient.public_id}&amp;offering={offering.public_id}"
    assert f'href="{propose}"' in html

    response = client.get(propose.replace("&amp;", "&"))
    assert response.status_code == 200
    form = response.context["form"]
    assert form["offering"].value() == offering.public_id
    assert form["patient"].value() == str(patient.public_id)
    assert response.context["suggestion_offering"] == offering
    page = response.content.decode()
    assert f'<option value="{offering.public_id}" selected>' in page
    assert f'<option value="{patient.public_id}" selected>' in page


def test_the_specialist_page_keeps_propose_new_times_when_one_is_ahead(client, patient, specialist, offering, session):
    AppointmentFactory(patient=patient, offering=offering, confirmed=True)
    client.force_login(specialist.user)
    html = client.get(specialist_detail(session)).content.decode()
    assert "Propose next session" not in html
    assert "Propose new times" in html


def test_the_specialist_page_has_no_proposal_once_care_ended(client, specialist, care, session):
    care_relationship_end(relationship=care, by=specialist.user)
    client.force_login(specialist.user)
    assert "Propose next session" not in client.get(specialist_detail(session)).content.decode()


def test_another_specialist_gets_a_404_on_the_session_page(client, org, session):
    client.force_login(specialist_in(org, "Ana Souza").user)
    assert client.get(specialist_detail(session)).status_code == 404


@pytest.fixture
def foreign_offering(org):
    return OfferingFactory(specialist=specialist_in(org, "Ana Souza"))


BAD_OFFERINGS = {
    "not an id": lambda offering, foreign: "not-a-uuid",
    "unknown": lambda offering, foreign: str(uuid.uuid4()),
    "another specialist's": lambda offering, foreign: str(foreign.public_id),
    "withdrawn": lambda offering, foreign: str(
        OfferingFactory(specialist=offering.specialist, is_active=False).public_id
    ),
}


@pytest.mark.parametrize("bad", BAD_OFFERINGS.values(), ids=BAD_OFFERINGS)
def test_a_bad_offering_in_the_address_is_ignored(client, patient, specialist, offering, foreign_offering, bad):
    """The form opens on the first service, as without one: no error page."""
    client.force_login(specialist.user)
    response = client.get(
        reverse("booking:proposal-create"), {"patient": patient.public_id, "offering": bad(offering, foreign_offering)}
    )
    assert response.status_code == 200
    assert response.context["form"]["offering"].value() is None
    assert response.context["suggestion_offering"] == offering
    assert not response.context["form"].errors
