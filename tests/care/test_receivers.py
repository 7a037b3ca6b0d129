"""The first booked session with a specialist starts the pair's care
relationship, through the domain event, once the booking has committed."""

import pytest

from booking.services import appointment_transition
from booking.states import AppointmentStatus as S
from care.models import CareRelationship
from tests.booking.factories import AppointmentFactory, next_week_at

pytestmark = pytest.mark.django_db


def test_a_confirmed_first_booking_starts_care_after_commit(django_capture_on_commit_callbacks):
    held = AppointmentFactory(held=True)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_transition(appointment=held, to=S.CONFIRMED, by=held.patient)
        assert not CareRelationship.objects.exists()  # not before commit
    relationship = CareRelationship.objects.get()
    assert (relationship.patient, relationship.specialist, relationship.source) == (
        held.patient,
        held.specialist,
        CareRelationship.Source.BOOKING,
    )


def test_later_bookings_keep_the_one_relationship(django_capture_on_commit_callbacks):
    first = AppointmentFactory(held=True)
    second = AppointmentFactory(
        held=True, patient=first.patient, offering=first.offering, starts_at=next_week_at(14), ends_at=next_week_at(15)
    )
    with django_capture_on_commit_callbacks(execute=True):
        appointment_transition(appointment=first, to=S.CONFIRMED, by=first.patient)
        appointment_transition(appointment=second, to=S.CONFIRMED, by=first.patient)
    assert CareRelationship.objects.count() == 1


def test_a_hold_or_a_request_starts_nothing(django_capture_on_commit_callbacks):
    held = AppointmentFactory(held=True)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_transition(appointment=held, to=S.CANCELLED, by=held.patient, reason="Picked another time")
    assert not CareRelationship.objects.exists()
