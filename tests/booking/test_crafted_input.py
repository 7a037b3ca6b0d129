"""Crafted dates, times and offsets on the booking pages answer a clear 4xx
(422 on a form, a notice on a filter), store nothing, and never a 500."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from booking.models import Appointment, AppointmentEvent, AvailabilityRequest, Proposal
from booking.services import availability_request_create
from care.models import CareRelationship
from care.services import care_relationship_start
from core.timeutils import INPUT_RANGE
from specialists.models import SpecialistProfile
from specialists.services import specialist_profile_get_or_create
from tests.booking.factories import AppointmentFactory, AvailabilityRuleFactory, BookingSettingsFactory
from tests.specialists.factories import OfferingFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)  # a Friday
OUT_OF_RANGE = "within 5 years"

# Times as a slot button would post them, but crafted: near the ends of the
# calendar an offset cannot even be moved to UTC.
CRAFTED_STARTS = [
    "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00+23:59",
    "9999-12-31T10:00:00+00:00",
    "2026-11-23T08:00:00+24:00",  # no such offset
    "2026-11-23T08:00:00+23:59:59.999999",
    "+2026-11-23T08:00:00+00:00",
]
# The calendar's ends, and the first day past the range anyone may pick.
CRAFTED_DATES = ["9999-12-31", "0001-01-01", (NOW + INPUT_RANGE + timedelta(days=1)).date().isoformat()]


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def specialist(personas):
    return personas["specialist"]


@pytest.fixture
def profile(specialist):
    profile = specialist_profile_get_or_create(user=specialist)
    profile.status, profile.accepting_new_patients = SpecialistProfile.Status.APPROVED, True
    profile.save()
    BookingSettingsFactory(specialist=profile, slot_increment_minutes=60, minimum_notice_minutes=60)
    for weekday in range(5):
        AvailabilityRuleFactory(specialist=profile, weekday=weekday, start_time="09:00", end_time="12:00")
    return profile


@pytest.fixture
def offering(profile):
    return OfferingFactory(specialist=profile, duration_minutes=50)


@pytest.fixture
def patient(personas, profile):
    person = personas["patient_a"]
    care_relationship_start(patient=person, specialist=profile, source=CareRelationship.Source.CHOSEN)
    return person


def counts():
    return (
        Appointment.objects.count(),
        AppointmentEvent.objects.count(),
        Proposal.objects.count(),
        AvailabilityRequest.objects.count(),
        list(Appointment.objects.values_list("starts_at", flat=True).order_by("pk")),
    )


def confirmed(patient, offering, days=7):
    return AppointmentFactory(patient=patient, offering=offering, starts_at=NOW + timedelta(days=days), confirmed=True)


# --- The patient's time buttons ----------------------------------------------------


@pytest.mark.parametrize("value", CRAFTED_STARTS)
@pytest.mark.parametrize("page", ["book", "request-time", "patient-reschedule"])
def test_a_crafted_start_is_422_and_stores_nothing(client, patient, offering, page, value):
    if page == "request-time":
        offering.booking_mode = offering.BookingMode.ON_REQUEST
        offering.save()
    target = confirmed(patient, offering) if page == "patient-reschedule" else offering
    before = counts()
    client.force_login(patient)
    response = client.post(reverse(f"booking:{page}", args=[target.public_id]), {"starts_at": value, "reason": "x"})
    assert response.status_code == 422
    assert "Please pick" in response.content.decode() or "could not read" in response.content.decode()
    assert counts() == before


def test_a_far_start_says_how_far_one_may_go(client, patient, offering):
    client.force_login(patient)
    response = client.post(
        reverse("booking:book", args=[offering.public_id]), {"starts_at": "9999-12-31T23:59:59-23:59"}
    )
    assert OUT_OF_RANGE in response.content.decode()


@pytest.mark.parametrize("day", CRAFTED_DATES)
def test_asking_for_other_times_on_a_far_date_is_422(client, patient, profile, day):
    before = counts()
    client.force_login(patient)
    response = client.post(
        reverse("booking:availability-request", args=[profile.slug]),
        {"date_1": day, "from_1": "23:00", "until_1": "23:59", "note": "Any time"},
    )
    assert response.status_code == 422
    assert OUT_OF_RANGE in response.content.decode()
    assert counts() == before


# --- The specialist's forms ----------------------------------------------------------


@pytest.mark.parametrize("day", CRAFTED_DATES)
@pytest.mark.parametrize("at", ["00:30", "10:00", "23:30"])
def test_a_specialist_cannot_move_a_session_to_a_far_date(client, specialist, patient, offering, day, at):
    appointment = confirmed(patient, offering)
    before = counts()
    client.force_login(specialist)
    response = client.post(
        reverse("booking:specialist-reschedule", args=[appointment.public_id]),
        {"date": day, "time": at, "reason": "Moving it"},
    )
    assert response.status_code == 422
    assert OUT_OF_RANGE in response.content.decode()
    assert counts() == before


@pytest.mark.parametrize("field", ["date_1", "answer_by_date"])
@pytest.mark.parametrize("day", CRAFTED_DATES)
def test_a_proposal_with_a_far_date_is_422(client, specialist, patient, offering, field, day):
    data = {"patient": patient.public_id, "offering": offering.public_id, "date_1": "2026-11-25", "time_1": "10:00"}
    data.update({field: day, "answer_by_time": "09:00"} if field == "answer_by_date" else {field: day})
    before = counts()
    client.force_login(specialist)
    response = client.post(reverse("booking:proposal-create"), data)
    assert response.status_code == 422
    assert OUT_OF_RANGE in response.content.decode()
    assert counts() == before


def test_a_request_with_a_far_window_stored_before_still_opens_for_the_specialist(client, specialist, patient, profile):
    request = availability_request_create(patient=patient, specialist=profile, offering=None, windows=[], note="Hi")
    AvailabilityRequest.objects.filter(pk=request.pk).update(
        windows=[{"date": "9999-12-31", "from": "23:00", "until": "23:59"}]
    )
    client.force_login(specialist)
    assert client.get(reverse("booking:specialist-request", args=[request.public_id])).status_code == 200


# --- The readiness board's filters ---------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"from": "9999-12-31"},
        {"to": "9999-12-31"},
        {"from": "9999-12-20", "to": "9999-12-31"},
        {"from": "0001-01-01", "to": "0001-01-02"},
        {"from": "0001-01-01"},
    ],
)
@pytest.mark.parametrize("page", ["booking:org-readiness", "booking:org-readiness-csv"])
def test_far_dates_on_the_readiness_board_are_ignored_with_a_notice(client, org, personas, query, page):
    client.force_login(personas["org_admin"])
    response = client.get(reverse(page, args=[org.slug]), query)
    assert response.status_code == 200
    if page == "booking:org-readiness":
        assert response.context["filters"].notices
        assert OUT_OF_RANGE in response.content.decode()
