"""The database's own refusals: rows that are wrong whatever the code."""

from datetime import time, timedelta

import pytest
from django.db import DatabaseError, IntegrityError

from booking.models import AppointmentEvent, AvailabilityOverride, BookingSettings
from tests.booking.factories import (
    AppointmentFactory,
    AvailabilityOverrideFactory,
    AvailabilityRuleFactory,
    BookingSettingsFactory,
    next_week_at,
)

pytestmark = pytest.mark.django_db


def test_an_appointment_must_end_after_it_starts():
    with pytest.raises(IntegrityError):
        AppointmentFactory(starts_at=next_week_at(10), ends_at=next_week_at(10))


def test_an_appointment_status_must_be_one_of_the_lifecycle():
    with pytest.raises(IntegrityError):
        AppointmentFactory(status="lost")


def test_appointment_history_cannot_be_rewritten():
    appointment = AppointmentFactory()
    event = AppointmentEvent.objects.create(appointment=appointment, to_status="requested")
    with pytest.raises(TypeError, match="append-only"):
        AppointmentEvent.objects.filter(pk=event.pk).update(reason="edited")
    event.reason = "edited"
    with pytest.raises(DatabaseError):  # the trigger, past the queryset
        event.save()


def test_booking_settings_have_sane_defaults():
    settings = BookingSettingsFactory()
    assert (
        settings.buffer_before_minutes,
        settings.buffer_after_minutes,
        settings.minimum_notice_minutes,
        settings.horizon_days,
        settings.slot_increment_minutes,
    ) == (0, 10, 720, 60, 30)


@pytest.mark.parametrize(
    "values",
    [
        {"buffer_after_minutes": 241},
        {"buffer_before_minutes": 241},
        {"minimum_notice_minutes": 30 * 24 * 60 + 1},
        {"horizon_days": 0},
        {"horizon_days": 366},
        {"slot_increment_minutes": 4},
        {"slot_increment_minutes": 241},
    ],
    ids=lambda values: next(iter(values)),
)
def test_booking_settings_out_of_range_are_refused(values):
    with pytest.raises(IntegrityError):
        BookingSettingsFactory(**values)


def test_one_booking_settings_row_per_specialist():
    settings = BookingSettingsFactory()
    with pytest.raises(IntegrityError):
        BookingSettings.objects.create(specialist=settings.specialist)


@pytest.mark.parametrize(
    ("weekday", "start", "end"),
    [(7, time(9), time(17)), (0, time(17), time(9)), (0, time(9), time(9))],
    ids=["weekday-7", "ends-before-start", "empty"],
)
def test_an_availability_rule_must_be_a_real_range_on_a_real_weekday(weekday, start, end):
    with pytest.raises(IntegrityError):
        AvailabilityRuleFactory(weekday=weekday, start_time=start, end_time=end)


def test_a_day_off_may_be_whole_or_partial_but_extra_hours_say_which_hours():
    AvailabilityOverrideFactory()
    AvailabilityOverrideFactory(start_time=time(12), end_time=time(14))
    AvailabilityOverrideFactory(extra_hours=True)
    with pytest.raises(IntegrityError):
        AvailabilityOverrideFactory(kind=AvailabilityOverride.Kind.EXTRA_HOURS)


@pytest.mark.parametrize(("start", "end"), [(time(12), None), (time(14), time(12))], ids=["half-range", "backwards"])
def test_an_override_range_is_both_ends_in_order(start, end):
    with pytest.raises(IntegrityError):
        AvailabilityOverrideFactory(start_time=start, end_time=end)


def test_the_factory_makes_an_appointment_as_the_service_would():
    appointment = AppointmentFactory(confirmed=True)
    assert appointment.ends_at - appointment.starts_at == timedelta(minutes=appointment.offering.duration_minutes)
    assert appointment.specialist == appointment.offering.specialist
    assert appointment.price_minor == appointment.offering.price_minor
