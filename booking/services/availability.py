"""Working hours and booking rules: weekly hours, dated overrides, a
specialist's booking settings, the private calendar feed, and an
organization's booking policy.

Every change of what patients can book (hours, overrides, settings) sends
`availability_changed` after commit, so the directory's "next available"
and anything else derived from availability is refreshed.
"""

from __future__ import annotations

import secrets
import zoneinfo
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from itertools import pairwise

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import events
from core.services import journey_event_record
from organizations.models import Organization
from specialists.models import SpecialistProfile

from ..models import AvailabilityOverride, AvailabilityRule, BookingPolicy, BookingSettings, CalendarFeed

MAX_RANGES_PER_DAY = 6
OVERRIDE_NOTE_MAX_LENGTH = 120
# Overrides can be planned this far ahead: the longest booking horizon.
OVERRIDE_MAX_DAYS_AHEAD = 366
MAX_REMINDERS = 4
# The reminder times an organization may choose from, in minutes before.
REMINDER_CHOICES = (7 * 24 * 60, 2 * 24 * 60, 24 * 60, 12 * 60, 120, 60, 30, 15)
CANCELLATION_WINDOW_MAX_HOURS = 14 * 24
FEED_TOKEN_BYTES = 32

# Inclusive bounds of each booking setting; the model's CheckConstraints
# hold the same numbers.
SETTINGS_BOUNDS = {
    "buffer_before_minutes": (0, 240),
    "buffer_after_minutes": (0, 240),
    "minimum_notice_minutes": (0, 30 * 24 * 60),
    "horizon_days": (1, 365),
    "slot_increment_minutes": (5, 240),
    "cancellation_window_hours": (0, CANCELLATION_WINDOW_MAX_HOURS),
}

WEEKDAYS = AvailabilityRule.Weekday


def _minutes(value: time, *, end: bool = False) -> int:
    """Minutes since midnight; an end of 00:00 is midnight (1440)."""
    minutes = value.hour * 60 + value.minute
    return 24 * 60 if end and minutes == 0 else minutes


def _field_error(field: str, message, code: str, params: dict | None = None) -> ValidationError:
    """A ValidationError for one form field, keeping its code."""
    return ValidationError({field: ValidationError(message, code=code, params=params)})


def check_day_ranges(ranges: Iterable[tuple[time, time]]) -> list[tuple[time, time]]:
    """The ranges of one day, sorted, or a ValidationError listing what is
    wrong: a range that does not end after it starts, two that overlap,
    or more than MAX_RANGES_PER_DAY.

    Touching ranges (09:00-12:00 and 12:00-17:00) are fine. An end of 00:00
    is midnight, the end of the day (as in the slot engine).
    """
    ranges = sorted(ranges)
    problems = []
    if len(ranges) > MAX_RANGES_PER_DAY:
        problems.append(
            ValidationError(
                _("Please use at most %(n)d ranges a day."), code="too_many", params={"n": MAX_RANGES_PER_DAY}
            )
        )
    for start, end in ranges:
        if start.second or start.microsecond or end.second or end.microsecond:
            problems.append(ValidationError(_("Please use whole minutes."), code="whole_minutes"))
        elif _minutes(end, end=True) <= _minutes(start):
            problems.append(
                ValidationError(
                    _("%(start)s-%(end)s ends before it starts."),
                    code="order",
                    params={"start": f"{start:%H:%M}", "end": f"{end:%H:%M}"},
                )
            )
    if not problems:
        for (start_a, end_a), (start_b, end_b) in pairwise(ranges):
            if _minutes(start_b) < _minutes(end_a, end=True):
                problems.append(
                    ValidationError(
                        _("%(a)s overlaps %(b)s."),
                        code="overlap",
                        params={"a": f"{start_a:%H:%M}-{end_a:%H:%M}", "b": f"{start_b:%H:%M}-{end_b:%H:%M}"},
                    )
                )
    if problems:
        raise ValidationError(problems)
    return ranges


def _changed(specialist: SpecialistProfile) -> None:
    events.send_on_commit(events.availability_changed, specialist_id=specialist.pk)


# --- Weekly hours ----------------------------------------------------------------


