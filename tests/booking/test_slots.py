"""The slot engine (booking/slots.py): plain data in, aware UTC start times out. No database."""

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from booking.slots import (
    BusyInterval,
    DateOverride,
    SlotSettings,
    TimeRange,
    WeeklyRule,
    free_slots,
    group_by_local_day,
    validate_local_start,
)

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
SYDNEY = zoneinfo.ZoneInfo("Australia/Sydney")
SAO_PAULO = zoneinfo.ZoneInfo("America/Sao_Paulo")
EVERY_DAY = range(7)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def daily(start: time, end: time) -> list[WeeklyRule]:
    return [WeeklyRule(weekday, start, end) for weekday in EVERY_DAY]


def slots_on(day: date, *, zone=BERLIN, rules=None, now=None, **kwargs) -> list[datetime]:
    return free_slots(
        zone=zone,
        rules=rules if rules is not None else daily(time(9), time(12)),
        now=now or utc(2000, 1, 1),
        start_on=day,
        end_on=day,
        duration_minutes=kwargs.pop("duration_minutes", 60),
        settings=kwargs.pop("settings", SlotSettings(horizon_days=100_000, slot_increment_minutes=30)),
        **kwargs,
    )


def local_times(slots: list[datetime], zone=BERLIN) -> list[str]:
    return [slot.astimezone(zone).strftime("%H:%M") for slot in slots]


# A Monday in winter: Berlin is UTC+1.
MONDAY = date(2025, 1, 13)


# --- fixed cases ---------------------------------------------------------------------------------


def test_weekly_rule_gives_aware_utc_starts_on_the_grid():
    slots = slots_on(MONDAY)
    assert slots == [
        utc(2025, 1, 13, 8, 0),
        utc(2025, 1, 13, 8, 30),
        utc(2025, 1, 13, 9, 0),
        utc(2025, 1, 13, 9, 30),
        utc(2025, 1, 13, 10, 0),
    ]
    assert all(slot.tzinfo is UTC for slot in slots)


def test_the_whole_session_must_fit_inside_the_range():
    slots = slots_on(MONDAY, rules=daily(time(9), time(11)), duration_minutes=50)
    assert local_times(slots) == ["09:00", "09:30", "10:00"]


def test_a_range_shorter_than_the_session_gives_nothing():
    assert slots_on(MONDAY, rules=daily(time(9), time(9, 45)), duration_minutes=60) == []


def test_the_increment_counts_from_each_range_start():
    rules = [WeeklyRule(0, time(9, 10), time(10, 30)), WeeklyRule(0, time(13), time(14, 15))]
    slots = slots_on(MONDAY, rules=rules, duration_minutes=30)
    assert local_times(slots) == ["09:10", "09:40", "13:00", "13:30"]


def test_several_ranges_a_day_in_any_order_give_sorted_starts():
    rules = [WeeklyRule(0, time(14), time(16)), WeeklyRule(0, time(9), time(10))]
    assert local_times(slots_on(MONDAY, rules=rules)) == ["09:00", "14:00", "14:30", "15:00"]


def test_a_session_cannot_straddle_two_adjacent_ranges():
    rules = [WeeklyRule(0, time(9), time(10)), WeeklyRule(0, time(10), time(11))]
    assert local_times(slots_on(MONDAY, rules=rules)) == ["09:00", "10:00"]


def test_overlapping_ranges_give_each_start_once():
    rules = [WeeklyRule(0, time(9), time(11)), WeeklyRule(0, time(10), time(12))]
    assert local_times(slots_on(MONDAY, rules=rules)) == ["09:00", "09:30", "10:00", "10:30", "11:00"]


def test_only_the_rules_of_that_weekday_apply():
    rules = [WeeklyRule(1, time(9), time(10))]  # Tuesday
    assert slots_on(MONDAY, rules=rules) == []
    assert local_times(slots_on(MONDAY + timedelta(days=1), rules=rules)) == ["09:00"]


def test_a_range_can_end_at_midnight():
    slots = slots_on(MONDAY, rules=daily(time(22), time(0)))
    assert local_times(slots) == ["22:00", "22:30", "23:00"]


def test_an_existing_appointment_blocks_overlapping_starts():
    busy = [BusyInterval(utc(2025, 1, 13, 9, 0), utc(2025, 1, 13, 10, 0))]  # 10:00-11:00 local
    assert local_times(slots_on(MONDAY, busy=busy)) == ["09:00", "11:00"]


