"""The directory's stored "next available": computing it, keeping it right
when bookings and hours change, and the sweep that catches up with the clock."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking import tasks
from booking.models import BookingSettings, NextAvailability
from booking.selectors import free_slots_for_offering, slot_inputs_for_specialists
from booking.services import (
    appointment_hold,
    appointment_hold_confirm,
    appointment_hold_release,
    next_available_refresh,
    next_available_sweep,
)
from booking.services.next_available import MAX_AGE, MAX_AGE_SPREAD_MINUTES, SWEEP_MAX
from core import events
from daraport.celery import app
from specialists.models import Offering
from specialists.services import offering_archive
from tests.accounts.factories import UserFactory
from tests.booking.factories import (
    AppointmentFactory,
    AvailabilityOverrideFactory,
    AvailabilityRuleFactory,
    BookingSettingsFactory,
)
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)  # a Sunday, 13:00 in Berlin
SUNDAY, MONDAY = 6, 0


def berlin(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN).astimezone(UTC)


def bookable(*, notice=60, weekday=MONDAY, start="09:00", end="12:00", duration=50, **offering_fields):
    """A specialist (in Berlin unless told) with one direct 50-minute
    offering, hourly starts and one weekly range."""
    offering = OfferingFactory(
        duration_minutes=duration, **{"specialist__user__timezone": "Europe/Berlin", **offering_fields}
    )
    BookingSettingsFactory(
        specialist=offering.specialist,
        buffer_before_minutes=0,
        buffer_after_minutes=10,
        minimum_notice_minutes=notice,
        slot_increment_minutes=60,
    )
    AvailabilityRuleFactory(specialist=offering.specialist, weekday=weekday, start_time=start, end_time=end)
    return offering


def stored(specialist) -> NextAvailability:
    return NextAvailability.objects.get(specialist=specialist)


def cap(specialist, now=NOW) -> datetime:
    return now + MAX_AGE - timedelta(minutes=specialist.pk % MAX_AGE_SPREAD_MINUTES)


# --- Computing it ------------------------------------------------------------------


def test_the_earliest_free_start_of_the_shortest_direct_offering_is_stored():
    offering = bookable()
    OfferingFactory(specialist=offering.specialist, duration_minutes=80)
    [row] = next_available_refresh(specialist_ids=[offering.specialist.pk], now=NOW)
    assert row.starts_at == berlin(date(2026, 3, 2), 9)
    assert stored(offering.specialist).starts_at == berlin(date(2026, 3, 2), 9)
    assert stored(offering.specialist).computed_at == NOW


def test_a_shorter_offering_fits_where_a_longer_one_does_not():
    offering = bookable(start="09:00", end="09:40")  # too short for 50 minutes
    AvailabilityRuleFactory(specialist=offering.specialist, weekday=MONDAY, start_time="14:00", end_time="16:00")
    next_available_refresh(specialist_ids=[offering.specialist.pk], now=NOW)
    assert stored(offering.specialist).starts_at == berlin(date(2026, 3, 2), 14)
    OfferingFactory(specialist=offering.specialist, duration_minutes=30)
    next_available_refresh(specialist_ids=[offering.specialist.pk], now=NOW)
    assert stored(offering.specialist).starts_at == berlin(date(2026, 3, 2), 9)


def test_on_request_and_inactive_offerings_do_not_count():
    offering = bookable(booking_mode=Offering.BookingMode.ON_REQUEST)
    OfferingFactory(specialist=offering.specialist, is_active=False)
    next_available_refresh(specialist_ids=[offering.specialist.pk], now=NOW)
    assert stored(offering.specialist).starts_at is None


def test_appointments_holds_and_day_offs_take_their_times_away():
    offering = bookable()
    monday = date(2026, 3, 2)
    AppointmentFactory(offering=offering, confirmed=True, starts_at=berlin(monday, 9))
    AppointmentFactory(offering=offering, held=True, starts_at=berlin(monday, 10))
    AppointmentFactory(offering=offering, cancelled=True, starts_at=berlin(monday, 11))  # frees its time
    next_available_refresh(specialist_ids=[offering.specialist.pk], now=NOW)
    assert stored(offering.specialist).starts_at == berlin(monday, 11)
    AvailabilityOverrideFactory(specialist=offering.specialist, date_on=monday)
    next_available_refresh(specialist_ids=[offering.specialist.pk], now=NOW)
    assert stored(offering.specialist).starts_at == berlin(date(2026, 3, 9), 9)


def test_a_first_time_beyond_the_first_week_is_still_found():
    offering = bookable()
    offering.specialist.availability_rules.all().delete()
    far = date(2026, 3, 20)
    AvailabilityOverrideFactory(specialist=offering.specialist, date_on=far, extra_hours=True)  # 18:00-20:00
    next_available_refresh(specialist_ids=[offering.specialist.pk], now=NOW)
    assert stored(offering.specialist).starts_at == berlin(far, 18)


def test_nothing_within_the_horizon_is_stored_as_none_and_rechecked_within_the_hour():
    offering = bookable()
    # Only until Monday 13:00 in Berlin: Monday morning, which is off.
    BookingSettings.objects.filter(specialist=offering.specialist).update(horizon_days=1)
    AvailabilityOverrideFactory(specialist=offering.specialist, date_on=date(2026, 3, 2))
    [row] = next_available_refresh(specialist_ids=[offering.specialist.pk], now=NOW)
    assert row.starts_at is None
    assert NOW + timedelta(minutes=30) < row.valid_until == cap(offering.specialist) <= NOW + MAX_AGE


def test_a_specialist_without_offerings_or_hours_has_none():
    no_offering = SpecialistProfileFactory()
    AvailabilityRuleFactory(specialist=no_offering)
    no_hours = OfferingFactory().specialist
    next_available_refresh(specialist_ids=[no_offering.pk, no_hours.pk, 999_999], now=NOW)
    assert stored(no_offering).starts_at is None
    assert stored(no_hours).starts_at is None
    assert NextAvailability.objects.count() == 2  # unknown ids are skipped


def test_valid_until_is_when_minimum_notice_overtakes_the_start():
    offering = bookable(notice=60, weekday=SUNDAY, start="14:30", end="18:30")  # from 13:30 UTC
    [row] = next_available_refresh(specialist_ids=[offering.specialist.pk], now=NOW)
    assert row.starts_at == datetime(2026, 3, 1, 13, 30, tzinfo=UTC)
    assert row.valid_until == datetime(2026, 3, 1, 12, 30, tzinfo=UTC)


def test_once_notice_passes_the_sweep_moves_it_to_the_next_start():
    offering = bookable(notice=60, weekday=SUNDAY, start="14:30", end="18:30")
    next_available_refresh(specialist_ids=[offering.specialist.pk], now=NOW)
    assert next_available_sweep(now=NOW + timedelta(minutes=29)) == 0
    later = NOW + timedelta(minutes=31)
    assert next_available_sweep(now=later) == 1
    row = stored(offering.specialist)
    assert row.starts_at == datetime(2026, 3, 1, 14, 30, tzinfo=UTC)
    assert row.valid_until == min(datetime(2026, 3, 1, 13, 30, tzinfo=UTC), cap(offering.specialist, later))
    assert row.computed_at == later


def test_a_far_start_is_still_rechecked_within_the_hour():
    offering = bookable()
    [row] = next_available_refresh(specialist_ids=[offering.specialist.pk], now=NOW)
    assert row.valid_until == cap(offering.specialist)


def test_refreshing_again_updates_the_one_row():
    offering = bookable()
    next_available_refresh(specialist_ids=[offering.specialist.pk], now=NOW)
    next_available_refresh(specialist_ids=[offering.specialist.pk], now=NOW + timedelta(days=1))
    assert NextAvailability.objects.count() == 1
    assert stored(offering.specialist).starts_at == berlin(date(2026, 3, 9), 9)


def test_the_batch_loader_gives_the_same_slots_as_the_one_specialist_selector():
    """`slot_inputs_for_specialists` reads the models as `free_slots_for_offering` does."""
    plain = bookable()
    busy = bookable(notice=0, weekday=SUNDAY, start="14:00", end="20:00", specialist__user__timezone="Asia/Tokyo")
    BookingSettings.objects.filter(specialist=busy.specialist).update(
        buffer_before_minutes=15, slot_increment_minutes=15, horizon_days=20
    )
    AvailabilityRuleFactory(specialist=busy.specialist, weekday=MONDAY, start_time="08:00", end_time="12:00")
    AppointmentFactory(offering=busy, confirmed=True, starts_at=NOW + timedelta(days=1, hours=-1))
    AppointmentFactory(offering=busy, starts_at=NOW + timedelta(days=8))  # requested: holds nothing
    AvailabilityOverrideFactory(
        specialist=busy.specialist, date_on=date(2026, 3, 8), start_time="15:00", end_time="17:00"
    )
    AvailabilityOverrideFactory(specialist=busy.specialist, date_on=date(2026, 3, 9))
    AvailabilityOverrideFactory(specialist=busy.specialist, date_on=date(2026, 3, 12), extra_hours=True)
    no_settings = OfferingFactory(duration_minutes=30)
    AvailabilityRuleFactory(specialist=no_settings.specialist, weekday=MONDAY)
    start_on, end_on = date(2026, 3, 1), date(2026, 3, 21)
    inputs = slot_inputs_for_specialists(
        specialist_ids=[o.specialist.pk for o in (plain, busy, no_settings)],
        start_on=start_on - timedelta(days=1),
        end_on=end_on + timedelta(days=1),
    )
    for offering in (plain, busy, no_settings):
        expected = free_slots_for_offering(offering=offering, start_on=start_on, end_on=end_on, now=NOW)
        assert expected
        batch = inputs[offering.specialist.pk].free_slots(
            duration_minutes=offering.duration_minutes, start_on=start_on, end_on=end_on, now=NOW
        )
        assert batch == expected


# --- Keeping it right: receivers ---------------------------------------------------


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_a_hold_on_the_next_time_moves_it_and_releasing_brings_it_back(frozen, django_capture_on_commit_callbacks):
    offering = bookable()
    next_available_refresh(specialist_ids=[offering.specialist.pk])
    first = stored(offering.specialist).starts_at
    patient = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        hold = appointment_hold(patient=patient, offering=offering, starts_at=first)
    assert stored(offering.specialist).starts_at == first + timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_hold_release(appointment=hold, by=patient)
    assert stored(offering.specialist).starts_at == first


def test_confirming_a_hold_does_not_recompute(frozen, django_capture_on_commit_callbacks):
    offering = bookable()
    patient = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        hold = appointment_hold(patient=patient, offering=offering, starts_at=berlin(date(2026, 3, 2), 9))
    row = stored(offering.specialist)
    NextAvailability.objects.filter(pk=row.pk).update(computed_at=NOW - timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        appointment_hold_confirm(appointment=hold, by=patient)
    assert callbacks  # the event was sent
    assert stored(offering.specialist).computed_at == NOW - timedelta(days=1)


def test_a_change_of_hours_recomputes(frozen):
    offering = bookable()
    next_available_refresh(specialist_ids=[offering.specialist.pk])
    AvailabilityRuleFactory(specialist=offering.specialist, weekday=SUNDAY, start_time="16:00", end_time="18:00")
    events.availability_changed.send(sender=None, specialist_id=offering.specialist.pk)
    assert stored(offering.specialist).starts_at == berlin(date(2026, 3, 1), 16)


def test_archiving_the_only_direct_offering_clears_it(frozen, django_capture_on_commit_callbacks):
    offering = bookable()
    next_available_refresh(specialist_ids=[offering.specialist.pk])
    with django_capture_on_commit_callbacks(execute=True):
        offering_archive(offering=offering, by=offering.specialist.user)
    assert stored(offering.specialist).starts_at is None


def test_an_approved_profile_gets_its_row_at_once(frozen):
    offering = bookable()
    events.specialist_profile_approved.send(sender=None, profile_id=offering.specialist.pk)
    assert stored(offering.specialist).starts_at == berlin(date(2026, 3, 2), 9)


# --- The sweep ---------------------------------------------------------------------


def test_the_sweep_fills_in_approved_profiles_and_redoes_only_what_is_due():
    fresh, due, missing = bookable(), bookable(), bookable()
    draft = bookable(specialist__status="draft")
    next_available_refresh(specialist_ids=[fresh.specialist.pk, due.specialist.pk], now=NOW)
    NextAvailability.objects.filter(specialist=due.specialist).update(valid_until=NOW)
    later = NOW + timedelta(minutes=1)
    assert next_available_sweep(now=later) == 2
    assert stored(fresh.specialist).computed_at == NOW
    assert stored(due.specialist).computed_at == later
    assert stored(missing.specialist).starts_at == berlin(date(2026, 3, 2), 9)
    assert not NextAvailability.objects.filter(specialist=draft.specialist).exists()
    assert next_available_sweep(now=later) == 0


def test_the_sweep_stops_at_its_limit(monkeypatch):
    profiles = [bookable().specialist for _ in range(3)]
    monkeypatch.setattr("booking.services.next_available.SWEEP_MAX", 2)
    assert SWEEP_MAX > 2
    assert next_available_sweep(now=NOW) == 2
    assert next_available_sweep(now=NOW) == 1
    assert NextAvailability.objects.filter(specialist__in=profiles).count() == 3


def test_the_beat_runs_the_sweep_every_five_minutes(frozen):
    entry = app.conf.beat_schedule["refresh-next-available"]
    assert entry["task"] == tasks.refresh_next_available.name == "booking.refresh_next_available"
    assert entry["schedule"] == 5 * 60
    offering = bookable()
    assert tasks.refresh_next_available.delay().get() == 1
    assert stored(offering.specialist).starts_at is not None


# --- Cost ---------------------------------------------------------------------------


def queries_to_refresh(ids) -> int:
    with CaptureQueriesContext(connection) as queries:
        next_available_refresh(specialist_ids=ids, now=NOW)
    return len(queries)


def test_one_or_twenty_specialists_cost_the_same_queries():
    one = [bookable().specialist.pk]
    twenty = []
    for n in range(20):
        offering = bookable(weekday=n % 5)
        AppointmentFactory(offering=offering, confirmed=True, starts_at=berlin(date(2026, 3, 2 + n % 5), 9))
        AvailabilityOverrideFactory(specialist=offering.specialist, date_on=date(2026, 3, 3 + n % 5))
        twenty.append(offering.specialist.pk)
    # offerings, the slot inputs (profiles with their settings, rules,
    # overrides, appointments) and one upsert
    assert queries_to_refresh(one) == queries_to_refresh(twenty) == 6
    assert NextAvailability.objects.filter(starts_at__isnull=False).count() == 21


def test_looking_past_the_first_week_costs_four_more_whoever_needs_it():
    one, twenty = [], []
    for n in range(21):
        offering = bookable()
        offering.specialist.availability_rules.all().delete()
        AvailabilityOverrideFactory(specialist=offering.specialist, date_on=date(2026, 3, 20 + n % 3), extra_hours=True)
        (one if n == 0 else twenty).append(offering.specialist.pk)
    assert queries_to_refresh(one) == queries_to_refresh(twenty) == 10
    assert NextAvailability.objects.filter(starts_at__isnull=False).count() == 21
