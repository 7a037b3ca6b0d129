"""Booking's cards on the patient home (booking/nextsteps.py)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from booking import services
from booking.nextsteps import (
    ASKED_PRIORITY,
    HOLD_PRIORITY,
    NEXT_SESSION_PRIORITY,
    PAYMENT_PRIORITY,
    PROPOSAL_PRIORITY,
    REQUESTED_PRIORITY,
    patient_steps,
)
from core import nextsteps
from core.portals import Portal
from organizations.models import Membership
from tests.booking.factories import AppointmentFactory
from tests.conftest import member
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)  # Friday
TUESDAY_9 = datetime(2026, 11, 24, 14, tzinfo=UTC)  # 09:00 in New York


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def patient(org):
    return member(org, Membership.Role.PATIENT, timezone="America/New_York")


@pytest.fixture
def offering(org):
    specialist = SpecialistProfileFactory(organization=org, display_name="Lena Berg", user__timezone="Europe/Berlin")
    return OfferingFactory(specialist=specialist, name="Initial consultation")


def propose(patient, offering, *, starts_at=TUESDAY_9, expires_at=NOW + timedelta(days=1)):
    return services.proposal_create(
        specialist=offering.specialist,
        patient=patient,
        offering=offering,
        starts_at=[starts_at],
        expires_at=expires_at,
        by=offering.specialist.user,
    )


def test_nothing_booked_means_no_booking_cards(patient):
    assert list(patient_steps(user=patient)) == []


def test_the_next_session_is_named_in_the_patients_zone(patient, offering):
    later = AppointmentFactory(
        patient=patient, offering=offering, confirmed=True, starts_at=TUESDAY_9 + timedelta(days=2)
    )
    soonest = AppointmentFactory(patient=patient, offering=offering, confirmed=True, starts_at=TUESDAY_9)
    AppointmentFactory(patient=patient, offering=offering, cancelled=True, starts_at=TUESDAY_9 - timedelta(days=1))
    assert later.starts_at > soonest.starts_at
    [step] = patient_steps(user=patient)
    assert step.title == "Your next session: Tue 24 Nov, 09:00 with Lena Berg"
    assert step.url == reverse("booking:patient-appointment", args=[soonest.public_id])
    assert step.priority == NEXT_SESSION_PRIORITY


def test_an_open_proposal_comes_first_on_the_home(patient, offering):
    AppointmentFactory(patient=patient, offering=offering, confirmed=True, starts_at=TUESDAY_9)
    proposal = propose(patient, offering, starts_at=TUESDAY_9 + timedelta(days=1))
    cards = nextsteps.home_cards(Portal.PATIENT, user=patient)
    step = cards["primary_step"]
    assert step.title == "Lena Berg proposed times for you"
    assert step.body == "Please choose one by Sat 21 Nov, 07:00; after that the times are released."
    assert step.url == reverse("booking:patient-proposal", args=[proposal.public_id])
    assert step.priority == PROPOSAL_PRIORITY


def test_an_expired_or_answered_proposal_has_no_card(patient, offering, frozen):
    answered = propose(patient, offering)
    services.proposal_decline(proposal=answered, by=patient)
    propose(patient, offering, starts_at=TUESDAY_9 + timedelta(days=1), expires_at=NOW + timedelta(hours=1))
    frozen.shift(timedelta(hours=2))
    assert list(patient_steps(user=patient)) == []


def test_a_payment_due_gets_its_own_card(patient, offering, payments_available):
    due = AppointmentFactory(
        patient=patient,
        offering=offering,
        awaiting_payment=True,
        starts_at=TUESDAY_9,
        expires_at=NOW + timedelta(hours=20),
    )
    [step] = patient_steps(user=patient)
    assert step.title == "Payment due for your session on Tue 24 Nov, 09:00"
    assert step.body == "Please pay by Sat 21 Nov, 03:00 to confirm it with Lena Berg."
    assert step.url == reverse("booking:patient-appointment", args=[due.public_id])
    assert step.priority == PAYMENT_PRIORITY


def test_a_lapsed_payment_or_a_past_session_has_no_card(patient, offering):
    AppointmentFactory(patient=patient, offering=offering, awaiting_payment=True, starts_at=TUESDAY_9, expires_at=NOW)
    AppointmentFactory(patient=patient, offering=offering, confirmed=True, starts_at=NOW - timedelta(days=1))
    assert list(patient_steps(user=patient)) == []


def test_without_payments_a_booking_awaiting_one_says_so_truthfully(patient, offering):
    due = AppointmentFactory(
        patient=patient,
        offering=offering,
        awaiting_payment=True,
        starts_at=TUESDAY_9,
        expires_at=NOW + timedelta(hours=20),
    )
    [step] = patient_steps(user=patient)
    assert step.title == "Your session on Tue 24 Nov, 09:00 is reserved, not confirmed yet"
    assert step.body == (
        "Online payment is not available yet. The time is reserved for you until Sat 21 Nov, 03:00, then released "
        "on its own. The details say what you can do."
    )
    assert "pay by" not in step.body
    assert step.url == reverse("booking:patient-appointment", args=[due.public_id])


def test_a_time_held_and_not_confirmed_comes_first_with_continue(patient, offering, frozen):
    AppointmentFactory(patient=patient, offering=offering, confirmed=True, starts_at=TUESDAY_9 + timedelta(days=1))
    propose(patient, offering, starts_at=TUESDAY_9 + timedelta(days=2))
    hold = AppointmentFactory(
        patient=patient, offering=offering, held=True, starts_at=TUESDAY_9, expires_at=NOW + timedelta(minutes=10)
    )
    step = nextsteps.home_cards(Portal.PATIENT, user=patient)["primary_step"]
    assert step.title == "Not booked yet: Tue 24 Nov, 09:00 with Lena Berg"
    assert step.body == "We are holding this time for you until 07:10. Confirm it before then, or it is released."
    assert (step.cta, step.priority) == ("Continue", HOLD_PRIORITY)
    assert step.url == reverse("booking:patient-appointment", args=[hold.public_id])
    frozen.shift(timedelta(minutes=11))  # the hold ran out: no card
    assert [s.title for s in patient_steps(user=patient) if s.priority == HOLD_PRIORITY] == []


def test_the_cards_cost_four_queries(patient, offering, django_assert_num_queries):
    AppointmentFactory(patient=patient, offering=offering, confirmed=True, starts_at=TUESDAY_9)
    propose(patient, offering, starts_at=TUESDAY_9 + timedelta(days=1))
    AppointmentFactory(
        patient=patient, offering=offering, held=True, starts_at=TUESDAY_9 + timedelta(days=2), expires_at=NOW
    )
    AppointmentFactory(patient=patient, offering=offering, starts_at=TUESDAY_9 + timedelta(days=3))  # requested
    services.availability_request_create(
        patient=patient, specialist=offering.specialist, offering=None, windows=[], note="Evenings"
    )
    with django_assert_num_queries(4):
        assert len(list(patient_steps(user=patient))) == 4


def test_the_patient_home_shows_the_next_session(client, patient, offering):
    AppointmentFactory(patient=patient, offering=offering, confirmed=True, starts_at=TUESDAY_9)
    client.force_login(patient)
    html = client.get(reverse("core:patient-home")).content.decode()
    assert "Your next session: Tue 24 Nov, 09:00 with Lena Berg" in html


# --- Waiting for the specialist: never sent back to find one -----------------------

FIND = ("Find your specialist", "Browse specialists")


def cards(patient):
    return nextsteps.home_cards(Portal.PATIENT, user=patient)


def titles(patient):
    home = cards(patient)
    return [step.title for step in [home["primary_step"], *home["other_steps"]] if step is not None]


def test_a_requested_time_waits_for_the_specialist_first_on_the_home(patient, offering):
    requested = AppointmentFactory(patient=patient, offering=offering, starts_at=TUESDAY_9)
    step = cards(patient)["primary_step"]
    assert step.title == "Waiting for Lena Berg to confirm Tue 24 Nov, 09:00"
    assert step.body == "You asked for this time. We let you know as soon as Lena Berg answers."
    assert step.url == reverse("booking:patient-appointment", args=[requested.public_id])
    assert step.priority == REQUESTED_PRIORITY
    assert not set(FIND) & set(titles(patient))


def test_an_ask_for_other_times_waits_for_the_specialist(patient, offering):
    services.availability_request_create(
        patient=patient, specialist=offering.specialist, offering=None, windows=[], note="Evenings"
    )
    step = cards(patient)["primary_step"]
    assert (step.title, step.priority) == ("Waiting for Lena Berg to suggest times", ASKED_PRIORITY)
    assert step.url == reverse("booking:patient-appointments") + "#requests-title"
    assert not set(FIND) & set(titles(patient))


UNDER_WAY = {
    "held": {"held": True, "expires_at": NOW + timedelta(minutes=10)},
    "reserved": {"awaiting_payment": True, "expires_at": NOW + timedelta(hours=20)},
    "booked": {"confirmed": True},
}


@pytest.mark.parametrize("traits", UNDER_WAY.values(), ids=UNDER_WAY)
def test_a_session_under_way_is_not_sent_back_to_find_a_specialist(patient, offering, traits):
    """Before a first session starts a care relationship, anything going on
    with a specialist keeps the "find a specialist" cards away."""
    AppointmentFactory(patient=patient, offering=offering, starts_at=TUESDAY_9, **traits)
    assert not set(FIND) & set(titles(patient))


def test_an_open_proposal_is_not_sent_back_to_find_a_specialist(patient, offering):
    propose(patient, offering)
    assert not set(FIND) & set(titles(patient))


def test_with_nothing_going_on_the_home_still_helps_find_a_specialist(patient, offering, frozen):
    AppointmentFactory(patient=patient, offering=offering, starts_at=NOW + timedelta(hours=2))  # requested, soon
    AppointmentFactory(patient=patient, offering=offering, starts_at=TUESDAY_9, declined=True)
    frozen.shift(timedelta(hours=3))  # the request's time went by unanswered
    assert set(FIND) <= set(titles(patient))
    assert not [title for title in titles(patient) if title.startswith("Waiting for")]


def test_the_patient_home_says_who_they_are_waiting_for(client, patient, offering):
    AppointmentFactory(patient=patient, offering=offering, starts_at=TUESDAY_9)
    client.force_login(patient)
    html = client.get(reverse("core:patient-home")).content.decode()
    assert "Waiting for Lena Berg to confirm Tue 24 Nov, 09:00" in html
    assert "Find your specialist" not in html and "Get my shortlist" not in html
