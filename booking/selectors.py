"""Reads of the booking engine: free slots from the models."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, timedelta

from django.utils import timezone

from specialists.models import Offering

from . import slots
from .models import AvailabilityOverride, BookingPolicy, BookingSettings
from .states import SLOT_HOLDING


def _settings_for(specialist) -> slots.SlotSettings:
    stored = booking_settings_for(specialist)
    return slots.SlotSettings(
        buffer_before_minutes=stored.buffer_before_minutes,
        buffer_after_minutes=stored.buffer_after_minutes,
        minimum_notice_minutes=stored.minimum_notice_minutes,
        horizon_days=stored.horizon_days,
        slot_increment_minutes=stored.slot_increment_minutes,
    )


def free_slots_for_offering(
    *, offering: Offering, start_on: date, end_on: date, now: datetime | None = None, ignoring=None, appointments=True
):
    """Free start times (aware UTC) for `offering` between two local dates of
    the specialist, minus slot-holding appointments and blocked time.

    A day off without hours removes the day; a day off with hours blocks
    only those hours (fed to the engine as busy time); extra hours add a
    range. Four queries whatever the range. `ignoring` is an appointment
    whose own time counts as free (the one being rescheduled);
    `appointments=False` ignores them all (the working hours alone).
    """
    specialist = offering.specialist
    zone = zoneinfo.ZoneInfo(specialist.user.timezone)
    rules = [
        slots.WeeklyRule(rule.weekday, rule.start_time, rule.end_time) for rule in specialist.availability_rules.all()
    ]
    overrides, busy = [], []
    for override in specialist.availability_overrides.filter(date_on__range=(start_on, end_on)):
        if override.kind == AvailabilityOverride.Kind.EXTRA_HOURS:
            overrides.append(
                slots.DateOverride(override.date_on, (slots.TimeRange(override.start_time, override.end_time),))
            )
        elif override.start_time is None:
            overrides.append(slots.DateOverride(override.date_on, day_off=True))
        else:
            local = [
                datetime.combine(override.date_on, moment, tzinfo=zone)
                for moment in (override.start_time, override.end_time)
            ]
            busy.append(slots.BusyInterval(local[0].astimezone(UTC), local[1].astimezone(UTC)))
    window_start = datetime.combine(start_on - timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    window_end = datetime.combine(end_on + timedelta(days=2), datetime.min.time(), tzinfo=UTC)
    holding = specialist.appointments.filter(
        status__in=SLOT_HOLDING, starts_at__lt=window_end, ends_at__gt=window_start
    )
    if ignoring is not None:
        holding = holding.exclude(pk=ignoring.pk)
    if not appointments:
        holding = holding.none()
    busy += [slots.BusyInterval(start, end) for start, end in holding.values_list("starts_at", "ends_at")]
    return slots.free_slots(
        zone=zone,
        rules=rules,
        duration_minutes=offering.duration_minutes,
        now=now or timezone.now(),
        start_on=start_on,
        end_on=end_on,
        overrides=overrides,
        busy=busy,
        settings=_settings_for(specialist),
    )


def specialist_local_date(specialist, moment: datetime) -> date:
    return moment.astimezone(zoneinfo.ZoneInfo(specialist.user.timezone)).date()


def is_free_start(*, offering: Offering, starts_at: datetime, now: datetime, ignoring=None) -> bool:
    """Whether `starts_at` is one of the offering's free start times now."""
    day = specialist_local_date(offering.specialist, starts_at)
    free = free_slots_for_offering(offering=offering, start_on=day, end_on=day, now=now, ignoring=ignoring)
    return starts_at in free


def working_starts_for_offering(*, offering: Offering, on: date, now: datetime) -> list[datetime]:
    """The starts of one local date as if no appointment held any time."""
    return free_slots_for_offering(offering=offering, start_on=on, end_on=on, now=now, appointments=False)


def nearest_free_slots(*, offering: Offering, around: datetime, now: datetime | None = None, count: int = 6):
    """The free start times closest to `around` (before or after), in time
    order: what to offer someone whose time was just taken."""
    now = now or timezone.now()
    day = specialist_local_date(offering.specialist, around)
    free = free_slots_for_offering(
        offering=offering, start_on=day - timedelta(days=7), end_on=day + timedelta(days=7), now=now
    )
    return sorted(sorted(free, key=lambda slot: abs(slot - around))[:count])


def booking_settings_for(specialist) -> BookingSettings:
    """The specialist's stored settings, or the defaults (unsaved)."""
    return BookingSettings.objects.filter(specialist=specialist).first() or BookingSettings(specialist=specialist)


def booking_policy_for(organization) -> BookingPolicy:
    """The organization's stored policy, or the defaults (unsaved)."""
    return BookingPolicy.objects.filter(organization=organization).first() or BookingPolicy(organization=organization)


def cancellation_window_hours(specialist) -> int:
    """Free cancellation up to this many hours before the start: the
    specialist's own window if set, else the organization's."""
    own = booking_settings_for(specialist).cancellation_window_hours
    if own is not None:
        return own
    return booking_policy_for(specialist.organization).cancellation_window_hours
