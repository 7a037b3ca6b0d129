"""Working hours, overrides, booking settings, the feed and the
organization's policy (booking/services/availability.py), and the
calendar's reads (booking/calendar.py): the week laid out by wall-clock
time, across daylight-saving changes too."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from booking import calendar, selectors
from booking.forms.availability import parse_day_ranges
from booking.models import AvailabilityOverride, AvailabilityRule, BookingPolicy, BookingSettings, CalendarFeed
from booking.services import (
    appointment_cancel,
    appointment_create,
    availability_override_add,
    availability_override_delete,
    availability_rules_replace,
    booking_policy_update,
    booking_settings_update,
    calendar_feed_create,
    calendar_feed_revoke,
    check_day_ranges,
)
from booking.states import AppointmentStatus
from core import events
from core.models import JourneyEvent
from tests.accounts.factories import UserFactory
from tests.booking.factories import (
    AppointmentFactory,
    AvailabilityOverrideFactory,
    AvailabilityRuleFactory,
    BookingSettingsFactory,
    ProposalFactory,
)
from tests.organizations.factories import OrganizationFactory
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

pytestmark = pytest.mark.django_db

S = AppointmentStatus
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)  # a Sunday; Berlin is UTC+1
MONDAY = date(2026, 3, 2)


@pytest.fixture
def specialist():
    return SpecialistProfileFactory(user__timezone="Europe/Berlin")


@pytest.fixture
def changed():
    """The specialist ids `availability_changed` was sent for."""
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs["specialist_id"])

    events.availability_changed.connect(receiver, weak=False)
    yield received
    events.availability_changed.disconnect(receiver)


def t(text: str) -> time:
    return time.fromisoformat(text)


def at(day: date, clock: str, zone: str = "Europe/Berlin") -> datetime:
    from zoneinfo import ZoneInfo

    return datetime.combine(day, t(clock), tzinfo=ZoneInfo(zone)).astimezone(UTC)


# --- Day ranges ---------------------------------------------------------------------


def test_ranges_of_a_day_come_back_sorted_and_may_touch():
    assert check_day_ranges([(t("13:00"), t("17:00")), (t("09:00"), t("13:00"))]) == [
        (t("09:00"), t("13:00")),
        (t("13:00"), t("17:00")),
    ]


@pytest.mark.parametrize(
    ("ranges", "code", "words"),
    [
        ([("09:00", "12:00"), ("11:00", "13:00")], "overlap", "09:00-12:00 overlaps 11:00-13:00"),
        ([("12:00", "09:00")], "order", "12:00-09:00 ends before it starts"),
        ([("09:00", "09:00")], "order", "ends before it starts"),
        ([("20:00", "00:00"), ("21:00", "22:00")], "overlap", "20:00-00:00 overlaps 21:00-22:00"),
        ([(f"{h:02d}:00", f"{h:02d}:30") for h in range(7)], "too_many", "at most 6 ranges"),
    ],
)
def test_bad_ranges_of_a_day_are_refused_with_a_clear_message(ranges, code, words):
    with pytest.raises(ValidationError) as error:
        check_day_ranges([(t(a), t(b)) for a, b in ranges])
    assert code in [item.code for item in error.value.error_list]
    assert any(words in message for message in error.value.messages)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("off", []),
        ("9-12", [("09:00", "12:00")]),
        ("09:00-12:30, 13:00 \u2013 17:00", [("09:00", "12:30"), ("13:00", "17:00")]),
        ("8:15 to 9:45; 10:00-11:00", [("08:15", "09:45"), ("10:00", "11:00")]),
        ("20:00-24:00", [("20:00", "00:00")]),  # midnight, the end of the day
    ],
)
def test_typed_hours_are_parsed_strictly(text, expected):
    assert parse_day_ranges(text) == [(t(a), t(b)) for a, b in expected]


@pytest.mark.parametrize("text", ["9am-5pm", "09:00", "25:00-26:00", "09:60-10:00", "09:00-12:00-13:00", "24:00-01:00"])
def test_anything_else_typed_is_refused(text):
    with pytest.raises(ValidationError):
        parse_day_ranges(text)


# --- Weekly hours --------------------------------------------------------------------


def test_weekly_hours_replace_the_old_ones_and_announce_the_change(
    specialist, changed, django_capture_on_commit_callbacks
):
    AvailabilityRuleFactory(specialist=specialist, weekday=4, start_time="08:00", end_time="10:00")
    other = AvailabilityRuleFactory(weekday=0)
    with django_capture_on_commit_callbacks(execute=True):
        availability_rules_replace(
            specialist=specialist,
            rules=[(0, t("09:00"), t("12:00")), (0, t("13:00"), t("17:00")), (2, t("10:00"), t("14:00"))],
            by=specialist.user,
        )
        assert changed == []
    stored = [(r.weekday, r.start_time, r.end_time) for r in AvailabilityRule.objects.filter(specialist=specialist)]
    assert stored == [(0, t("09:00"), t("12:00")), (0, t("13:00"), t("17:00")), (2, t("10:00"), t("14:00"))]
    assert AvailabilityRule.objects.filter(pk=other.pk).exists()
    assert changed == [specialist.pk]
    journey = JourneyEvent.objects.get(verb="availability.hours_changed")
    assert (journey.actor, journey.object_public_id, journey.data) == (
        specialist.user,
        specialist.public_id,
        {"ranges": 3},
    )


def test_weekly_hours_with_a_bad_day_store_nothing_and_say_which_day(specialist, changed):
    AvailabilityRuleFactory(specialist=specialist, weekday=4, start_time="08:00", end_time="10:00")
    with pytest.raises(ValidationError) as error:
        availability_rules_replace(
            specialist=specialist,
            rules=[(0, t("09:00"), t("12:00")), (1, t("09:00"), t("12:00")), (1, t("11:00"), t("13:00"))],
            by=specialist.user,
        )
    assert set(error.value.message_dict) == {"tuesday"}
    assert [(r.weekday, r.start_time) for r in AvailabilityRule.objects.filter(specialist=specialist)] == [
        (4, t("08:00"))
    ]
    assert changed == []


def test_an_empty_week_clears_the_weekly_hours(specialist):
    AvailabilityRuleFactory(specialist=specialist)
    availability_rules_replace(specialist=specialist, rules=[], by=specialist.user)
    assert not AvailabilityRule.objects.filter(specialist=specialist).exists()


def test_an_unknown_weekday_is_refused(specialist):
    with pytest.raises(ValidationError):
        availability_rules_replace(specialist=specialist, rules=[(7, t("09:00"), t("10:00"))], by=specialist.user)


# --- Overrides -------------------------------------------------------------------------


def test_a_whole_day_off_removes_that_dates_free_times(specialist, changed, django_capture_on_commit_callbacks):
    offering = OfferingFactory(specialist=specialist, duration_minutes=50)
    AvailabilityRuleFactory(specialist=specialist, weekday=0, start_time="09:00", end_time="12:00")
    BookingSettingsFactory(specialist=specialist, minimum_notice_minutes=0)
    assert selectors.free_slots_for_offering(offering=offering, start_on=MONDAY, end_on=MONDAY, now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        override = availability_override_add(
            specialist=specialist, date_on=MONDAY, kind="day_off", note=" Conference ", by=specialist.user, now=NOW
        )
    assert (override.start_time, override.end_time, override.note) == (None, None, "Conference")
    assert selectors.free_slots_for_offering(offering=offering, start_on=MONDAY, end_on=MONDAY, now=NOW) == []
    assert changed == [specialist.pk]
    assert JourneyEvent.objects.filter(verb="availability.day_off_added", actor=specialist.user).exists()


def test_extra_hours_add_free_times_on_that_date(specialist):
    offering = OfferingFactory(specialist=specialist, duration_minutes=50)
    BookingSettingsFactory(specialist=specialist, minimum_notice_minutes=0, slot_increment_minutes=60)
    availability_override_add(
        specialist=specialist,
        date_on=MONDAY,
        kind="extra_hours",
        start_time=t("18:00"),
        end_time=t("20:00"),
        by=specialist.user,
        now=NOW,
    )
    slots = selectors.free_slots_for_offering(offering=offering, start_on=MONDAY, end_on=MONDAY, now=NOW)
    assert slots == [at(MONDAY, "18:00"), at(MONDAY, "19:00")]


def test_a_day_off_for_some_hours_keeps_a_range(specialist):
    override = availability_override_add(
        specialist=specialist,
        date_on=MONDAY,
        kind="day_off",
        start_time=t("09:00"),
        end_time=t("10:00"),
        by=specialist.user,
        now=NOW,
    )
    assert (override.start_time, override.end_time) == (t("09:00"), t("10:00"))


@pytest.mark.parametrize(
    ("kwargs", "field", "code"),
    [
        ({"date_on": date(2026, 2, 28)}, "date_on", "past"),
        ({"date_on": date(2027, 6, 1)}, "date_on", "too_far"),
        ({"kind": "holiday"}, "kind", "kind"),
        ({"kind": "extra_hours"}, "start_time", "range_required"),
        ({"start_time": t("09:00")}, "end_time", "half_range"),
        ({"end_time": t("09:00")}, "start_time", "half_range"),
        ({"start_time": t("12:00"), "end_time": t("09:00")}, "end_time", "order"),
        ({"note": "x" * 121}, "note", "note_length"),
    ],
)
def test_bad_overrides_are_refused_and_store_nothing(specialist, changed, kwargs, field, code):
    arguments = {"date_on": MONDAY, "kind": "day_off", **kwargs}
    with pytest.raises(ValidationError) as error:
        availability_override_add(specialist=specialist, by=specialist.user, now=NOW, **arguments)
    assert field in error.value.error_dict
    assert code in [item.code for item in error.value.error_dict[field]]
    assert not AvailabilityOverride.objects.exists()
    assert changed == []


def test_the_same_override_twice_is_refused(specialist):
    availability_override_add(specialist=specialist, date_on=MONDAY, kind="day_off", by=specialist.user, now=NOW)
    with pytest.raises(ValidationError) as error:
        availability_override_add(specialist=specialist, date_on=MONDAY, kind="day_off", by=specialist.user, now=NOW)
    assert error.value.error_dict["date_on"][0].code == "duplicate"
    availability_override_add(
        specialist=specialist,
        date_on=MONDAY,
        kind="extra_hours",
        start_time=t("18:00"),
        end_time=t("19:00"),
        by=specialist.user,
        now=NOW,
    )
    assert AvailabilityOverride.objects.count() == 2


def test_today_and_the_past_are_judged_in_the_specialists_zone(specialist):
    late_sunday_utc = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # already Monday 00:30 in Berlin
    with pytest.raises(ValidationError):
        availability_override_add(
            specialist=specialist, date_on=date(2026, 3, 1), kind="day_off", by=specialist.user, now=late_sunday_utc
        )
    availability_override_add(
        specialist=specialist, date_on=date(2026, 3, 2), kind="day_off", by=specialist.user, now=late_sunday_utc
    )


def test_removing_an_override_announces_the_change(specialist, changed, django_capture_on_commit_callbacks):
    override = AvailabilityOverrideFactory(specialist=specialist)
    with django_capture_on_commit_callbacks(execute=True):
        availability_override_delete(override=override, by=specialist.user)
    assert not AvailabilityOverride.objects.exists()
    assert changed == [specialist.pk]


# --- Booking settings --------------------------------------------------------------------

GOOD_SETTINGS = {
    "buffer_before_minutes": 5,
    "buffer_after_minutes": 15,
    "minimum_notice_minutes": 120,
    "horizon_days": 90,
    "slot_increment_minutes": 15,
    "cancellation_window_hours": 48,
}


def test_booking_settings_are_created_then_updated(specialist, changed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking_settings_update(specialist=specialist, by=specialist.user, **GOOD_SETTINGS)
    stored = BookingSettings.objects.get(specialist=specialist)
    assert {name: getattr(stored, name) for name in GOOD_SETTINGS} == GOOD_SETTINGS
    assert selectors.cancellation_window_hours(specialist) == 48
    booking_settings_update(
        specialist=specialist, by=specialist.user, **{**GOOD_SETTINGS, "cancellation_window_hours": None}
    )
    assert BookingSettings.objects.get(specialist=specialist).cancellation_window_hours is None
    assert selectors.cancellation_window_hours(specialist) == 24  # the organization's default
    assert changed == [specialist.pk]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("buffer_before_minutes", -1),
        ("buffer_after_minutes", 241),
        ("minimum_notice_minutes", 30 * 24 * 60 + 1),
        ("horizon_days", 0),
        ("horizon_days", 366),
        ("slot_increment_minutes", 4),
        ("slot_increment_minutes", 241),
        ("cancellation_window_hours", 337),
        ("horizon_days", None),
        ("horizon_days", "30"),
    ],
)
def test_booking_settings_out_of_range_are_refused(specialist, name, value):
    BookingSettingsFactory(specialist=specialist, horizon_days=30)
    with pytest.raises(ValidationError) as error:
        booking_settings_update(specialist=specialist, by=specialist.user, **{**GOOD_SETTINGS, name: value})
    assert set(error.value.error_dict) == {name}
    assert BookingSettings.objects.get(specialist=specialist).horizon_days == 30


# --- The feed ---------------------------------------------------------------------------------


def test_a_feed_gets_a_long_random_token_and_a_new_one_replaces_it(specialist):
    feed = calendar_feed_create(specialist=specialist, by=specialist.user)
    assert len(feed.token) >= 43
    first = feed.token
    again = calendar_feed_create(specialist=specialist, by=specialist.user)
    assert again.pk == feed.pk and again.token != first
    assert list(CalendarFeed.objects.values_list("token", flat=True)) == [again.token]
    assert calendar_feed_revoke(specialist=specialist, by=specialist.user) is True
    assert not CalendarFeed.objects.exists()
    assert calendar_feed_revoke(specialist=specialist, by=specialist.user) is False
    verbs = list(JourneyEvent.objects.filter(verb__startswith="calendar_feed").values_list("verb", flat=True))
    assert sorted(verbs) == ["calendar_feed.created", "calendar_feed.regenerated", "calendar_feed.revoked"]


def test_the_feed_shows_commitments_and_drops_what_ended(specialist):
    offering = OfferingFactory(specialist=specialist)
    patient = UserFactory()
    soon = datetime(2026, 3, 9, 9, tzinfo=UTC)

    def book(hours, status):
        return appointment_create(
            patient=patient, offering=offering, starts_at=soon + timedelta(hours=hours), status=status, by=patient
        )

    confirmed = book(0, S.CONFIRMED)
    awaiting = book(2, S.AWAITING_PAYMENT)
    proposal = ProposalFactory(offering=offering, patient=patient)
    proposed = appointment_create(
        patient=patient,
        offering=offering,
        starts_at=soon + timedelta(hours=4),
        status=S.PROPOSED,
        by=patient,
        proposal=proposal,
    )
    book(6, S.HELD)  # a patient confirming: not the specialist's yet
    book(8, S.REQUESTED)
    cancelled = book(10, S.CONFIRMED)
    with time_machine.travel(NOW, tick=False):
        appointment_cancel(appointment=cancelled, by=patient, reason="Something came up")
    old = AppointmentFactory(
        offering=offering,
        completed=True,
        starts_at=NOW - timedelta(days=40),
        ends_at=NOW - timedelta(days=40, hours=-1),
    )
    AppointmentFactory(confirmed=True, starts_at=soon)  # someone else's

    found = dict(calendar.feed_appointments(specialist, now=NOW))
    assert found == {
        confirmed: "CONFIRMED",
        awaiting: "TENTATIVE",
        proposed: "TENTATIVE",
        cancelled: "CANCELLED",
    }
    assert old not in found
    assert calendar.feed_appointment_url(proposed).endswith(f"/specialist/proposals/{proposal.public_id}/")


def test_a_feed_is_found_only_by_its_exact_token(specialist):
    from django.http import Http404

    feed = calendar_feed_create(specialist=specialist, by=specialist.user)
    assert calendar.calendar_feed_get_by_token(feed.token) == feed
    for token in ["", "short", feed.token[:-1] + ("A" if feed.token[-1] != "A" else "B")]:
        with pytest.raises(Http404):
            calendar.calendar_feed_get_by_token(token)


# --- The organization's policy ------------------------------------------------------------------


def test_the_policy_is_created_then_updated_and_applies_to_specialists(specialist):
    organization = specialist.organization
    policy = booking_policy_update(
        organization=organization, cancellation_window_hours=48, reminder_offsets_minutes=[60, 1440, 60], by=None
    )
    assert (policy.cancellation_window_hours, policy.reminder_offsets_minutes) == (48, [1440, 60])
    assert selectors.cancellation_window_hours(specialist) == 48
    booking_policy_update(organization=organization, cancellation_window_hours=0, reminder_offsets_minutes=[], by=None)
    policy = BookingPolicy.objects.get(organization=organization)
    assert (policy.cancellation_window_hours, policy.reminder_offsets_minutes) == (0, [])
    assert JourneyEvent.objects.filter(verb="booking_policy.changed").count() == 2


@pytest.mark.parametrize(
    ("hours", "offsets", "field"),
    [
        (-1, [60], "cancellation_window_hours"),
        (337, [60], "cancellation_window_hours"),
        (True, [60], "cancellation_window_hours"),
        (24, [45], "reminder_offsets_minutes"),
        (24, ["60"], "reminder_offsets_minutes"),
        (24, [10080, 2880, 1440, 720, 60], "reminder_offsets_minutes"),
    ],
)
def test_a_bad_policy_is_refused(hours, offsets, field):
    organization = OrganizationFactory()
    with pytest.raises(ValidationError) as error:
        booking_policy_update(
            organization=organization, cancellation_window_hours=hours, reminder_offsets_minutes=offsets, by=None
        )
    assert set(error.value.error_dict) == {field}
    assert not BookingPolicy.objects.exists()


# --- The calendar's week --------------------------------------------------------------------------


def test_a_bad_or_far_week_opens_this_week_and_any_day_opens_its_week():
    today = date(2026, 3, 4)  # a Wednesday
    assert calendar.week_start_from(None, today=today) == date(2026, 3, 2)
    assert calendar.week_start_from("nonsense", today=today) == date(2026, 3, 2)
    assert calendar.week_start_from("2026-02-30", today=today) == date(2026, 3, 2)
    assert calendar.week_start_from("9999-12-31", today=today) == date(2026, 3, 2)
    assert calendar.week_start_from("2026-04-02", today=today) == date(2026, 3, 30)


def _blocks(week, on):
    day = next(day for day in week.days if day.on == on)
    return day


def test_the_week_shows_hours_days_off_and_appointments_by_wall_clock(specialist):
    AvailabilityRuleFactory(specialist=specialist, weekday=0, start_time="09:00", end_time="12:00")
    AvailabilityRuleFactory(specialist=specialist, weekday=0, start_time="13:00", end_time="17:00")
    AvailabilityRuleFactory(specialist=specialist, weekday=1, start_time="09:00", end_time="17:00")
    AvailabilityOverrideFactory(specialist=specialist, date_on=date(2026, 3, 3), kind="day_off", note="Conference")
    AvailabilityOverrideFactory(specialist=specialist, date_on=date(2026, 3, 4), extra_hours=True)  # 18-20
    AvailabilityOverrideFactory(
        specialist=specialist, date_on=date(2026, 3, 2), kind="day_off", start_time="09:00", end_time="10:00"
    )
    offering = OfferingFactory(specialist=specialist, duration_minutes=60)
    confirmed = AppointmentFactory(
        offering=offering, confirmed=True, starts_at=at(MONDAY, "10:00"), ends_at=at(MONDAY, "11:00")
    )
    requested = AppointmentFactory(offering=offering, starts_at=at(MONDAY, "10:30"), ends_at=at(MONDAY, "11:30"))
    AppointmentFactory(offering=offering, cancelled=True, starts_at=at(MONDAY, "14:00"), ends_at=at(MONDAY, "15:00"))

    week = calendar.calendar_week(specialist, MONDAY, now=NOW)

    monday, tuesday, wednesday = week.days[:3]
    assert (week.first_hour, week.last_hour) == (7, 21)
    assert monday.hours_label == "09:00-12:00, 13:00-17:00"
    assert [(b.start, b.end) for b in monday.blocked] == [(9 * 60, 10 * 60)]
    assert tuesday.is_day_off and tuesday.working == [] and tuesday.notes == ["Conference"]
    assert wednesday.hours_label == "18:00-20:00"
    shown = {block.appointment: block for block in monday.appointments}
    assert set(shown) == {confirmed, requested}
    # 10:00 on a 07:00-21:00 grid: 3 of 14 hours down, an hour tall.
    assert (shown[confirmed].top, shown[confirmed].height) == ("21.4286", "7.1429")
    assert shown[confirmed].label == "Confirmed" and not shown[confirmed].is_dashed
    assert shown[requested].label == "Requested" and shown[requested].is_dashed
    # They overlap: side by side.
    assert {(b.left, b.width) for b in shown.values()} == {("0", "50"), ("50", "50")}
    assert shown[confirmed].url == f"/specialist/appointments/{confirmed.public_id}/"
    assert shown[confirmed].time_text == "10:00\u201311:00"


def test_status_labels_and_links_of_holds_and_proposals(specialist):
    offering = OfferingFactory(specialist=specialist, duration_minutes=60)
    proposal = ProposalFactory(offering=offering)
    held = AppointmentFactory(offering=offering, held=True, starts_at=at(MONDAY, "09:00"), ends_at=at(MONDAY, "10:00"))
    proposed = AppointmentFactory(
        offering=offering, proposed=True, proposal=proposal, starts_at=at(MONDAY, "11:00"), ends_at=at(MONDAY, "12:00")
    )
    waiting = AppointmentFactory(
        offering=offering, awaiting_payment=True, starts_at=at(MONDAY, "13:00"), ends_at=at(MONDAY, "14:00")
    )
    week = calendar.calendar_week(specialist, MONDAY, now=NOW)
    shown = {block.appointment: block for block in week.days[0].appointments}
    assert shown[held].label == "Hold"
    assert shown[proposed].label == "Proposed"
    assert shown[proposed].url == f"/specialist/proposals/{proposal.public_id}/"
    assert shown[waiting].label == "Awaiting payment"


def test_the_grid_grows_to_fit_early_and_late_hours(specialist):
    AvailabilityRuleFactory(specialist=specialist, weekday=5, start_time="06:30", end_time="08:00")
    offering = OfferingFactory(specialist=specialist, duration_minutes=90)
    AppointmentFactory(
        offering=offering,
        confirmed=True,
        starts_at=at(date(2026, 3, 6), "21:00"),
        ends_at=at(date(2026, 3, 6), "22:30"),
    )
    week = calendar.calendar_week(specialist, MONDAY, now=NOW)
    assert (week.first_hour, week.last_hour) == (6, 23)
    assert week.hours[0] == "06:00" and week.hours[-1] == "22:00"


def test_a_session_across_midnight_shows_on_both_days(specialist):
    offering = OfferingFactory(specialist=specialist, duration_minutes=120)
    AppointmentFactory(
        offering=offering, confirmed=True, starts_at=at(MONDAY, "23:00"), ends_at=at(date(2026, 3, 3), "01:00")
    )
    week = calendar.calendar_week(specialist, MONDAY, now=NOW)
    first, second = week.days[0].appointments, week.days[1].appointments
    assert [(b.start, b.end, b.continues_after) for b in first] == [(23 * 60, 24 * 60, True)]
    assert [(b.start, b.end, b.continues_before) for b in second] == [(0, 60, True)]
    assert week.first_hour == 0 and week.last_hour == 24


def test_a_fall_back_week_places_sessions_by_wall_clock():
    """Berlin leaves summer time on Sunday 25 October 2026 (a 25-hour day)."""
    specialist = SpecialistProfileFactory(user__timezone="Europe/Berlin")
    offering = OfferingFactory(specialist=specialist, duration_minutes=50)
    saturday, sunday = date(2026, 10, 24), date(2026, 10, 25)
    AvailabilityRuleFactory(specialist=specialist, weekday=5, start_time="09:00", end_time="12:00")
    AvailabilityRuleFactory(specialist=specialist, weekday=6, start_time="09:00", end_time="12:00")
    before = AppointmentFactory(
        offering=offering, confirmed=True, starts_at=datetime(2026, 10, 24, 8, tzinfo=UTC)
    )  # 10:00 CEST
    after = AppointmentFactory(offering=offering, confirmed=True, starts_at=datetime(2026, 10, 25, 9, tzinfo=UTC))
    # The second 02:30 of the night (CET, after the clocks went back).
    repeated = AppointmentFactory(
        offering=offering, confirmed=True, starts_at=datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    )

    week = calendar.calendar_week(specialist, date(2026, 10, 19), now=datetime(2026, 10, 20, 12, tzinfo=UTC))

    shown = {b.appointment: b for day in week.days for b in day.appointments}
    assert (shown[before].top, shown[before].height) == (shown[after].top, shown[after].height)
    assert shown[after].time_text == "10:00\u201310:50"
    assert shown[repeated].time_text == "02:30\u201303:20"
    assert (shown[repeated].start, shown[repeated].end) == (150, 200)
    assert week.first_hour == 2
    assert _blocks(week, saturday).working[0].top == _blocks(week, sunday).working[0].top


def test_a_spring_forward_week_places_sessions_by_wall_clock():
    """Berlin starts summer time on Sunday 29 March 2026 (a 23-hour day)."""
    specialist = SpecialistProfileFactory(user__timezone="Europe/Berlin")
    offering = OfferingFactory(specialist=specialist, duration_minutes=60)
    # 01:30 CET to 03:30 CEST: one real hour, two on the wall clock.
    across = AppointmentFactory(offering=offering, confirmed=True, starts_at=datetime(2026, 3, 29, 0, 30, tzinfo=UTC))
    later = AppointmentFactory(offering=offering, confirmed=True, starts_at=datetime(2026, 3, 29, 8, tzinfo=UTC))
    week = calendar.calendar_week(specialist, date(2026, 3, 23), now=NOW)
    shown = {b.appointment: b for b in week.days[6].appointments}
    assert shown[across].time_text == "01:30\u201303:30"
    assert (shown[across].start, shown[across].end) == (90, 210)
    assert shown[later].time_text == "10:00\u201311:00"
    assert week.first_hour == 1


def test_the_week_takes_three_queries_whatever_it_holds(specialist, django_assert_num_queries):
    offering = OfferingFactory(specialist=specialist, duration_minutes=30)
    for weekday in range(7):
        AvailabilityRuleFactory(specialist=specialist, weekday=weekday)
    for hour in range(8):
        AppointmentFactory(
            offering=offering,
            confirmed=True,
            starts_at=at(MONDAY + timedelta(days=hour % 7), f"{9 + hour:02d}:00"),
        )
    AvailabilityOverrideFactory(specialist=specialist, date_on=MONDAY)
    week = calendar.calendar_week(specialist, MONDAY, now=NOW)  # warms the user cache
    with django_assert_num_queries(3):
        week = calendar.calendar_week(specialist, MONDAY, now=NOW)
        names = [block.appointment.patient.display_name for day in week.days for block in day.appointments]
    assert len(names) == 8


def test_the_now_line_is_drawn_on_today_only(specialist):
    week = calendar.calendar_week(specialist, date(2026, 2, 23), now=NOW)  # Sunday 13:00 in Berlin
    assert week.now_day == date(2026, 3, 1)
    assert week.now_top == "42.8571"  # 13:00 on 07:00-21:00
    assert calendar.calendar_week(specialist, MONDAY, now=NOW).now_day is None


def test_hours_may_run_to_midnight():
    assert check_day_ranges([(t("20:00"), t("00:00")), (t("09:00"), t("12:00"))]) == [
        (t("09:00"), t("12:00")),
        (t("20:00"), t("00:00")),
    ]
