from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection

from booking.models import Appointment, AppointmentEvent
from booking.services import SlotTaken, appointment_create, appointment_transition
from booking.states import SLOT_HOLDING, AppointmentStatus
from core import events
from core.models import JourneyEvent
from tests.accounts.factories import UserFactory
from tests.booking.factories import AppointmentFactory, next_week_at
from tests.specialists.factories import OfferingFactory

pytestmark = pytest.mark.django_db

S = AppointmentStatus
NOT_HOLDING = sorted(set(S) - SLOT_HOLDING)
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the exclusion constraint exists on PostgreSQL only"
)


@pytest.fixture
def offering():
    """50 minutes, 90.00 EUR, with a specialist in Berlin."""
    return OfferingFactory(duration_minutes=50, price_minor=9000, currency="EUR")


@pytest.fixture
def patient():
    return UserFactory(timezone="America/New_York")


def book(offering, starts_at, *, status=S.CONFIRMED, patient=None):
    patient = patient or UserFactory()
    return appointment_create(patient=patient, offering=offering, starts_at=starts_at, status=status, by=patient)


def test_booking_snapshots_the_price_and_both_time_zones(offering, patient):
    starts_at = next_week_at(10)
    appointment = book(offering, starts_at, patient=patient)

    offering.price_minor = 12000
    offering.currency = "GBP"
    offering.save()
    patient.timezone = "Asia/Tokyo"
    patient.save()
    appointment.refresh_from_db()
    assert (appointment.price_minor, appointment.currency) == (9000, "EUR")
    assert (appointment.patient_timezone, appointment.specialist_timezone) == ("America/New_York", "Europe/Berlin")
    assert (appointment.starts_at, appointment.ends_at) == (starts_at, starts_at + timedelta(minutes=50))
    assert appointment.specialist == offering.specialist
    assert appointment.sequence == 0