def test_buffers_apply_around_the_new_session_and_existing_appointments():
    """A start is free when [start - before, end + after) misses [busy - before, busy end + after)."""
    busy = [BusyInterval(utc(2025, 1, 13, 9, 0), utc(2025, 1, 13, 10, 0))]  # 10:00-11:00 local
    options = SlotSettings(
        buffer_before_minutes=15, buffer_after_minutes=10, horizon_days=100_000, slot_increment_minutes=5
    )
    slots = slots_on(MONDAY, rules=daily(time(8), time(13)), busy=busy, duration_minutes=30, settings=options)
    times = local_times(slots)
    # Sessions before it must end by 10:00 - 15 - 10 = 09:35; after it start at 11:00 + 10 + 15 = 11:25.
    assert times[times.index("09:05") + 1] == "11:25"
    assert "09:05" in times and "09:10" not in times and "11:20" not in times


def test_back_to_back_sessions_without_buffers():
    busy = [BusyInterval(utc(2025, 1, 13, 9, 0), utc(2025, 1, 13, 10, 0))]
    options = SlotSettings(horizon_days=100_000, slot_increment_minutes=60)
    assert local_times(slots_on(MONDAY, busy=busy, settings=options)) == ["09:00", "11:00"]


def test_buffers_may_reach_outside_the_working_hours():
    options = SlotSettings(
        buffer_before_minutes=30, buffer_after_minutes=30, horizon_days=100_000, slot_increment_minutes=60
    )
    assert local_times(slots_on(MONDAY, settings=options)) == ["09:00", "10:00", "11:00"]


def test_busy_intervals_may_be_given_in_any_zone_and_order():
    busy = [
        BusyInterval(datetime(2025, 1, 13, 11, 30, tzinfo=BERLIN), datetime(2025, 1, 13, 12, tzinfo=BERLIN)),
        BusyInterval(datetime(2025, 1, 13, 4, tzinfo=NEW_YORK), datetime(2025, 1, 13, 4, 30, tzinfo=NEW_YORK)),
    ]  # 11:30-12:00 and 10:00-10:30 Berlin
    assert local_times(slots_on(MONDAY, busy=busy)) == ["09:00", "10:30"]


def test_minimum_notice_hides_starts_too_soon():
    now = datetime(2025, 1, 13, 8, 50, tzinfo=BERLIN)
    options = SlotSettings(minimum_notice_minutes=40, horizon_days=30, slot_increment_minutes=30)
    assert local_times(slots_on(MONDAY, now=now, settings=options)) == ["09:30", "10:00", "10:30", "11:00"]


def test_a_start_exactly_at_the_minimum_notice_is_offered():
    now = datetime(2025, 1, 13, 8, 30, tzinfo=BERLIN)
    options = SlotSettings(minimum_notice_minutes=30, horizon_days=30, slot_increment_minutes=30)
    assert local_times(slots_on(MONDAY, now=now, settings=options))[0] == "09:00"


def test_past_starts_are_never_offered():
    now = datetime(2025, 1, 13, 10, 0, 0, 1, tzinfo=BERLIN)
    options = SlotSettings(horizon_days=30, slot_increment_minutes=30)
    assert local_times(slots_on(MONDAY, now=now, settings=options)) == ["10:30", "11:00"]


def test_the_horizon_is_exclusive():
    now = datetime(2025, 1, 10, 9, 30, tzinfo=BERLIN)
    options = SlotSettings(horizon_days=3, slot_increment_minutes=30)
    assert local_times(slots_on(MONDAY, now=now, settings=options)) == ["09:00"]


def test_a_date_range_beyond_the_horizon_is_cut_short():
    now = utc(2025, 1, 1)
    slots = free_slots(
        zone=BERLIN, rules=daily(time(9), time(10)), duration_minutes=60, now=now,
        start_on=date(2025, 1, 1), end_on=date(2030, 1, 1), settings=SlotSettings(horizon_days=10),
    )  # fmt: skip
    assert len(slots) == 10


def test_a_day_off_override_removes_that_dates_weekly_hours():
    overrides = [DateOverride(MONDAY, day_off=True)]
    assert slots_on(MONDAY, overrides=overrides) == []
    assert slots_on(MONDAY + timedelta(days=7), overrides=overrides) != []


def test_extra_hours_add_ranges_to_the_date():
    overrides = [DateOverride(MONDAY, ranges=(TimeRange(time(18), time(19)),))]
    assert local_times(slots_on(MONDAY, overrides=overrides)) == ["09:00", "09:30", "10:00", "10:30", "11:00", "18:00"]


