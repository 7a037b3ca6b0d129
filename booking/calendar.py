"""Reads for the specialist's calendar: one week laid out for the grid,
the side panel (weekly hours, upcoming overrides, settings, feed), and the
private ICS feed.

Everything is placed by **wall-clock time in the specialist's zone**: a
session at 10:00 sits on the 10:00 line on both sides of a daylight-saving
change, and a day of 23 or 25 hours is drawn like any other (in the
repeated hour of a fall-back night, the first and the second 02:30 share a
line). Positions are percentages of the visible hours, computed here so the
template only prints them.

Each function runs a fixed number of queries, whatever the week holds.
"""

from __future__ import annotations

import math
import zoneinfo
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Exists, OuterRef
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from specialists.models import SpecialistProfile

from .models import (
    Appointment,
    AppointmentEvent,
    AvailabilityOverride,
    AvailabilityRule,
    BookingPolicy,
    BookingSettings,
    CalendarFeed,
)
from .states import SLOT_HOLDING, AppointmentStatus

S = AppointmentStatus

# The hours the grid shows at least; widened to fit anything outside them.
DEFAULT_FIRST_HOUR = 7
DEFAULT_LAST_HOUR = 21
DAY_MINUTES = 24 * 60
# A block shorter than this (or one whose wall-clock end precedes its start
# in the repeated hour of a fall-back night) is drawn this tall.
MIN_BLOCK_MINUTES = 15
# How far from today the `week` parameter may wander; further is ignored.
MAX_WEEKS_AWAY = 5 * 52
UPCOMING_OVERRIDES_LIMIT = 60

# What the calendar shows: whatever holds the time, requests (which do not,
# drawn dashed) and sessions that took place.
SHOWN_STATUSES = frozenset(SLOT_HOLDING | {S.REQUESTED, S.COMPLETED})
STATUS_LABELS = {
    S.HELD: _("Hold"),
    S.PROPOSED: _("Proposed"),
    S.REQUESTED: _("Requested"),
    S.AWAITING_PAYMENT: _("Awaiting payment"),
    S.CONFIRMED: _("Confirmed"),
    S.IN_PROGRESS: _("In progress"),
    S.COMPLETED: _("Completed"),
}

# The feed: what a subscribed calendar should show, and how.
FEED_STATUS = {
    S.PROPOSED: "TENTATIVE",  # offered and holding the time; the patient has not answered
    S.AWAITING_PAYMENT: "TENTATIVE",  # agreed; lapses if not paid
    S.CONFIRMED: "CONFIRMED",
    S.IN_PROGRESS: "CONFIRMED",
    S.COMPLETED: "CONFIRMED",
    S.NO_SHOW: "CONFIRMED",  # the time was kept for them
}
# Ended without taking place: sent as CANCELLED (if they were ever in the
# feed) so subscribed calendars drop the event they already have.
FEED_GONE = frozenset({S.CANCELLED, S.DECLINED, S.EXPIRED})
FEED_PAST_DAYS = 30


