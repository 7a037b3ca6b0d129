"""The slot engine: free start times for one specialist and one offering.

Pure and database-free: it takes plain data (weekly rules, dated overrides,
busy intervals, settings) and returns aware UTC datetimes, so services and
selectors can feed it from the models and tests can drive it directly.

Rules and decisions:

- Availability is wall-clock time in the specialist's IANA zone. Each local
  date is expanded to UTC on its own, so a 09:00 rule is 09:00 local on both
  sides of a DST change. A range ending at ``time(0)`` ends at midnight, the
  start of the next local day.
- A range is a span of real instants from its resolved start to its resolved
  end, so a range that spans a DST change has its real length (01:00-05:00 is
  three hours on a spring-forward night and five on a fall-back night). Starts
  are on a grid of ``slot_increment_minutes`` of real time counted from the
  range's start instant; the whole session (without buffers) must fit inside
  one range. Overlapping or adjacent ranges are not merged: a session cannot
  straddle two ranges.
- A wall-clock time that does not exist (the spring-forward gap) resolves to
  the instant the clocks jump, i.e. the first instant whose wall-clock time is
  at or after it. A range inside the gap is therefore empty and no start ever
  falls in the gap; 02:30-04:00 on a Berlin spring-forward day is 03:00-04:00.
- An ambiguous wall-clock time (the repeated hour on fall-back) resolves to its
  first occurrence (``fold=0``), for range starts and ends alike. Starts inside
  a range may still fall in the repeated hour's second occurrence (that time
  is real and the specialist is working); those datetimes carry ``fold=1``
  when converted to local time. Book by the UTC instant, not by the wall-clock
  text.
- Buffers apply around existing appointments too: a start ``s`` is free when
  ``[s - buffer_before, s + duration + buffer_after)`` does not overlap any
  ``[busy_start - buffer_before, busy_end + buffer_after)``. Two sessions are
  therefore at least ``buffer_before + buffer_after`` apart. Buffers may reach
  outside the availability ranges.
- ``now + minimum_notice <= start < now + horizon_days`` (the horizon counts
  24-hour days of real time). ``start_on``/``end_on`` are inclusive local dates
  in the specialist's zone; widen them by a day when showing days in another
  zone and filter with ``group_by_local_day``.
- Day-off overrides drop that date's weekly rules; override ranges are added
  to the date (a day off with ranges replaces the weekly hours). Several
  overrides for one date combine.

Internally every instant is an integer number of microseconds since the epoch,
busy intervals are sorted and merged once into "forbidden start" intervals,
and each range is swept with a pointer that jumps over them.
"""

from __future__ import annotations

import zoneinfo
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

__all__ = [
    "BusyInterval",
    "DateOverride",
    "SlotSettings",
    "TimeRange",
    "WeeklyRule",
    "free_slots",
    "group_by_local_day",
    "validate_local_start",
]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_MINUTE_US = 60_000_000
_DAY_US = 24 * 60 * _MINUTE_US
_MIDNIGHT = time(0)

ZoneLike = str | zoneinfo.ZoneInfo


def _check_wall_time(value: time, what: str) -> None:
    if not isinstance(value, time):
        raise TypeError(f"{what} must be a datetime.time, not {type(value).__name__}")
    if value.tzinfo is not None:
        raise ValueError(f"{what} must be a wall-clock time without tzinfo")
    if value.second or value.microsecond:
        raise ValueError(f"{what} must be a whole minute, got {value.isoformat()}")


def _check_range(start: time, end: time) -> None:
    _check_wall_time(start, "start")
    _check_wall_time(end, "end")
    if end != _MIDNIGHT and end <= start:
        raise ValueError(f"end {end:%H:%M} is not after start {start:%H:%M} (use 00:00 for midnight)")


@dataclass(frozen=True, slots=True)
class TimeRange:
    """Wall-clock hours on one local date; ``end == time(0)`` means midnight."""

    start: time
    end: time

    def __post_init__(self) -> None:
        _check_range(self.start, self.end)


@dataclass(frozen=True, slots=True)
class WeeklyRule:
    """Working hours every week on ``weekday`` (Monday 0 ... Sunday 6), in the specialist's zone."""

    weekday: int
    start: time
    end: time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {self.weekday}")
        _check_range(self.start, self.end)


@dataclass(frozen=True, slots=True)
class DateOverride:
    """One local date: ``day_off`` drops the weekly rules; ``ranges`` are extra hours."""

    on: date
    ranges: tuple[TimeRange, ...] = ()
    day_off: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.on, datetime) or not isinstance(self.on, date):
            raise TypeError("on must be a datetime.date")
        object.__setattr__(self, "ranges", tuple(self.ranges))