def test_extra_hours_on_a_day_without_rules():
    overrides = [DateOverride(MONDAY, ranges=(TimeRange(time(8), time(9)),))]
    assert local_times(slots_on(MONDAY, rules=[], overrides=overrides)) == ["08:00"]


def test_a_day_off_with_ranges_replaces_the_weekly_hours():
    overrides = [DateOverride(MONDAY, day_off=True), DateOverride(MONDAY, ranges=(TimeRange(time(15), time(16)),))]
    assert local_times(slots_on(MONDAY, overrides=overrides)) == ["15:00"]


def test_an_empty_or_reversed_date_range_gives_nothing():
    assert (
        free_slots(
            zone=BERLIN,
            rules=daily(time(9), time(12)),
            duration_minutes=30,
            now=utc(2000, 1, 1),
            start_on=MONDAY,
            end_on=MONDAY - timedelta(days=1),
        )
        == []
    )


def test_bad_input_is_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="not after start"):
        WeeklyRule(0, time(10), time(9))
    with pytest.raises(ValueError, match="weekday"):
        WeeklyRule(7, time(9), time(10))
    with pytest.raises(ValueError, match="before it starts"):
        BusyInterval(utc(2025, 1, 1, 10), utc(2025, 1, 1, 9))
    with pytest.raises(ValueError, match="aware"):
        BusyInterval(datetime(2025, 1, 1, 9), utc(2025, 1, 1, 10))
    with pytest.raises(ValueError, match="aware"):
        slots_on(MONDAY, now=datetime(2025, 1, 1))
    with pytest.raises(ValueError, match="time zone"):
        slots_on(MONDAY, zone="Mars/Olympus_Mons")
    with pytest.raises(ValueError, match="positive"):
        SlotSettings(slot_increment_minutes=0)


# --- DST in the specialist's zone ----------------------------------------------------------------

# (zone, local date of the change, offset before, offset after), hours east of UTC.
CHANGES = [
    pytest.param(BERLIN, date(2025, 3, 30), 1, 2, id="berlin-spring"),
    pytest.param(BERLIN, date(2025, 10, 26), 2, 1, id="berlin-fall"),
    pytest.param(NEW_YORK, date(2025, 3, 9), -5, -4, id="new-york-spring"),
    pytest.param(NEW_YORK, date(2025, 11, 2), -4, -5, id="new-york-fall"),
    pytest.param(SYDNEY, date(2025, 10, 5), 10, 11, id="sydney-spring"),
    pytest.param(SYDNEY, date(2025, 4, 6), 11, 10, id="sydney-fall"),
    pytest.param(SAO_PAULO, date(2018, 11, 4), -3, -2, id="sao-paulo-spring"),
    pytest.param(SAO_PAULO, date(2019, 2, 16), -2, -3, id="sao-paulo-fall"),  # 24:00 → 23:00 on the 16th
]


@pytest.mark.parametrize(("zone", "change_on", "before", "after"), CHANGES)
def test_a_nine_oclock_slot_stays_at_nine_local_on_both_sides_of_the_change(zone, change_on, before, after):
    days = [change_on - timedelta(days=1), change_on, change_on + timedelta(days=1)]
    slots = free_slots(
        zone=zone, rules=daily(time(9), time(10)), duration_minutes=60, now=utc(2000, 1, 1),
        start_on=days[0], end_on=days[-1], settings=SlotSettings(horizon_days=100_000),
    )  # fmt: skip
    assert local_times(slots, zone) == ["09:00", "09:00", "09:00"]
    offsets = [before, after, after] if change_on.day != 16 else [before, before, after]
    expected = [
        datetime.combine(day, time(9), tzinfo=UTC) - timedelta(hours=hours)
        for day, hours in zip(days, offsets, strict=True)
    ]
    assert slots == expected