def availability_rules_replace(
    *, specialist: SpecialistProfile, rules: Iterable[tuple[int, time, time]], by
) -> list[AvailabilityRule]:
    """Replace all of `specialist`'s weekly hours with `rules`, given as
    (weekday, start, end) in the specialist's zone (Monday is 0).

    All or nothing: the whole week is checked first (per day, see
    `check_day_ranges`) and a bad day stores nothing. An empty list clears
    the weekly hours (dated extra hours still apply).
    """
    by_day: dict[int, list[tuple[time, time]]] = {day: [] for day in WEEKDAYS.values}
    for weekday, start, end in rules:
        if weekday not in by_day:
            raise ValidationError(_("Unknown weekday %(day)s."), code="weekday", params={"day": weekday})
        by_day[weekday].append((start, end))
    problems = {}
    for weekday, ranges in by_day.items():
        try:
            by_day[weekday] = check_day_ranges(ranges)
        except ValidationError as error:
            problems[WEEKDAYS(weekday).name.lower()] = error.error_list
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        AvailabilityRule.objects.filter(specialist=specialist).delete()
        created = AvailabilityRule.objects.bulk_create(
            AvailabilityRule(specialist=specialist, weekday=weekday, start_time=start, end_time=end)
            for weekday, ranges in by_day.items()
            for start, end in ranges
        )
        journey_event_record(actor=by, verb="availability.hours_changed", obj=specialist, data={"ranges": len(created)})
        _changed(specialist)
    return created


# --- Dated overrides ----------------------------------------------------------------


def _specialist_today(specialist: SpecialistProfile, now: datetime) -> date:
    return now.astimezone(zoneinfo.ZoneInfo(specialist.user.timezone)).date()


def availability_override_add(
    *,
    specialist: SpecialistProfile,
    date_on: date,
    kind: str,
    start_time: time | None = None,
    end_time: time | None = None,
    note: str = "",
    by,
    now: datetime | None = None,
) -> AvailabilityOverride:
    """Add a day off (the whole day, or only `start_time`-`end_time`) or
    extra hours (`start_time`-`end_time` required) on one date in the
    specialist's zone, from today on.

    Appointments already booked at that time stay: a day off stops new
    bookings, it does not cancel anyone.
    """
    now = now or timezone.now()
    note = (note or "").strip()
    if kind not in AvailabilityOverride.Kind.values:
        raise _field_error("kind", _("Please choose a day off or extra hours."), "kind")
    today = _specialist_today(specialist, now)
    if date_on < today:
        raise _field_error("date_on", _("That date has passed. Please pick today or a later date."), "past")
    if date_on > today + timedelta(days=OVERRIDE_MAX_DAYS_AHEAD):
        raise _field_error("date_on", _("Please pick a date within the next year."), "too_far")
    if (start_time is None) != (end_time is None):
        field = "end_time" if end_time is None else "start_time"
        raise _field_error(field, _("Please give both a start and an end time, or neither."), "half_range")
    if kind == AvailabilityOverride.Kind.EXTRA_HOURS and start_time is None:
        raise _field_error("start_time", _("Extra hours need a start and an end time."), "range_required")
    if start_time is not None:
        try:
            check_day_ranges([(start_time, end_time)])
        except ValidationError as error:
            raise ValidationError({"end_time": error.error_list}) from error
    if len(note) > OVERRIDE_NOTE_MAX_LENGTH:
        raise _field_error(
            "note", _("Please keep the note under %(n)d characters."), "note_length", {"n": OVERRIDE_NOTE_MAX_LENGTH}
        )
    same = AvailabilityOverride.objects.filter(
        specialist=specialist, date_on=date_on, kind=kind, start_time=start_time, end_time=end_time
    )
    if same.exists():
        raise _field_error("date_on", _("You have already added exactly this for that date."), "duplicate")
    with transaction.atomic():
        override = AvailabilityOverride.objects.create(
            specialist=specialist, date_on=date_on, kind=kind, start_time=start_time, end_time=end_time, note=note
        )
        journey_event_record(actor=by, verb=f"availability.{kind}_added", obj=specialist)
        _changed(specialist)
    return override


def availability_override_delete(*, override: AvailabilityOverride, by) -> None:
    """Remove one override: the date follows the weekly hours again."""
    specialist = override.specialist
    with transaction.atomic():
        override.delete()
        journey_event_record(actor=by, verb=f"availability.{override.kind}_removed", obj=specialist)
        _changed(specialist)


# --- Booking settings ----------------------------------------------------------------


def _check_bounds(values: dict) -> None:
    problems = {}
    for name, value in values.items():
        low, high = SETTINGS_BOUNDS[name]
        if value is None and name == "cancellation_window_hours":
            continue
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            problems[name] = ValidationError(
                _("Please enter a whole number from %(low)d to %(high)d."),
                code="out_of_range",
                params={"low": low, "high": high},
            )
    if problems:
        raise ValidationError(problems)