@dataclass(frozen=True, slots=True)
class BusyInterval:
    """An appointment or hold in a slot-holding status: aware ``[start_at, end_at)``."""

    start_at: datetime
    end_at: datetime

    def __post_init__(self) -> None:
        _require_aware(self.start_at, "start_at")
        _require_aware(self.end_at, "end_at")
        if self.end_at <= self.start_at:
            raise ValueError(
                f"busy interval ends ({self.end_at.isoformat()}) before it starts ({self.start_at.isoformat()})"
            )


@dataclass(frozen=True, slots=True)
class SlotSettings:
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    minimum_notice_minutes: int = 0
    horizon_days: int = 60
    slot_increment_minutes: int = 15

    def __post_init__(self) -> None:
        for name in ("buffer_before_minutes", "buffer_after_minutes", "minimum_notice_minutes", "horizon_days"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.slot_increment_minutes <= 0:
            raise ValueError("slot_increment_minutes must be positive")


def _require_aware(moment: datetime, what: str) -> None:
    if not isinstance(moment, datetime):
        raise TypeError(f"{what} must be a datetime")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime, got naive {moment.isoformat()}")


def _zone(zone: ZoneLike) -> zoneinfo.ZoneInfo:
    if isinstance(zone, zoneinfo.ZoneInfo):
        return zone
    try:
        return zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"“{zone}” is not a time zone we know") from error


def _us(moment: datetime) -> int:
    """Microseconds since the epoch, exact, for an aware datetime."""
    return (moment - EPOCH) // _US


def _from_us(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=value)


def _wall(moment_us: int, zone: zoneinfo.ZoneInfo) -> datetime:
    return _from_us(moment_us).astimezone(zone).replace(tzinfo=None, fold=0)


def _resolve(day: date, wall: time, zone: zoneinfo.ZoneInfo) -> int:
    """The instant (µs) a wall-clock time on a local date stands for.

    Ambiguous times take the first occurrence (fold=0). Nonexistent times take
    the instant the clocks jump: the first instant whose wall-clock time is at
    or after ``wall``.
    """
    local = datetime.combine(day, wall, tzinfo=zone)  # fold=0
    moment = _us(local)
    naive = local.replace(tzinfo=None)
    if _wall(moment, zone) == naive:
        return moment
    # In a gap fold=0 uses the offset before the change and fold=1 the one
    # after; the jump lies between the two readings.
    low = _us(local.replace(fold=1))  # wall-clock before `wall`
    high = moment  # wall-clock after `wall`
    if low > high:  # never for a real gap; be safe
        low, high = high, low
    while high - low > 1:
        middle = (low + high) // 2
        if _wall(middle, zone) >= naive:
            high = middle
        else:
            low = middle
    return high


def _merge_overrides(overrides: Iterable[DateOverride]) -> dict[date, tuple[bool, list[TimeRange]]]:
    merged: dict[date, tuple[bool, list[TimeRange]]] = {}
    for override in overrides:
        day_off, ranges = merged.get(override.on, (False, []))
        merged[override.on] = (day_off or override.day_off, ranges + list(override.ranges))
    return merged


def _forbidden_starts(busy: Iterable[BusyInterval], padding_us: int, duration_us: int) -> tuple[list[int], list[int]]:
    """Merged open intervals (lo, hi) of starts that would clash with a busy interval."""
    spans = sorted((_us(item.start_at) - padding_us - duration_us, _us(item.end_at) + padding_us) for item in busy)
    los: list[int] = []
    his: list[int] = []
    for lo, hi in spans:
        if his and lo < his[-1]:
            his[-1] = max(his[-1], hi)
        else:
            los.append(lo)
            his.append(hi)
    return los, his


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def _expand(
    rules: Sequence[WeeklyRule],
    overrides: Sequence[DateOverride],
    *,
    tz: zoneinfo.ZoneInfo,
    first_day: date,
    last_day: date,
    duration: int,
) -> list[tuple[int, int]]:
    """Availability ranges as instants (µs) for each local date, long enough for one session."""
    weekly: list[list[tuple[time, time]]] = [[] for _ in range(7)]
    for rule in rules:
        weekly[rule.weekday].append((rule.start, rule.end))
    dated = _merge_overrides(overrides)
    ranges: list[tuple[int, int]] = []
    one_day = timedelta(days=1)
    day = first_day
    while day <= last_day:
        hours = weekly[day.weekday()]
        if day in dated:
            day_off, extra = dated[day]
            hours = ([] if day_off else hours) + [(item.start, item.end) for item in extra]
        for start, end in hours:
            start_us = _resolve(day, start, tz)
            end_us = _resolve(day + one_day, end, tz) if end == _MIDNIGHT else _resolve(day, end, tz)
            if end_us - start_us >= duration:
                ranges.append((start_us, end_us))
        day += one_day
    return ranges


