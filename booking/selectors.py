"""Reads of the booking engine: free slots from the models."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, timedelta

from django.utils import timezone

from specialists.models import Offering

from . import slots
from .models import AvailabilityOverride, BookingSettings
from .states import SLOT_HOLDING


def _settings_for(specialist) -> slots.SlotSettings:
    stored = BookingSettings.objects.filter(specialist=specialist).first() or BookingSettings(specialist=specialist)
    return slots.SlotSettings(
        buffer_before_minutes=stored.buffer_before_minutes,
        buffer_after_minutes=stored.buffer_after_minutes,
        minimum_notice_minutes=stored.minimum_notice_minutes,
        horizon_days=stored.horizon_days,
        slot_increment_minutes=stored.slot_increment_minutes,
    )


def free_slots_for_offering(*, offering: Offering, start_on: date, end_on: date, now: datetime | None = None):
    """Free start times (aware UTC) for `offering` between two local dates of
    the specialist, minus slot-holding appointments and blocked time.

    A day off without hours removes the day; a day off with hours blocks
    only those hours (fed to the engine as busy time); extra hours add a
    range. Four queries whatever the range.
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
    busy += [
        slots.BusyInterval(start, end)
        for start, end in specialist.appointments.filter(
            status__in=SLOT_HOLDING, starts_at__lt=window_end, ends_at__gt=window_start
        ).values_list("starts_at", "ends_at")
    ]
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
