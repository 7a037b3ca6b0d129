"""Booking's cards on the specialist home (booking/specialist_nextsteps.py):
requests waiting for an answer first, then the next session today.

The clock stands still on Monday 16 March 2026, 09:00 in Berlin.
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from booking import specialist_nextsteps
from booking.services import availability_request_create
from core import nextsteps
from core.portals import Portal
from specialists.models import SpecialistProfile
from specialists.services import specialist_profile_get_or_create
from tests.accounts.factories import UserFactory
from tests.booking.factories import AppointmentFactory
from tests.specialists.factories import OfferingFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 16, 8, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


def berlin(day, hour, minute=0):
    return datetime(2026, 3, day, hour, minute, tzinfo=BERLIN)


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def specialist(personas):
    return personas["specialist"]


@pytest.fixture
def profile(specialist):
    return specialist_profile_get_or_create(user=specialist)


@pytest.fixture
def offering(profile):
    return OfferingFactory(specialist=profile, name="Initial consultation")


def steps(user):
    return list(specialist_nextsteps.specialist_steps(user=user))


def test_requests_waiting_for_an_answer_come_first_counted_as_listed(specialist, profile, offering):
    """Two requested times from one patient are two answers to give, as in
    the home's "Waiting for your answer" list."""
    maya, jonas = UserFactory(), UserFactory()
    AppointmentFactory(patient=maya, offering=offering, starts_at=berlin(18, 10))  # a requested time
    AppointmentFactory(patient=maya, offering=offering, starts_at=berlin(19, 10))
    availability_request_create(patient=jonas, specialist=profile, offering=None, windows=[], note="Any evening")
    AppointmentFactory(patient=UserFactory(), offering=offering, starts_at=berlin(13, 10))  # its time has passed

    [card] = steps(specialist)
    assert (card.title, card.priority) == ("3 requests are waiting for your answer", 10)
    assert card.url == reverse("booking:specialist-appointments")


def test_one_waiting_request_is_singular(specialist, profile):
    patient = UserFactory()
    availability_request_create(patient=patient, specialist=profile, offering=None, windows=[], note="Mornings")
    assert [step.title for step in steps(specialist)] == ["1 request is waiting for your answer"]


def test_answered_requests_and_other_specialists_requests_do_not_count(specialist, profile, offering):
    AppointmentFactory(offering=offering, starts_at=berlin(18, 10), declined=True)
    AppointmentFactory(starts_at=berlin(18, 10))  # someone else's specialist
    request = availability_request_create(
        patient=UserFactory(), specialist=profile, offering=None, windows=[], note="Any"
    )
    request.status = request.Status.CLOSED
    request.save()
    assert steps(specialist) == []


def test_the_next_session_today_is_named_in_the_specialists_zone(specialist, offering):
    patient = UserFactory(full_name="Maya Lindqvist")
    later = AppointmentFactory(patient=patient, offering=offering, starts_at=berlin(16, 15), confirmed=True)
    AppointmentFactory(patient=patient, offering=offering, starts_at=berlin(16, 18), confirmed=True)
    AppointmentFactory(patient=patient, offering=offering, starts_at=berlin(16, 11), cancelled=True)
    AppointmentFactory(patient=patient, offering=offering, starts_at=berlin(17, 9), confirmed=True)  # tomorrow

    [card] = steps(specialist)
    assert card.title == "Next session today at 15:00"
    assert card.body == "Maya Lindqvist · Initial consultation"
    assert card.url == reverse("booking:specialist-appointment", args=[later.public_id])


def test_a_session_late_tonight_counts_as_today_and_one_after_midnight_does_not(specialist, offering):
    AppointmentFactory(offering=offering, starts_at=datetime(2026, 3, 17, 0, 10, tzinfo=BERLIN), confirmed=True)
    assert steps(specialist) == []
    AppointmentFactory(offering=offering, starts_at=berlin(16, 23), confirmed=True)
    assert [step.title for step in steps(specialist)] == ["Next session today at 23:00"]


def test_a_specialist_without_a_profile_gets_no_booking_cards(specialist):
    assert steps(specialist) == []
    assert not SpecialistProfile.objects.exists()


def test_the_specialist_home_shows_the_waiting_card_first(client, specialist, profile, monkeypatch):
    providers = [*nextsteps._providers[Portal.SPECIALIST]]
    monkeypatch.setitem(nextsteps._providers, Portal.SPECIALIST, providers)
    specialist_nextsteps.register()
    availability_request_create(patient=UserFactory(), specialist=profile, offering=None, windows=[], note="Any")
    client.force_login(specialist)
    response = client.get(reverse("core:specialist-home"))
    assert response.context["primary_step"].title == "1 request is waiting for your answer"
    assert "1 request is waiting for your answer" in response.content.decode()