def _sweep(
    found: list[int], *, range_start: int, last: int, earliest: int, increment: int, los: list[int], his: list[int]
) -> None:
    """Append the free grid starts in [range_start, last], jumping over forbidden intervals."""
    candidate = range_start
    if candidate < earliest:
        candidate = range_start + _ceil_div(earliest - range_start, increment) * increment
    count = len(his)
    index = bisect_right(his, candidate)
    while candidate <= last:
        while index < count and his[index] <= candidate:
            index += 1
        if index < count and los[index] < candidate:
            candidate = range_start + _ceil_div(his[index] - range_start, increment) * increment
            continue
        found.append(candidate)
        candidate += increment


def free_slots(
    *,
    zone: ZoneLike,
    rules: Sequence[WeeklyRule],
    duration_minutes: int,
    now: datetime,
    start_on: date,
    end_on: date,
    overrides: Sequence[DateOverride] = (),
    busy: Sequence[BusyInterval] = (),
    settings: SlotSettings | None = None,
) -> list[datetime]:
    """Free start times (aware UTC, ascending, unique) for a session of ``duration_minutes``.

    ``zone`` is the specialist's zone; ``start_on``/``end_on`` are inclusive
    local dates there. See the module docstring for buffers and DST.
    """
    settings = settings or SlotSettings()
    tz = _zone(zone)
    _require_aware(now, "now")
    if duration_minutes <= 0:
        raise ValueError("duration_minutes must be positive")
    if end_on < start_on:
        return []

    now_us = _us(now)
    earliest = now_us + settings.minimum_notice_minutes * _MINUTE_US
    latest = now_us + settings.horizon_days * _DAY_US  # exclusive
    if latest <= earliest:
        return []
    duration = duration_minutes * _MINUTE_US
    increment = settings.slot_increment_minutes * _MINUTE_US
    padding = (settings.buffer_before_minutes + settings.buffer_after_minutes) * _MINUTE_US

    # Only local dates whose ranges can reach [earliest, latest) are expanded:
    # a date's ranges lie within that local day (midnight end included).
    first_day = max(start_on, _from_us(earliest).astimezone(tz).date() - timedelta(days=1))
    last_day = min(end_on, _from_us(latest).astimezone(tz).date())
    if last_day < first_day:
        return []

    ranges = _expand(rules, overrides, tz=tz, first_day=first_day, last_day=last_day, duration=duration)
    los, his = _forbidden_starts(busy, padding, duration)
    found: list[int] = []
    for range_start, range_end in ranges:
        last = min(range_end - duration, latest - 1)
        _sweep(found, range_start=range_start, last=last, earliest=earliest, increment=increment, los=los, his=his)

    if len(ranges) > 1:
        found = sorted(set(found))
    return [_from_us(value) for value in found]


def group_by_local_day(slots: Iterable[datetime], viewer_zone: ZoneLike) -> dict[date, list[datetime]]:
    """Slots grouped by local date in ``viewer_zone``, as aware datetimes in that zone.

    The datetimes are the same instants as the UTC ones, ready to format for
    display; keys and values keep the order of ``slots``. Compare them after
    ``.astimezone(UTC)``: under PEP 495 a local time in a repeated hour
    (``fold=1`` or ambiguous) never compares equal to another zone's datetime.
    """
    tz = _zone(viewer_zone)
    days: dict[date, list[datetime]] = {}
    for slot in slots:
        _require_aware(slot, "slot")
        local = slot.astimezone(tz)
        days.setdefault(local.date(), []).append(local)
    return days


def validate_local_start(local_date: date, local_time: time, zone: ZoneLike) -> datetime:
    """The aware UTC datetime for a wall-clock start typed in ``zone``.

    Raises ValueError when the time does not exist (skipped when the clocks
    go forward) or happens twice (when the clocks go back).
    """
    tz = _zone(zone)
    if isinstance(local_date, datetime) or not isinstance(local_date, date):
        raise TypeError("local_date must be a datetime.date")
    if not isinstance(local_time, time):
        raise TypeError("local_time must be a datetime.time")
    if local_time.tzinfo is not None:
        raise ValueError("local_time must be a wall-clock time without tzinfo")
    first = datetime.combine(local_date, local_time.replace(fold=0), tzinfo=tz)
    second = first.replace(fold=1)
    label = f"{local_time:%H:%M} on {local_date.isoformat()}"
    if first.utcoffset() != second.utcoffset():
        if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != first.replace(tzinfo=None):
            raise ValueError(
                f"{label} does not exist in {tz.key}: the clocks go forward at that moment. Choose another time."
            )
        raise ValueError(f"{label} happens twice in {tz.key}: the clocks go back at that moment. Choose another time.")
    return first.astimezone(UTC)