@pytest.mark.parametrize(("zone", "change_on", "before", "after"), CHANGES)
def test_a_night_range_across_the_change_has_its_real_length_and_no_slot_in_the_gap(zone, change_on, before, after):
    # Sao Paulo changed at midnight: a range from 22:00 the evening before (spring) or of that day (fall) covers it.
    if zone is SAO_PAULO:
        evening = change_on - timedelta(days=1) if after > before else change_on
        overrides = [
            DateOverride(evening, ranges=(TimeRange(time(22), time(0)),)),
            DateOverride(evening + timedelta(days=1), ranges=(TimeRange(time(0), time(4)),)),
        ]
        start = datetime.combine(evening, time(22), tzinfo=UTC) - timedelta(hours=before)
    else:
        evening = change_on
        overrides = [DateOverride(change_on, ranges=(TimeRange(time(0), time(6)),))]
        start = datetime.combine(change_on, time(0), tzinfo=UTC) - timedelta(hours=before)
    slots = free_slots(
        zone=zone, rules=[], overrides=overrides, duration_minutes=30, now=utc(2000, 1, 1),
        start_on=evening, end_on=evening + timedelta(days=1), settings=SlotSettings(horizon_days=100_000, slot_increment_minutes=30),
    )  # fmt: skip
    wall_hours = 6
    real_hours = wall_hours - (after - before)
    assert len(slots) == real_hours * 2
    assert slots == [start + timedelta(minutes=30 * index) for index in range(real_hours * 2)]
    for slot in slots:
        local = slot.astimezone(zone)
        # The wall-clock reading maps back to the same instant: it is not in a gap.
        assert local.replace(tzinfo=None).replace(tzinfo=zone, fold=local.fold).astimezone(UTC) == slot


def test_berlin_spring_forward_starts_in_utc():
    overrides = [DateOverride(date(2025, 3, 30), ranges=(TimeRange(time(1), time(4)),))]
    slots = slots_on(date(2025, 3, 30), rules=[], overrides=overrides, duration_minutes=30)
    assert slots == [utc(2025, 3, 30, 0, 0), utc(2025, 3, 30, 0, 30), utc(2025, 3, 30, 1, 0), utc(2025, 3, 30, 1, 30)]
    assert local_times(slots) == ["01:00", "01:30", "03:00", "03:30"]


def test_new_york_fall_back_offers_both_occurrences_of_the_repeated_hour():
    overrides = [DateOverride(date(2025, 11, 2), ranges=(TimeRange(time(0), time(3)),))]
    slots = slots_on(
        date(2025, 11, 2),
        zone=NEW_YORK,
        rules=[],
        overrides=overrides,
        settings=SlotSettings(horizon_days=100_000, slot_increment_minutes=60),
    )
    assert slots == [utc(2025, 11, 2, 4), utc(2025, 11, 2, 5), utc(2025, 11, 2, 6), utc(2025, 11, 2, 7)]
    assert local_times(slots, NEW_YORK) == ["00:00", "01:00", "01:00", "02:00"]
    assert [slot.astimezone(NEW_YORK).fold for slot in slots] == [0, 0, 1, 0]


def test_a_range_starting_in_the_gap_starts_when_the_clocks_jump():
    overrides = [DateOverride(date(2025, 3, 30), ranges=(TimeRange(time(2, 30), time(4)),))]
    slots = slots_on(date(2025, 3, 30), rules=[], overrides=overrides, duration_minutes=30)
    assert slots == [utc(2025, 3, 30, 1, 0), utc(2025, 3, 30, 1, 30)]  # 03:00 and 03:30 CEST


def test_a_range_ending_in_the_gap_ends_when_the_clocks_jump():
    overrides = [DateOverride(date(2025, 3, 9), ranges=(TimeRange(time(1), time(2, 30)),))]
    slots = slots_on(date(2025, 3, 9), zone=NEW_YORK, rules=[], overrides=overrides, duration_minutes=60)
    assert slots == [utc(2025, 3, 9, 6)]  # 01:00 EST; the range is one real hour long


def test_a_range_inside_the_gap_gives_nothing():
    overrides = [DateOverride(date(2025, 3, 30), ranges=(TimeRange(time(2), time(2, 45)),))]
    assert slots_on(date(2025, 3, 30), rules=[], overrides=overrides, duration_minutes=15) == []


def test_an_ambiguous_range_boundary_means_its_first_occurrence():
    day = date(2025, 11, 2)
    starts_ambiguous = [DateOverride(day, ranges=(TimeRange(time(1, 30), time(3)),))]
    slots = slots_on(day, zone=NEW_YORK, rules=[], overrides=starts_ambiguous, duration_minutes=30)
    assert slots[0] == utc(2025, 11, 2, 5, 30)  # 01:30 EDT
    assert len(slots) == 5  # 01:30 EDT to 03:00 EST is 2.5 real hours

    ends_ambiguous = [DateOverride(day, ranges=(TimeRange(time(0), time(1, 30)),))]
    slots = slots_on(day, zone=NEW_YORK, rules=[], overrides=ends_ambiguous, duration_minutes=30)
    assert slots[-1] == utc(2025, 11, 2, 5, 0)  # the last session ends at 01:30 EDT