def booking_settings_update(
    *,
    specialist: SpecialistProfile,
    buffer_before_minutes: int,
    buffer_after_minutes: int,
    minimum_notice_minutes: int,
    horizon_days: int,
    slot_increment_minutes: int,
    cancellation_window_hours: int | None,
    by,
) -> BookingSettings:
    """Store `specialist`'s booking rules (created on first save).

    `cancellation_window_hours=None` follows the organization's policy.
    Bounds are the model's CheckConstraints, checked here first so a bad
    value is a message, not an IntegrityError. Bookings already made keep
    their time; the rules apply to what is booked from now on.
    """
    values = {
        "buffer_before_minutes": buffer_before_minutes,
        "buffer_after_minutes": buffer_after_minutes,
        "minimum_notice_minutes": minimum_notice_minutes,
        "horizon_days": horizon_days,
        "slot_increment_minutes": slot_increment_minutes,
        "cancellation_window_hours": cancellation_window_hours,
    }
    _check_bounds(values)
    with transaction.atomic():
        stored, _created = BookingSettings.objects.update_or_create(specialist=specialist, defaults=values)
        journey_event_record(actor=by, verb="availability.settings_changed", obj=specialist)
        _changed(specialist)
    return stored


# --- The private calendar feed -----------------------------------------------------


def calendar_feed_create(*, specialist: SpecialistProfile, by) -> CalendarFeed:
    """Give `specialist` a feed address, or a new one: a fresh random token
    replaces the old, so an address that leaked stops working at once."""
    token = secrets.token_urlsafe(FEED_TOKEN_BYTES)
    with transaction.atomic():
        feed, created = CalendarFeed.objects.update_or_create(
            specialist=specialist, defaults={"token": token, "created_at": timezone.now()}
        )
        verb = "calendar_feed.created" if created else "calendar_feed.regenerated"
        journey_event_record(actor=by, verb=verb, obj=specialist)
    return feed


def calendar_feed_revoke(*, specialist: SpecialistProfile, by) -> bool:
    """Turn the feed off; calendars subscribed to it get 404 from now on.
    Returns whether there was one."""
    with transaction.atomic():
        deleted, _rows = CalendarFeed.objects.filter(specialist=specialist).delete()
        if deleted:
            journey_event_record(actor=by, verb="calendar_feed.revoked", obj=specialist)
    return bool(deleted)


# --- The organization's policy -------------------------------------------------------


def booking_policy_update(
    *, organization: Organization, cancellation_window_hours: int, reminder_offsets_minutes: Iterable[int], by
) -> BookingPolicy:
    """Store `organization`'s cancellation window and reminder times
    (created on first save).

    Reminder times come from REMINDER_CHOICES, at most MAX_REMINDERS, none
    meaning no reminders. They apply to bookings made or moved from now on;
    reminders already planned keep their times. A specialist's own
    cancellation window, if set, still wins over the organization's.
    """
    offsets = list(reminder_offsets_minutes)
    low, high = SETTINGS_BOUNDS["cancellation_window_hours"]
    if (
        not isinstance(cancellation_window_hours, int)
        or isinstance(cancellation_window_hours, bool)
        or not low <= cancellation_window_hours <= high
    ):
        raise _field_error(
            "cancellation_window_hours",
            _("Please enter a whole number of hours from 0 to %(high)d."),
            "out_of_range",
            {"high": high},
        )
    if any(isinstance(offset, bool) or offset not in REMINDER_CHOICES for offset in offsets):
        raise _field_error("reminder_offsets_minutes", _("Please choose reminder times from the list."), "choice")
    offsets = sorted(set(offsets), reverse=True)
    if len(offsets) > MAX_REMINDERS:
        raise _field_error(
            "reminder_offsets_minutes", _("Please choose at most %(n)d reminders."), "too_many", {"n": MAX_REMINDERS}
        )
    with transaction.atomic():
        policy, _created = BookingPolicy.objects.update_or_create(
            organization=organization,
            defaults={"cancellation_window_hours": cancellation_window_hours, "reminder_offsets_minutes": offsets},
        )
        journey_event_record(
            actor=by,
            verb="booking_policy.changed",
            obj=organization,
            data={"cancellation_window_hours": cancellation_window_hours, "reminder_offsets_minutes": offsets},
        )
    return policy
