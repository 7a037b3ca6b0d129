"""Free slots read from the models: rules, overrides, settings and the
appointments that hold the calendar."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from booking.selectors import free_slots_for_offering
from tests.booking.factories import (
    AppointmentFactory,
    AvailabilityOverrideFactory,
    AvailabilityRuleFactory,
    BookingSettingsFactory,
)
from tests.specialists.factories import OfferingFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)  # a Sunday
MONDAY = date(2026, 3, 2)


@pytest.fixture
def offering():
    offering = OfferingFactory(duration_minutes=50, specialist__user__timezone="Europe/Berlin")
    BookingSettingsFactory(
        specialist=offering.specialist, buffer_after_minutes=10, minimum_notice_minutes=60, slot_increment_minutes=60
    )
    AvailabilityRuleFactory(specialist=offering.specialist, weekday=0, start_time="09:00", end_time="12:00")
    return offering


def local_hours(slots):
    return [slot.astimezone(ZoneInfo("Europe/Berlin")).time() for slot in slots]


def test_weekly_rules_become_slots_in_the_specialists_zone(offering):
    slots = free_slots_for_offering(offering=offering, start_on=MONDAY, end_on=MONDAY, now=NOW)
    assert local_hours(slots) == [time(9), time(10), time(11)]
    assert all(slot.tzinfo is not None for slot in slots)


def test_slot_holding_appointments_and_their_buffers_take_slots_away(offering):
    AppointmentFactory(
        offering=offering,
        confirmed=True,
        starts_at=datetime(2026, 3, 2, 9, tzinfo=UTC),
        ends_at=datetime(2026, 3, 2, 9, 50, tzinfo=UTC),
    )  # 10:00-10:50 in Berlin
    AppointmentFactory(
        offering=offering,
        cancelled=True,
        starts_at=datetime(2026, 3, 2, 8, tzinfo=UTC),
        ends_at=datetime(2026, 3, 2, 8, 50, tzinfo=UTC),
    )  # cancelled: frees its time
    slots = free_slots_for_offering(offering=offering, start_on=MONDAY, end_on=MONDAY, now=NOW)
    assert local_hours(slots) == [time(9), time(11)]


def test_a_day_off_removes_the_day_and_blocked_hours_remove_only_those(offering):
    AvailabilityOverrideFactory(specialist=offering.specialist, date_on=MONDAY, start_time="10:00", end_time="11:00")
    assert local_hours(free_slots_for_offering(offering=offering, start_on=MONDAY, end_on=MONDAY, now=NOW)) == [
        time(9)  # blocked time is busy time: 11:00 falls in its 10-minute buffer
    ]
    AvailabilityOverrideFactory(specialist=offering.specialist, date_on=MONDAY)
    assert free_slots_for_offering(offering=offering, start_on=MONDAY, end_on=MONDAY, now=NOW) == []


def test_extra_hours_add_slots(offering):
    AvailabilityOverrideFactory(specialist=offering.specialist, date_on=date(2026, 3, 3), extra_hours=True)
    slots = free_slots_for_offering(offering=offering, start_on=date(2026, 3, 3), end_on=date(2026, 3, 3), now=NOW)
    assert local_hours(slots) == [time(18), time(19)]


def test_the_specialist_without_settings_gets_the_defaults(offering):
    offering.specialist.booking_settings.delete()
    slots = free_slots_for_offering(offering=offering, start_on=MONDAY, end_on=MONDAY, now=NOW)
    assert local_hours(slots) == [time(9), time(9, 30), time(10), time(10, 30), time(11)]


def test_reading_slots_costs_a_fixed_number_of_queries(offering, django_assert_max_num_queries):
    for hour in range(5):
        AppointmentFactory(
            offering=offering,
            confirmed=True,
            starts_at=datetime(2026, 3, 9 + hour, 9, tzinfo=UTC),
            ends_at=datetime(2026, 3, 9 + hour, 9, 50, tzinfo=UTC),
        )
    with django_assert_max_num_queries(5):
        free_slots_for_offering(offering=offering, start_on=MONDAY, end_on=date(2026, 3, 31), now=NOW)