def _zone(specialist: SpecialistProfile) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(specialist.user.timezone)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def specialist_today(specialist: SpecialistProfile, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(_zone(specialist)).date()


def week_start_from(value: str | None, *, today: date) -> date:
    """The Monday of the week `value` (an ISO date, any day of the week)
    names; this week when `value` is missing, malformed or too far away.

    A bad `week` in the address is not worth an error page: the calendar
    simply opens on this week.
    """
    this_week = monday_of(today)
    try:
        day = date.fromisoformat((value or "").strip())
    except ValueError:
        return this_week
    week = monday_of(day)
    if abs((week - this_week).days) > MAX_WEEKS_AWAY * 7:
        return this_week
    return week


# --- The week ------------------------------------------------------------------------


@dataclass
class Block:
    """Something drawn in a day column, from `start` to `end` minutes after
    local midnight (wall clock). `css_id` ties it to its position rule."""

    css_id: str
    start: int
    end: int
    lane: int = 0
    lanes: int = 1
    top: str = ""
    height: str = ""
    left: str = ""
    width: str = ""

    @property
    def time_label(self) -> str:
        return f"{_hhmm(self.start)}-{_hhmm(self.end)}"


@dataclass
class AppointmentBlock(Block):
    appointment: Appointment | None = None
    url: str = ""
    label: str = ""  # the status as the calendar words it
    status: str = ""
    is_dashed: bool = False
    # The session runs on from the day before / into the next day.
    continues_before: bool = False
    continues_after: bool = False
    # The real start and end, in the specialist's zone, for the text.
    starts_local: datetime | None = None
    ends_local: datetime | None = None

    @property
    def time_text(self) -> str:
        """The session's own start and end (not the day's part of it)."""
        return f"{self.starts_local:%H:%M}\u2013{self.ends_local:%H:%M}"


@dataclass
class CalendarDay:
    on: date
    is_today: bool = False
    is_day_off: bool = False  # a whole-day day off
    working: list[Block] = field(default_factory=list)
    blocked: list[Block] = field(default_factory=list)  # a day off for some hours
    appointments: list[AppointmentBlock] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def hours_label(self) -> str:
        return ", ".join(block.time_label for block in self.working)


@dataclass
class CalendarWeek:
    start: date
    zone_name: str
    days: list[CalendarDay]
    first_hour: int
    last_hour: int
    today: date
    now_top: str = ""  # where the "now" line goes, if today is in this week
    now_day: date | None = None

    @property
    def end(self) -> date:
        return self.start + timedelta(days=6)

    @property
    def previous_start(self) -> date:
        return self.start - timedelta(days=7)

    @property
    def next_start(self) -> date:
        return self.start + timedelta(days=7)

    @property
    def this_week_start(self) -> date:
        return monday_of(self.today)

    @property
    def is_this_week(self) -> bool:
        return self.start == self.this_week_start

    @property
    def hours(self) -> list[str]:
        return [f"{hour:02d}:00" for hour in range(self.first_hour, self.last_hour)]

    @property
    def hour_count(self) -> int:
        return self.last_hour - self.first_hour

    @property
    def blocks(self) -> list[Block]:
        """Every positioned block of the week, for the style rules."""
        return [block for day in self.days for block in (*day.working, *day.blocked, *day.appointments)]


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _wall_minutes(moment: datetime, zone: zoneinfo.ZoneInfo) -> int:
    local = moment.astimezone(zone)
    return local.hour * 60 + local.minute


def _time_minutes(value: time, *, end: bool = False) -> int:
    minutes = value.hour * 60 + value.minute
    return DAY_MINUTES if end and minutes == 0 else minutes


def _percent(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".") or "0"


def _assign_lanes(blocks: list[AppointmentBlock]) -> None:
    """Side by side where appointments overlap (a request beside a booking,
    or the two occurrences of a repeated hour): each cluster of overlapping
    blocks shares the column width."""
    blocks.sort(key=lambda block: (block.start, -block.end))
    cluster: list[AppointmentBlock] = []
    lane_ends: list[int] = []
    cluster_end = -1

    def close():
        for member in cluster:
            member.lanes = len(lane_ends)

    for block in blocks:
        if cluster and block.start >= cluster_end:
            close()
            cluster, lane_ends = [], []
        for index, lane_end in enumerate(lane_ends):
            if lane_end <= block.start:
                block.lane = index
                lane_ends[index] = block.end
                break
        else:
            block.lane = len(lane_ends)
            lane_ends.append(block.end)
        cluster.append(block)
        cluster_end = max(cluster_end, block.end)
    if cluster:
        close()


def _appointment_url(appointment: Appointment) -> str:
    if appointment.status == S.PROPOSED and appointment.proposal is not None:
        return reverse("booking:specialist-proposal", args=[appointment.proposal.public_id])
    return reverse("booking:specialist-appointment", args=[appointment.public_id])


def _segments(appointment: Appointment, week_start: date, zone: zoneinfo.ZoneInfo):
    """(day index, start minutes, end minutes, continues before, continues
    after) for each local day of the week the appointment touches."""
    for index in range(7):
        day = week_start + timedelta(days=index)
        day_start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
        day_end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
        start = max(appointment.starts_at, day_start)
        end = min(appointment.ends_at, day_end)
        if start >= end:
            continue
        start_minutes = _wall_minutes(start, zone)
        end_minutes = DAY_MINUTES if end == day_end else _wall_minutes(end, zone)
        if end_minutes - start_minutes < MIN_BLOCK_MINUTES:
            # Too short to read, or its wall-clock end falls before its
            # start (the second pass of a repeated hour).
            start_minutes = min(start_minutes, DAY_MINUTES - MIN_BLOCK_MINUTES)
            end_minutes = start_minutes + MIN_BLOCK_MINUTES
        yield index, start_minutes, end_minutes, start > appointment.starts_at, end < appointment.ends_at


def week_appointments(specialist: SpecialistProfile, week_start: date):
    """The appointments shown in the week (one query): any that overlap the
    local week, with the patient and proposal joined."""
    zone = _zone(specialist)
    window_start = datetime.combine(week_start, time(0), tzinfo=zone).astimezone(UTC)
    window_end = datetime.combine(week_start + timedelta(days=7), time(0), tzinfo=zone).astimezone(UTC)
    return list(
        Appointment.objects.filter(
            specialist=specialist,
            status__in=SHOWN_STATUSES,
            starts_at__lt=window_end,
            ends_at__gt=window_start,
        )
        .select_related("patient", "proposal")
        .order_by("starts_at", "pk")
    )


def _range(start: time, end: time) -> tuple[int, int]:
    return _time_minutes(start), _time_minutes(end, end=True)


def _lay_out_hours(day: CalendarDay, weekly: list[tuple[int, int]], overrides: list[AvailabilityOverride], ids) -> None:
    """The day's working hours and days off: the weekly ranges unless the
    whole day is off, plus extra hours; a day off for some hours is drawn
    as blocked time over them (the slot engine treats it as busy)."""
    extra = []
    for override in overrides:
        if override.note:
            day.notes.append(override.note)
        if override.kind == AvailabilityOverride.Kind.EXTRA_HOURS:
            extra.append(_range(override.start_time, override.end_time))
        elif override.start_time is None:
            day.is_day_off = True
        else:
            day.blocked.append(Block(next(ids), *_range(override.start_time, override.end_time)))
    ranges = extra if day.is_day_off else weekly + extra
    day.working = [Block(next(ids), start, end) for start, end in sorted(ranges)]


def _appointment_blocks(appointment: Appointment, week_start: date, zone: zoneinfo.ZoneInfo, ids):
    status = S(appointment.status)
    common = {
        "appointment": appointment,
        "url": _appointment_url(appointment),
        "label": str(STATUS_LABELS[status]),
        "status": status.value,
        "is_dashed": status not in SLOT_HOLDING and status != S.COMPLETED,
        "starts_local": appointment.starts_at.astimezone(zone),
        "ends_local": appointment.ends_at.astimezone(zone),
    }
    for index, start, end, before, after in _segments(appointment, week_start, zone):
        block = AppointmentBlock(next(ids), start, end, continues_before=before, continues_after=after, **common)
        yield index, block


def _position(blocks: list[Block], first_hour: int, last_hour: int) -> None:
    span = (last_hour - first_hour) * 60
    offset = first_hour * 60
    for block in blocks:
        block.top = _percent((block.start - offset) / span * 100)
        block.height = _percent((block.end - block.start) / span * 100)
        block.left = _percent(block.lane / block.lanes * 100)
        block.width = _percent(100 / block.lanes)


def calendar_week(
    specialist: SpecialistProfile,
    week_start: date,
    *,
    now: datetime | None = None,
    rules: list[AvailabilityRule] | None = None,
) -> CalendarWeek:
    """One week of `specialist`'s calendar, laid out: working hours from
    the weekly rules and the week's overrides, days off, and appointments.

    Three queries (rules, overrides, appointments); two when `rules` are
    passed in. `week_start` must be a Monday.
    """
    if week_start.weekday() != 0:
        raise ValueError("week_start must be a Monday")
    now = now or timezone.now()
    zone = _zone(specialist)
    today = now.astimezone(zone).date()
    if rules is None:
        rules = list(AvailabilityRule.objects.filter(specialist=specialist))
    week_end = week_start + timedelta(days=6)
    overrides = AvailabilityOverride.objects.filter(
        specialist=specialist, date_on__range=(week_start, week_end)
    ).order_by("date_on", "start_time")

    ids = (f"cal-{number}" for number in range(1, 1_000_000))
    days = [CalendarDay(on=week_start + timedelta(days=i)) for i in range(7)]
    weekly: dict[int, list[tuple[int, int]]] = {}
    for rule in rules:
        weekly.setdefault(rule.weekday, []).append(_range(rule.start_time, rule.end_time))
    dated: dict[date, list[AvailabilityOverride]] = {}
    for override in overrides:
        dated.setdefault(override.date_on, []).append(override)
    for day in days:
        day.is_today = day.on == today
        _lay_out_hours(day, weekly.get(day.on.weekday(), []), dated.get(day.on, []), ids)
    for appointment in week_appointments(specialist, week_start):
        for index, block in _appointment_blocks(appointment, week_start, zone, ids):
            days[index].appointments.append(block)
    for day in days:
        _assign_lanes(day.appointments)

    all_blocks = [block for day in days for block in (*day.working, *day.blocked, *day.appointments)]
    first_hour = min([DEFAULT_FIRST_HOUR] + [block.start // 60 for block in all_blocks])
    last_hour = max([DEFAULT_LAST_HOUR] + [math.ceil(block.end / 60) for block in all_blocks])
    _position(all_blocks, first_hour, last_hour)
    week = CalendarWeek(
        start=week_start,
        zone_name=specialist.user.timezone,
        days=days,
        first_hour=first_hour,
        last_hour=last_hour,
        today=today,
    )
    minutes = _wall_minutes(now, zone)
    if week_start <= today <= week_end and first_hour * 60 <= minutes <= last_hour * 60:
        week.now_day = today
        week.now_top = _percent((minutes - first_hour * 60) / ((last_hour - first_hour) * 60) * 100)
    return week


# --- The side panel --------------------------------------------------------------------


@dataclass
class WeekdayHours:
    weekday: int
    name: str
    ranges: list[AvailabilityRule]

    @property
    def label(self) -> str:
        return ", ".join(f"{rule.start_time:%H:%M}-{rule.end_time:%H:%M}" for rule in self.ranges)


def weekly_hours(rules: list[AvailabilityRule]) -> list[WeekdayHours]:
    """The rules by weekday, Monday first, every weekday present."""
    by_day: dict[int, list[AvailabilityRule]] = {day: [] for day in AvailabilityRule.Weekday.values}
    for rule in sorted(rules, key=lambda rule: (rule.weekday, rule.start_time)):
        by_day[rule.weekday].append(rule)
    return [
        WeekdayHours(weekday=day, name=str(AvailabilityRule.Weekday(day).label), ranges=ranges)
        for day, ranges in by_day.items()
    ]


def upcoming_overrides(specialist: SpecialistProfile, *, today: date) -> list[AvailabilityOverride]:
    return list(
        AvailabilityOverride.objects.filter(specialist=specialist, date_on__gte=today).order_by(
            "date_on", "start_time"
        )[:UPCOMING_OVERRIDES_LIMIT]
    )


def duration_text(minutes: int) -> str:
    """720 as "12 hours", 1440 as "1 day", 90 as "90 minutes"."""
    if minutes and minutes % DAY_MINUTES == 0:
        days = minutes // DAY_MINUTES
        return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
    if minutes and minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}


@dataclass
class SettingsSummary:
    settings: BookingSettings
    organization_window_hours: int

    @property
    def cancellation_window_hours(self) -> int:
        own = self.settings.cancellation_window_hours
        return self.organization_window_hours if own is None else own

    @property
    def minimum_notice_text(self) -> str:
        return duration_text(self.settings.minimum_notice_minutes)

    @property
    def uses_organization_window(self) -> bool:
        return self.settings.cancellation_window_hours is None


def settings_summary(specialist: SpecialistProfile) -> SettingsSummary:
    """The specialist's booking settings (defaults when never saved) and the
    organization's cancellation window they fall back on. Two queries."""
    stored = BookingSettings.objects.filter(specialist=specialist).first() or BookingSettings(specialist=specialist)
    policy = BookingPolicy.objects.filter(organization_id=specialist.organization_id).first()
    window = policy.cancellation_window_hours if policy else BookingPolicy().cancellation_window_hours
    return SettingsSummary(settings=stored, organization_window_hours=window)


def calendar_feed_for(specialist: SpecialistProfile) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(specialist=specialist).first()


def calendar_page(specialist: SpecialistProfile, week_start: date, *, now: datetime | None = None) -> dict:
    """Everything the calendar page shows, in seven queries."""
    now = now or timezone.now()
    rules = list(AvailabilityRule.objects.filter(specialist=specialist))
    week = calendar_week(specialist, week_start, now=now, rules=rules)
    return {
        "week": week,
        "weekly_hours": weekly_hours(rules),
        "upcoming_overrides": upcoming_overrides(specialist, today=week.today),
        "booking": settings_summary(specialist),
        "feed": calendar_feed_for(specialist),
    }


def override_get_for_specialist(*, specialist: SpecialistProfile, public_id) -> AvailabilityOverride:
    """One of `specialist`'s own overrides, else 404."""
    override = (
        AvailabilityOverride.objects.select_related("specialist").filter(specialist=specialist, public_id=public_id)
    ).first()
    if override is None:
        raise Http404
    return override


# --- The feed ------------------------------------------------------------------------------


def calendar_feed_get_by_token(token: str) -> CalendarFeed:
    """The feed whose address holds `token`, with its specialist; 404 for
    any other token (unknown, revoked, replaced)."""
    if not token or len(token) < 32:
        raise Http404
    feed = CalendarFeed.objects.select_related("specialist__user").filter(token=token).first()
    if feed is None:
        raise Http404
    return feed


def feed_appointments(specialist: SpecialistProfile, *, now: datetime | None = None) -> list[tuple[Appointment, str]]:
    """(appointment, iCalendar STATUS) for the feed, one query: from
    FEED_PAST_DAYS ago on, those in FEED_STATUS, plus the ones that ended
    without taking place (CANCELLED) if they were ever shown, so calendars
    remove them. Holds and requests never appear: they are not the
    specialist's commitment yet."""
    now = now or timezone.now()
    was_shown = AppointmentEvent.objects.filter(appointment=OuterRef("pk"), to_status__in=list(FEED_STATUS))
    rows = (
        Appointment.objects.filter(
            specialist=specialist,
            status__in=[*FEED_STATUS, *FEED_GONE],
            ends_at__gte=now - timedelta(days=FEED_PAST_DAYS),
        )
        .annotate(was_shown=Exists(was_shown))
        .select_related("patient", "proposal")
        .order_by("starts_at", "pk")
    )
    found = []
    for appointment in rows:
        if appointment.status in FEED_STATUS:
            found.append((appointment, FEED_STATUS[S(appointment.status)]))
        elif appointment.was_shown:
            found.append((appointment, "CANCELLED"))
    return found


def feed_summary(appointment: Appointment) -> str:
    """An event's title in the feed: "Session · P. E.", the patient's
    initials only. Calendar servers store the feed and phones show titles
    on the lock screen, so a name there would say who is in care."""
    initials = " ".join(f"{word[0].upper()}." for word in appointment.patient.display_name.split()[:2])
    return _("Session · %(initials)s") % {"initials": initials} if initials else str(_("Session"))


def feed_appointment_url(appointment: Appointment) -> str:
    """The page of the appointment in the specialist portal (a path)."""
    return _appointment_url(appointment)
