"""Twenty people booking one time at once: exactly one wins (SECURITY.md,
"Concurrency and faults"). Guaranteed by PostgreSQL's exclusion constraint,
so these run on PostgreSQL, as CI does."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections

from booking.models import Appointment
from booking.services import SlotTaken, appointment_create, appointment_hold
from booking.states import AppointmentStatus
from tests.accounts.factories import UserFactory
from tests.booking.factories import AvailabilityRuleFactory, next_week_at
from tests.specialists.factories import OfferingFactory

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL (DATABASE_URL): SQLite serialises every writer, so there is no race to test",
    ),
    pytest.mark.django_db(transaction=True),
]

CLIENTS = 20


@pytest.fixture
def pool_for_every_client():
    """The connection pool (4 connections by default) would queue the clients
    four at a time; give each thread its own connection so all twenty race."""
    options = connection.settings_dict["OPTIONS"]
    saved = options.get("pool")
    if saved:
        connection.close_pool()
        options["pool"] = {"min_size": 1, "max_size": CLIENTS + 2, "timeout": 20}
    yield
    if saved:
        connection.close_pool()
        options["pool"] = saved


def race(offering, starts_ats, book=None) -> list[str]:
    """Book each start time from its own thread and connection, all released
    at the same moment; returns "won" or "taken" per thread."""
    book = book or (
        lambda patient, starts_at: appointment_create(
            patient=patient, offering=offering, starts_at=starts_at, status=AppointmentStatus.CONFIRMED, by=patient
        )
    )
    patients = [UserFactory() for _ in starts_ats]
    barrier = threading.Barrier(len(starts_ats), timeout=30)
    outcomes = []

    def client(patient, starts_at):
        try:
            connections["default"].ensure_connection()
            barrier.wait()
            book(patient, starts_at)
            outcomes.append("won")
        except SlotTaken:
            outcomes.append("taken")
        except Exception as error:  # reported by the assertion below
            outcomes.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=client, args=args) for args in zip(patients, starts_ats, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_twenty_simultaneous_bookings_of_one_slot_let_exactly_one_through(pool_for_every_client):
    offering = OfferingFactory(duration_minutes=50)
    outcomes = race(offering, [next_week_at(10)] * CLIENTS)
    assert sorted(outcomes) == ["taken"] * (CLIENTS - 1) + ["won"]
    assert Appointment.objects.filter(specialist=offering.specialist).count() == 1


def test_twenty_simultaneous_bookings_of_overlapping_slots_let_exactly_one_through(pool_for_every_client):
    """Start times 10 minutes apart, each 200 minutes long: every pair overlaps."""
    offering = OfferingFactory(duration_minutes=200)
    outcomes = race(offering, [next_week_at(8) + timedelta(minutes=10 * n) for n in range(CLIENTS)])
    assert sorted(outcomes) == ["taken"] * (CLIENTS - 1) + ["won"]
    assert Appointment.objects.filter(specialist=offering.specialist).count() == 1


def test_twenty_patients_holding_one_free_time_through_the_booking_service_let_exactly_one_through(
    pool_for_every_client,
):
    """The whole self-booking path: availability checked, then the hold."""
    offering = OfferingFactory(duration_minutes=50, specialist__user__timezone="UTC")
    start = next_week_at(10)
    AvailabilityRuleFactory(
        specialist=offering.specialist, weekday=start.weekday(), start_time="08:00", end_time="18:00"
    )
    outcomes = race(
        offering,
        [start] * CLIENTS,
        book=lambda patient, starts_at: appointment_hold(patient=patient, offering=offering, starts_at=starts_at),
    )
    assert sorted(outcomes) == ["taken"] * (CLIENTS - 1) + ["won"]
    assert Appointment.objects.get(specialist=offering.specialist).status == AppointmentStatus.HELD