def test_booking_records_its_first_status_and_announces_it_after_commit(
    offering, patient, django_capture_on_commit_callbacks
):
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs["appointment_id"])

    events.appointment_confirmed.connect(receiver, weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            appointment = book(offering, next_week_at(10), patient=patient)
            assert received == []
    finally:
        events.appointment_confirmed.disconnect(receiver)
    assert received == [appointment.pk]
    event = AppointmentEvent.objects.get(appointment=appointment)
    assert (event.from_status, event.to_status, event.actor) == ("", S.CONFIRMED, patient)
    assert JourneyEvent.objects.get(object_public_id=appointment.public_id).verb == "appointment.confirmed"


@pytest.mark.parametrize("status", [S.IN_PROGRESS, S.COMPLETED, S.CANCELLED, S.NO_SHOW])
def test_an_appointment_cannot_be_created_past_its_beginning(offering, status):
    with pytest.raises(ValidationError):
        book(offering, next_week_at(10), status=status)
    assert not Appointment.objects.exists()


def test_an_archived_offering_cannot_be_booked():
    with pytest.raises(ValidationError):
        book(OfferingFactory(archived=True), next_week_at(10))


def test_a_specialist_cannot_book_themselves(offering):
    with pytest.raises(ValidationError):
        book(offering, next_week_at(10), patient=offering.specialist.user)


def test_a_naive_start_time_is_a_bug(offering):
    with pytest.raises(ValueError, match="aware"):
        book(offering, next_week_at(10).replace(tzinfo=None))


@pytest.mark.parametrize(
    ("shift_minutes", "duration_minutes"),
    [
        pytest.param(0, 50, id="same-time"),
        pytest.param(-30, 50, id="ends-inside"),
        pytest.param(30, 50, id="starts-inside"),
        pytest.param(-10, 80, id="encloses"),
        pytest.param(10, 20, id="inside"),
        pytest.param(49, 50, id="one-minute-overlap"),
    ],
)
def test_an_overlapping_booking_is_refused_with_slot_taken(offering, shift_minutes, duration_minutes):
    held = book(offering, next_week_at(10))
    other = OfferingFactory(specialist=offering.specialist, duration_minutes=duration_minutes)
    with pytest.raises(SlotTaken) as taken:
        book(other, held.starts_at + timedelta(minutes=shift_minutes))
    assert taken.value.messages == ["This time was just taken — here are the nearest free times"]
    assert list(Appointment.objects.all()) == [held]
    assert AppointmentEvent.objects.count() == 1


@pytest.mark.parametrize("shift_minutes", [-50, 50], ids=["just-before", "just-after"])
def test_back_to_back_bookings_are_allowed(offering, shift_minutes):
    held = book(offering, next_week_at(10))
    book(offering, held.starts_at + timedelta(minutes=shift_minutes))
    assert Appointment.objects.count() == 2


def test_another_specialist_at_the_same_time_is_free(offering):
    book(offering, next_week_at(10))
    book(OfferingFactory(), next_week_at(10))
    assert Appointment.objects.count() == 2


@pytest.mark.parametrize("status", sorted(SLOT_HOLDING))
def test_each_slot_holding_status_holds_the_slot(offering, status):
    AppointmentFactory(offering=offering, starts_at=next_week_at(10), status=status)
    with pytest.raises(SlotTaken):
        book(offering, next_week_at(10, 20))


@pytest.mark.parametrize("status", NOT_HOLDING)
def test_requested_and_ended_appointments_leave_the_slot_free(offering, status):
    AppointmentFactory(offering=offering, starts_at=next_week_at(10), status=status)
    book(offering, next_week_at(10))
    assert Appointment.objects.filter(status=S.CONFIRMED).count() == 1


@pytest.mark.parametrize("status", [S.CANCELLED, S.DECLINED, S.EXPIRED])
def test_a_slot_is_free_again_once_its_appointment_ends_early(offering, status):
    held = book(offering, next_week_at(10), status=S.PROPOSED)
    appointment_transition(appointment=held, to=status, by=held.patient)
    book(offering, next_week_at(10))


def test_a_request_does_not_hold_the_slot_so_several_patients_may_ask_for_it(offering):
    book(offering, next_week_at(10), status=S.REQUESTED)
    book(offering, next_week_at(10), status=S.REQUESTED)
    book(offering, next_week_at(10), status=S.PROPOSED)
    with pytest.raises(SlotTaken):
        book(offering, next_week_at(10), status=S.AWAITING_PAYMENT)
    assert Appointment.objects.count() == 3


def test_accepting_a_request_for_a_time_taken_meanwhile_is_refused_and_changes_nothing(offering):
    request = book(offering, next_week_at(10), status=S.REQUESTED)
    book(offering, next_week_at(10, 30))
    with pytest.raises(SlotTaken):
        appointment_transition(appointment=request, to=S.CONFIRMED, by=offering.specialist.user)
    request.refresh_from_db()
    assert (request.status, request.sequence) == (S.REQUESTED, 0)
    assert AppointmentEvent.objects.filter(appointment=request).count() == 1


def test_moving_between_holding_statuses_does_not_collide_with_itself(offering):
    appointment = book(offering, next_week_at(10), status=S.AWAITING_PAYMENT)
    appointment = appointment_transition(appointment=appointment, to=S.CONFIRMED, by=None)
    appointment = appointment_transition(appointment=appointment, to=S.IN_PROGRESS, by=None)
    assert appointment.status == S.IN_PROGRESS


def test_cancelling_records_who_why_when_and_whether_it_was_late(offering):
    appointment = book(offering, next_week_at(10))
    cancelled = appointment_transition(
        appointment=appointment,
        to=S.CANCELLED,
        by=appointment.patient,
        reason="Travelling.",
        is_late_cancellation=True,
    )
    cancelled.refresh_from_db()
    assert cancelled.cancelled_by == appointment.patient
    assert cancelled.cancellation_reason == "Travelling."
    assert cancelled.is_late_cancellation is True
    assert cancelled.cancelled_at is not None


def test_the_calendar_sequence_rises_with_every_change(offering):
    appointment = book(offering, next_week_at(10), status=S.PROPOSED)
    for status in [S.CONFIRMED, S.IN_PROGRESS, S.COMPLETED]:
        appointment = appointment_transition(appointment=appointment, to=status, by=None)
    appointment.refresh_from_db()
    assert appointment.sequence == 3
    assert [e.to_status for e in appointment.events.all()] == ["proposed", "confirmed", "in_progress", "completed"]


def test_an_over_long_reason_is_refused(offering):
    appointment = book(offering, next_week_at(10))
    with pytest.raises(ValidationError):
        appointment_transition(appointment=appointment, to=S.CANCELLED, by=None, reason="x" * 501)


@postgres_only
def test_the_database_itself_refuses_an_overlap_whatever_the_code(offering):
    """Bypassing the service: the exclusion constraint still says no."""
    held = AppointmentFactory(offering=offering, starts_at=next_week_at(10), confirmed=True)
    AppointmentFactory(offering=offering, starts_at=held.ends_at, confirmed=True)  # back to back
    AppointmentFactory(offering=offering, starts_at=held.starts_at, cancelled=True)
    with pytest.raises(IntegrityError, match="booking_appointment_no_overlap"):
        AppointmentFactory(offering=offering, starts_at=held.starts_at + timedelta(minutes=1), proposed=True)