def test_pacific_apia_skipped_a_whole_day():
    slots = free_slots(
        zone="Pacific/Apia", rules=daily(time(9), time(10)), duration_minutes=60, now=utc(2000, 1, 1),
        start_on=date(2011, 12, 29), end_on=date(2011, 12, 31), settings=SlotSettings(horizon_days=100_000),
    )  # fmt: skip
    assert [slot.astimezone(zoneinfo.ZoneInfo("Pacific/Apia")).date() for slot in slots] == [
        date(2011, 12, 29),
        date(2011, 12, 31),
    ]


# --- display and typed local times ---------------------------------------------------------------


def test_slots_are_grouped_by_the_viewers_local_day():
    slots = [utc(2025, 1, 13, 4, 0), utc(2025, 1, 13, 5, 30), utc(2025, 1, 13, 15, 0)]
    in_new_york = group_by_local_day(slots, "America/New_York")
    assert list(in_new_york) == [date(2025, 1, 12), date(2025, 1, 13)]
    assert [moment.strftime("%H:%M") for moment in in_new_york[date(2025, 1, 12)]] == ["23:00"]
    assert in_new_york[date(2025, 1, 13)] == slots[1:]  # the same instants
    in_tokyo = group_by_local_day(slots, zoneinfo.ZoneInfo("Asia/Tokyo"))
    assert list(in_tokyo) == [date(2025, 1, 13), date(2025, 1, 14)]


def test_a_patient_in_another_zone_sees_the_specialists_nine_oclock_move_across_their_change():
    """Berlin changes on 30 March, New York on 9 March: between them the gap is 5 hours, not 6."""
    slots = free_slots(
        zone=BERLIN, rules=daily(time(9), time(10)), duration_minutes=60, now=utc(2000, 1, 1),
        start_on=date(2025, 3, 8), end_on=date(2025, 3, 31), settings=SlotSettings(horizon_days=100_000),
    )  # fmt: skip
    days = group_by_local_day(slots, NEW_YORK)
    assert days[date(2025, 3, 8)][0].strftime("%H:%M") == "03:00"
    assert days[date(2025, 3, 10)][0].strftime("%H:%M") == "04:00"
    assert days[date(2025, 3, 31)][0].strftime("%H:%M") == "03:00"


def test_a_typed_local_time_becomes_aware_utc():
    assert validate_local_start(date(2025, 7, 1), time(9), "Europe/Berlin") == utc(2025, 7, 1, 7)
    assert validate_local_start(date(2025, 7, 1), time(9), SYDNEY) == utc(2025, 6, 30, 23)


@pytest.mark.parametrize(
    ("zone", "day", "wall"),
    [
        ("Europe/Berlin", date(2025, 3, 30), time(2, 30)),
        ("America/New_York", date(2025, 3, 9), time(2, 0)),
        ("Australia/Sydney", date(2025, 10, 5), time(2, 59)),
        ("America/Sao_Paulo", date(2018, 11, 4), time(0, 15)),
    ],
)
def test_a_typed_local_time_in_the_gap_is_refused(zone, day, wall):
    with pytest.raises(ValueError, match=r"does not exist .* clocks go forward"):
        validate_local_start(day, wall, zone)


@pytest.mark.parametrize(
    ("zone", "day", "wall"),
    [
        ("Europe/Berlin", date(2025, 10, 26), time(2, 30)),
        ("America/New_York", date(2025, 11, 2), time(1, 0)),
        ("Australia/Sydney", date(2025, 4, 6), time(2, 15)),
        ("America/Sao_Paulo", date(2019, 2, 16), time(23, 30)),
    ],
)
def test_a_typed_local_time_that_happens_twice_is_refused(zone, day, wall):
    with pytest.raises(ValueError, match=r"happens twice .* clocks go back"):
        validate_local_start(day, wall, zone)


def test_a_typed_local_time_next_to_the_change_is_fine():
    assert validate_local_start(date(2025, 3, 30), time(3, 0), "Europe/Berlin") == utc(2025, 3, 30, 1)
    assert validate_local_start(date(2025, 10, 26), time(3, 0), "Europe/Berlin") == utc(2025, 10, 26, 2)


# --- properties over many zones and dates --------------------------------------------------------

ZONES = [
    "UTC",
    "Europe/Berlin",
    "Europe/London",
    "Europe/Dublin",  # negative DST in the tz database
    "Europe/Moscow",
    "Africa/Casablanca",  # DST suspended each Ramadan
    "Africa/Cairo",
    "Asia/Tehran",  # +03:30, DST until 2022
    "Asia/Kabul",  # +04:30
    "Asia/Kolkata",  # +05:30
    "Asia/Kathmandu",  # +05:45
    "Asia/Yangon",  # +06:30
    "Asia/Gaza",
    "Asia/Tokyo",
    "Australia/Eucla",  # +08:45
    "Australia/Adelaide",  # +09:30 / +10:30
    "Australia/Darwin",
    "Australia/Sydney",
    "Australia/Lord_Howe",  # 30-minute DST
    "Pacific/Chatham",  # +12:45 / +13:45
    "Pacific/Auckland",
    "Pacific/Apia",  # skipped 30 December 2011
    "Pacific/Kiritimati",  # +14
    "Pacific/Marquesas",  # -09:30
    "America/St_Johns",  # -03:30 / -02:30
    "America/New_York",
    "America/Los_Angeles",
    "America/Havana",  # changes at midnight
    "America/Santiago",
    "America/Sao_Paulo",  # changed at midnight until 2019
    "America/Caracas",  # -04:30 until 2016
    "America/Nuuk",
]
INCREMENTS = [5, 10, 15, 20, 25, 30, 45, 50, 60]
DURATIONS = [15, 20, 30, 45, 50, 60, 90]


@cache
def transitions(zone_name: str) -> list[tuple[date, time, time]]:
    """Offset changes in 2008-2032: local date and wall-clock time just before and at each change."""
    zone = zoneinfo.ZoneInfo(zone_name)
    found = []
    moment = utc(2008, 1, 1)
    offset = moment.astimezone(zone).utcoffset()
    while moment.year < 2033:
        later = moment + timedelta(hours=6)
        new = later.astimezone(zone).utcoffset()
        if new != offset:
            low, high = moment, later  # the change is in (low, high]
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                if middle.astimezone(zone).utcoffset() == offset:
                    low = middle
                else:
                    high = middle
            before, after = (high + offset).replace(tzinfo=None), high.astimezone(zone)
            found.append((before.date(), before.time(), after.time()))
            offset = new
        moment = later
    return found


@cache
def changes(zone_name: str) -> list[date]:
    return [day for day, _, _ in transitions(zone_name)]


def wall_time(minutes: int) -> time:
    """Minutes after midnight as a wall-clock time; 24:00 becomes 00:00 (midnight, the end of the day)."""
    return time((minutes // 60) % 24, minutes % 60)


@st.composite
def wall_range(draw) -> tuple[time, time]:
    night = draw(st.booleans())
    start = draw(st.integers(0, 5 * 12 if night else 24 * 12 - 1)) * 5
    length = draw(st.integers(1, (24 * 60 - start) // 5)) * 5
    end = start + length
    return time(start // 60, start % 60), time(0) if end == 24 * 60 else time(end // 60, end % 60)


@st.composite
def scenarios(draw) -> dict:
    zone_name = draw(st.sampled_from(ZONES))
    change = draw(st.sampled_from(transitions(zone_name))) if transitions(zone_name) and draw(st.booleans()) else None
    if change:
        first = change[0] - timedelta(days=draw(st.integers(0, 3)))
    else:
        first = draw(st.dates(date(2008, 1, 1), date(2032, 12, 31)))
    last = first + timedelta(days=draw(st.integers(0, 6)))
    rules = [WeeklyRule(draw(st.integers(0, 6)), *draw(wall_range())) for _ in range(draw(st.integers(0, 6)))]
    overrides = []
    for _ in range(draw(st.integers(0, 3))):
        on = first + timedelta(days=draw(st.integers(0, 6)))
        ranges = tuple(TimeRange(*draw(wall_range())) for _ in range(draw(st.integers(0, 2))))
        overrides.append(DateOverride(on, ranges=ranges, day_off=draw(st.booleans())))
    if change:
        # Extra hours that start or end right around the change: in the gap, in the repeated hour, or just beside.
        day, *walls = change

        def near() -> int:
            wall = draw(st.sampled_from(walls))
            return min(max(wall.hour * 60 + wall.minute + draw(st.integers(-12, 12)) * 5, 0), 24 * 60)

        start = near()
        end = near() if draw(st.booleans()) else min(start + draw(st.integers(1, 72)) * 5, 24 * 60)
        start, end = min(start, end), max(start, end)
        if start < end:
            overrides.append(DateOverride(day, ranges=(TimeRange(wall_time(start), wall_time(end)),)))
    base = datetime.combine(first, time(0), tzinfo=UTC)
    busy = []
    for _ in range(draw(st.integers(0, 12))):
        start = base + timedelta(minutes=draw(st.integers(-24 * 60, 9 * 24 * 60)))
        busy.append(BusyInterval(start, start + timedelta(minutes=draw(st.integers(5, 240)))))
    now = base + timedelta(
        minutes=draw(st.integers(-3 * 24 * 60, 0 if change else 24 * 60)),
        microseconds=draw(st.sampled_from([0, 1, 999_999])),
    )
    options = SlotSettings(
        buffer_before_minutes=draw(st.sampled_from([0, 5, 10, 15, 30])),
        buffer_after_minutes=draw(st.sampled_from([0, 5, 10, 15, 30])),
        minimum_notice_minutes=draw(st.sampled_from([0, 30, 120, 24 * 60])),
        horizon_days=draw(st.integers(7 if change else 0, 21)),
        slot_increment_minutes=draw(st.sampled_from(INCREMENTS)),
    )
    return {
        "zone": zone_name,
        "rules": rules,
        "overrides": overrides,
        "busy": busy,
        "settings": options,
        "duration_minutes": draw(st.sampled_from(DURATIONS)),
        "now": now,
        "start_on": first,
        "end_on": last,
    }


def resolve(day: date, wall: time, zone: zoneinfo.ZoneInfo) -> datetime:
    """Oracle: a wall-clock time's instant, found by walking minutes when it is in a gap."""
    local = datetime.combine(day, wall, tzinfo=zone)
    if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None):
        return local.astimezone(UTC)
    moment = min(local.astimezone(UTC), local.replace(fold=1).astimezone(UTC))
    while moment.astimezone(zone).replace(tzinfo=None) < local.replace(tzinfo=None):
        moment += timedelta(minutes=1)
    return moment


def windows(scenario: dict, day: date) -> list[tuple[datetime, datetime]]:
    """Oracle: the instants [start, end) of every range on a local date."""
    zone = zoneinfo.ZoneInfo(scenario["zone"])
    day_off = any(item.on == day and item.day_off for item in scenario["overrides"])
    hours = [] if day_off else [(rule.start, rule.end) for rule in scenario["rules"] if rule.weekday == day.weekday()]
    hours += [
        (item.start, item.end) for override in scenario["overrides"] if override.on == day for item in override.ranges
    ]
    found = []
    for start, end in hours:
        end_at = resolve(day + timedelta(days=1), end, zone) if end == time(0) else resolve(day, end, zone)
        found.append((resolve(day, start, zone), end_at))
    return found


def expected_slots(scenario: dict) -> list[datetime]:
    """Oracle: every grid start of every range, checked against every busy interval (O(n·m))."""
    options = scenario["settings"]
    duration = timedelta(minutes=scenario["duration_minutes"])
    step = timedelta(minutes=options.slot_increment_minutes)
    before, after = timedelta(minutes=options.buffer_before_minutes), timedelta(minutes=options.buffer_after_minutes)
    earliest = scenario["now"] + timedelta(minutes=options.minimum_notice_minutes)
    latest = scenario["now"] + timedelta(days=options.horizon_days)
    found = set()
    day = scenario["start_on"]
    while day <= scenario["end_on"]:
        for start_at, end_at in windows(scenario, day):
            moment = start_at
            while moment + duration <= end_at:
                clash = any(
                    moment - before < item.end_at + after and moment + duration + after > item.start_at - before
                    for item in scenario["busy"]
                )
                if earliest <= moment < latest and not clash:
                    found.add(moment)
                moment += step
        day += timedelta(days=1)
    return sorted(found)


PROPERTY_SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# Newfoundland fell back at 00:01 until 2011: a range from 00:00 on 2 Nov 2008 runs on past 23:01 of 1 Nov.
ST_JOHNS_FALL_BACK = {
    "zone": "America/St_Johns",
    "rules": [],
    "overrides": [DateOverride(on=date(2008, 11, 2), ranges=(TimeRange(time(0), time(0, 5)),), day_off=False)],
    "busy": [],
    "settings": SlotSettings(minimum_notice_minutes=0, horizon_days=7, slot_increment_minutes=5),
    "duration_minutes": 15,
    "now": utc(2008, 11, 2),
    "start_on": date(2008, 11, 2),
    "end_on": date(2008, 11, 2),
}


@PROPERTY_SETTINGS
@given(scenarios())
@example(ST_JOHNS_FALL_BACK)
def test_every_slot_keeps_the_promises(scenario):
    slots = free_slots(**scenario)
    zone = zoneinfo.ZoneInfo(scenario["zone"])
    options = scenario["settings"]
    duration = timedelta(minutes=scenario["duration_minutes"])
    step = timedelta(minutes=options.slot_increment_minutes)
    before, after = timedelta(minutes=options.buffer_before_minutes), timedelta(minutes=options.buffer_after_minutes)

    assert all(slot.tzinfo is UTC for slot in slots)
    assert slots == sorted(set(slots))
    for slot in slots:
        assert scenario["now"] + timedelta(minutes=options.minimum_notice_minutes) <= slot
        assert slot < scenario["now"] + timedelta(days=options.horizon_days)
        for item in scenario["busy"]:
            assert slot + duration + after <= item.start_at - before or slot - before >= item.end_at + after
        local = slot.astimezone(zone)
        # The wall-clock start exists in the zone: reading it back gives the same instant.
        assert (
            datetime.combine(local.date(), local.time(), tzinfo=zone).replace(fold=local.fold).astimezone(UTC) == slot
        )
        # Inside one range of an asked-for date, on its grid. The range's date is the slot's local date,
        # the day before (a range ending at midnight) or the day after (a fall-back just after midnight,
        # as St John's had until 2011, turns the clock back into the previous date).
        dates = [local.date() + timedelta(days=shift) for shift in (-1, 0, 1)]
        ranges_of = [
            day
            for day in dates
            for start, end in windows(scenario, day)
            if start <= slot and slot + duration <= end and (slot - start) % step == timedelta(0)
        ]
        assert ranges_of
        assert any(scenario["start_on"] <= day <= scenario["end_on"] for day in ranges_of)


@PROPERTY_SETTINGS
@given(scenarios())
def test_the_engine_finds_exactly_the_slots_a_brute_force_search_finds(scenario):
    slots = free_slots(**scenario)
    event("some slots" if slots else "no slots")
    crosses = any(scenario["start_on"] <= day <= scenario["end_on"] for day in changes(scenario["zone"]))
    event("dates include an offset change" if crosses else "no offset change")
    assert slots == expected_slots(scenario)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(ZONES), st.sampled_from(ZONES), st.dates(date(2008, 1, 1), date(2032, 12, 31)))
def test_grouping_by_local_day_keeps_every_slot_once_in_its_viewers_day(specialist_zone, viewer_zone, first):
    slots = free_slots(
        zone=specialist_zone, rules=daily(time(0), time(0)), duration_minutes=60, now=utc(2000, 1, 1),
        start_on=first, end_on=first + timedelta(days=2), settings=SlotSettings(horizon_days=100_000, slot_increment_minutes=45),
    )  # fmt: skip
    days = group_by_local_day(slots, viewer_zone)
    # Compared in UTC: PEP 495 makes a local time in a repeated hour unequal to any other zone's datetime.
    flat = [moment.astimezone(UTC) for moments in days.values() for moment in moments]
    assert flat == slots
    assert all(
        moment.date() == day and moment.tzinfo.key == viewer_zone for day, moments in days.items() for moment in moments
    )


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(ZONES), st.dates(date(2008, 1, 1), date(2032, 12, 31)), st.times(), st.booleans())
def test_a_typed_local_time_is_accepted_exactly_when_it_names_one_instant(zone_name, day, wall, on_change):
    zone = zoneinfo.ZoneInfo(zone_name)
    if on_change and changes(zone_name):
        day = changes(zone_name)[day.toordinal() % len(changes(zone_name))]
        wall = wall.replace(hour=wall.hour % 4)  # most changes happen between midnight and 04:00
    wall = wall.replace(fold=0)
    readings = {
        datetime.combine(day, wall, tzinfo=zone).replace(fold=fold).astimezone(UTC)
        for fold in (0, 1)
        if datetime.combine(day, wall, tzinfo=zone)
        .replace(fold=fold)
        .astimezone(UTC)
        .astimezone(zone)
        .replace(tzinfo=None)
        == datetime.combine(day, wall)
    }
    event({0: "nonexistent", 1: "one instant", 2: "ambiguous"}[len(readings)])
    if len(readings) == 1:
        assert validate_local_start(day, wall, zone) == readings.pop()
    else:
        with pytest.raises(ValueError, match="does not exist" if not readings else "happens twice"):
            validate_local_start(day, wall, zone)
