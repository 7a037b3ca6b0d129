"""The specialist's calendar pages, the private feed and the organization's
booking policy, as the specialist, another specialist, a patient, an org
admin and someone signed out."""

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from booking.models import AvailabilityOverride, AvailabilityRule, BookingPolicy, BookingSettings, CalendarFeed
from booking.services import appointment_cancel, appointment_create, calendar_feed_create
from booking.states import AppointmentStatus
from core import events
from specialists.services import specialist_profile_get_or_create
from tests.accounts.factories import UserFactory
from tests.booking.factories import (
    AppointmentFactory,
    AvailabilityOverrideFactory,
    AvailabilityRuleFactory,
    BookingSettingsFactory,
    ProposalFactory,
)
from tests.specialists.factories import OfferingFactory

pytestmark = pytest.mark.django_db

S = AppointmentStatus
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 4, 11, tzinfo=UTC)  # Wednesday 12:00 in Berlin
MONDAY = date(2026, 3, 2)
CALENDAR = reverse("booking:calendar")
HOURS = reverse("booking:hours")
SETTINGS = reverse("booking:settings")
OVERRIDE_CREATE = reverse("booking:override-create")


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def profile(personas):
    """The specialist persona's profile, in Berlin."""
    return specialist_profile_get_or_create(user=personas["specialist"])


@pytest.fixture
def as_specialist(client, personas, profile):
    client.force_login(personas["specialist"])
    return client


@pytest.fixture
def changed():
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs["specialist_id"])

    events.availability_changed.connect(receiver, weak=False)
    yield received
    events.availability_changed.disconnect(receiver)


def local(day: date, clock: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=BERLIN).astimezone(UTC)


def text(response) -> str:
    return response.content.decode()


# --- Who gets in ------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [CALENDAR, HOURS, SETTINGS])
def test_only_specialists_reach_their_calendar_pages(client, personas, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    for persona in ["patient_a", "org_admin"]:
        client.force_login(personas[persona])
        response = client.get(url)
        assert response.status_code == 403, persona
        assert "portals/no_access.html" in [t.name for t in response.templates]
    client.force_login(personas["other_specialist"])
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("name", ["override-create", "feed-create", "feed-revoke"])
def test_changes_are_posts_only(as_specialist, name):
    assert as_specialist.get(reverse(name.join(["booking:", ""]))).status_code == 405


@pytest.mark.parametrize("name", ["override-create", "feed-create", "feed-revoke"])
def test_signed_out_posts_go_to_sign_in_and_change_nothing(client, name):
    response = client.post(reverse(f"booking:{name}"), {"date_on": "2026-03-10", "kind": "day_off"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert not AvailabilityOverride.objects.exists() and not CalendarFeed.objects.exists()


# --- The week ------------------------------------------------------------------------------------


def test_the_calendar_shows_this_week_in_the_specialists_zone(as_specialist, profile):
    AvailabilityRuleFactory(specialist=profile, weekday=2, start_time="09:00", end_time="17:00")
    offering = OfferingFactory(specialist=profile, duration_minutes=50)
    patient = UserFactory(full_name="Pat Example")
    appointment = AppointmentFactory(
        offering=offering, patient=patient, confirmed=True, starts_at=local(date(2026, 3, 4), "14:00")
    )
    AppointmentFactory(offering=offering, cancelled=True, starts_at=local(date(2026, 3, 5), "10:00"))
    AppointmentFactory(confirmed=True, starts_at=local(date(2026, 3, 4), "15:00"))  # another specialist's

    response = as_specialist.get(CALENDAR)

    assert response.status_code == 200
    page = text(response)
    assert "Mon 2 Mar \u2013 Sun 8 Mar" in page
    assert "Europe/Berlin" in page
    assert page.count('class="cal-appt ') == 1
    assert "Pat Example" in page and "14:00\u201314:50" in page and "Confirmed" in page
    assert reverse("booking:specialist-appointment", args=[appointment.public_id]) in page
    assert "?week=2026-02-23" in page and "?week=2026-03-09" in page and "?week=2026-03-02" in page
    assert "09:00-17:00" in page  # the weekly hours, in the day header and the summary
    assert "no-store" in response["Cache-Control"]


def test_this_week_is_the_specialists_week_not_the_servers(client, personas, profile):
    with time_machine.travel(datetime(2026, 3, 8, 23, 30, tzinfo=UTC), tick=False):  # Monday 00:30 in Berlin
        client.force_login(personas["specialist"])
        response = client.get(CALENDAR)
    assert response.context["week"].start == date(2026, 3, 9)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-12", date(2026, 3, 9)),  # any day opens its week
        ("2026-13-01", MONDAY),  # not a date: this week, no error page
        ("'; drop table", MONDAY),
        ("1900-01-01", MONDAY),  # too far away
    ],
)
def test_the_week_parameter_is_forgiving(as_specialist, value, expected):
    response = as_specialist.get(CALENDAR, {"week": value})
    assert response.status_code == 200
    assert response.context["week"].start == expected


def test_holds_proposals_and_requests_are_labelled_and_linked(as_specialist, profile):
    offering = OfferingFactory(specialist=profile, duration_minutes=60)
    proposal = ProposalFactory(offering=offering)
    AppointmentFactory(offering=offering, held=True, starts_at=local(date(2026, 3, 5), "09:00"))
    AppointmentFactory(offering=offering, proposed=True, proposal=proposal, starts_at=local(date(2026, 3, 5), "11:00"))
    AppointmentFactory(offering=offering, starts_at=local(date(2026, 3, 5), "13:00"))  # requested
    page = text(as_specialist.get(CALENDAR))
    assert re.search(r'cal-appt-held"[^>]*>\s*<span class="cal-appt-time">09:00\u201310:00', page)
    assert ">Hold</span>" in page and ">Proposed</span>" in page and ">Requested</span>" in page
    assert 'class="cal-appt cal-appt-requested is-dashed"' in page
    assert reverse("booking:specialist-proposal", args=[proposal.public_id]) in page


def test_positions_are_set_by_a_nonced_style_block_not_style_attributes(as_specialist, profile):
    AvailabilityRuleFactory(specialist=profile, weekday=0, start_time="10:00", end_time="12:00")
    response = as_specialist.get(CALENDAR, {"week": "2026-03-02"})
    page = text(response)
    assert " style=" not in page
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])[1]
    style = re.search(r'<style nonce="([^"]+)">(\s*#cal-grid.*?)</style>', page, re.S)
    assert style[1] == nonce
    block_id = re.search(r'<div class="cal-work" id="(cal-\d+)"', page)[1]
    # 10:00 on the 07:00-21:00 grid: 3 of 14 hours down, 2 hours tall.
    assert f"#{block_id} {{ top: 21.4286%; height: 14.2857%; left: 0%; width: 100%; }}" in style[2]


def test_a_dst_week_places_sessions_by_wall_clock(as_specialist, profile):
    """The week of 25 October 2026, when Berlin's clocks go back an hour."""
    offering = OfferingFactory(specialist=profile, duration_minutes=50)
    AppointmentFactory(offering=offering, confirmed=True, starts_at=datetime(2026, 10, 24, 8, tzinfo=UTC))
    AppointmentFactory(offering=offering, confirmed=True, starts_at=datetime(2026, 10, 25, 9, tzinfo=UTC))
    response = as_specialist.get(CALENDAR, {"week": "2026-10-25"})
    week = response.context["week"]
    assert week.start == date(2026, 10, 19)
    saturday, sunday = week.days[5].appointments, week.days[6].appointments
    assert [b.time_text for b in saturday] == [b.time_text for b in sunday] == ["10:00\u201310:50"]
    assert saturday[0].top == sunday[0].top
    assert text(response).count("10:00\u201310:50") == 2


def test_overrides_settings_and_feed_are_summarised_beside_the_week(as_specialist, profile):
    AvailabilityOverrideFactory(specialist=profile, date_on=date(2026, 3, 10), note="Conference")
    AvailabilityOverrideFactory(specialist=profile, date_on=date(2026, 3, 1), note="Long gone")
    BookingSettingsFactory(specialist=profile, horizon_days=45)
    page = text(as_specialist.get(CALENDAR))
    assert "Conference" in page and "Long gone" not in page
    assert "45 days ahead" in page and "up to 24 hours before" in page
    assert reverse("booking:hours") in page and reverse("booking:settings") in page
    assert "Turn on the calendar feed" in page
    feed = calendar_feed_create(specialist=profile, by=profile.user)
    page = text(as_specialist.get(CALENDAR))
    assert f"http://testserver/calendar/{feed.token}.ics" in page
    assert "Other calendars → From URL" in page and "File → New Calendar Subscription" in page
    assert "Add calendar → Subscribe from web" in page


def test_the_calendar_page_takes_the_same_queries_however_full_the_week(as_specialist, profile):
    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert as_specialist.get(CALENDAR).status_code == 200
        return len(queries)

    as_specialist.get(CALENDAR)
    offering = OfferingFactory(specialist=profile, duration_minutes=30)
    AppointmentFactory(offering=offering, confirmed=True, starts_at=local(date(2026, 3, 4), "15:00"))
    AvailabilityRuleFactory(specialist=profile, weekday=0)
    calendar_feed_create(specialist=profile, by=profile.user)
    few = count()
    for day in range(2, 9):
        AvailabilityRuleFactory(specialist=profile, weekday=day % 7, start_time="18:00", end_time="19:00")
        AvailabilityOverrideFactory(specialist=profile, date_on=date(2026, 3, day + 3))
        for hour in (9, 11):
            AppointmentFactory(
                offering=offering,
                confirmed=True,
                starts_at=local(date(2026, 3, day), f"{hour:02d}:00"),
                patient=UserFactory(),
            )
    assert count() == few


# --- Weekly hours ----------------------------------------------------------------------------------


def test_the_hours_form_shows_the_current_hours(as_specialist, profile):
    AvailabilityRuleFactory(specialist=profile, weekday=0, start_time="13:00", end_time="17:00")
    AvailabilityRuleFactory(specialist=profile, weekday=0, start_time="09:00", end_time="12:00")
    response = as_specialist.get(HOURS)
    assert response.status_code == 200
    assert 'value="09:00-12:00, 13:00-17:00"' in text(response)


def test_saving_hours_replaces_them_and_announces_the_change(
    as_specialist, profile, changed, django_capture_on_commit_callbacks
):
    AvailabilityRuleFactory(specialist=profile, weekday=4)
    with django_capture_on_commit_callbacks(execute=True):
        response = as_specialist.post(
            HOURS, {"monday": "9-12, 13:00-17:00", "wednesday": "10:00 \u2013 14:00", "friday": "", "specialist": "1"}
        )
    assert response.status_code == 302 and response["Location"] == CALENDAR
    stored = [(r.weekday, f"{r.start_time:%H:%M}", f"{r.end_time:%H:%M}") for r in AvailabilityRule.objects.all()]
    assert stored == [(0, "09:00", "12:00"), (0, "13:00", "17:00"), (2, "10:00", "14:00")]
    assert changed == [profile.pk]


def test_bad_hours_answer_422_per_weekday_and_store_nothing(as_specialist, profile, changed):
    AvailabilityRuleFactory(specialist=profile, weekday=4, start_time="08:00", end_time="10:00")
    response = as_specialist.post(
        HOURS,
        {
            "monday": "09:00-12:00",
            "tuesday": "09:00-12:00, 11:00-13:00",
            "wednesday": "nine to five",
            "thursday": "17:00-09:00",
            "friday": "20:00-24:00, 23:00-23:30",
            "saturday": ", ".join(f"{h:02d}:00-{h:02d}:30" for h in range(8, 15)),
        },
    )
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert set(errors) == {"tuesday", "wednesday", "thursday", "friday", "saturday"}
    page = text(response)
    assert "09:00-12:00 overlaps 11:00-13:00." in page
    assert "is not a range of hours" in page
    assert "ends before it starts" in page
    assert "20:00-00:00 overlaps 23:00-23:30." in page
    assert "at most 6 ranges a day" in page
    assert [(r.weekday, r.start_time) for r in AvailabilityRule.objects.all()] == [(4, time(8))]
    assert changed == []


# --- Overrides ----------------------------------------------------------------------------------------


def test_adding_a_day_off_goes_to_its_week(as_specialist, profile, changed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_specialist.post(
            OVERRIDE_CREATE, {"date_on": "2026-03-18", "kind": "day_off", "note": "Training", "week": "2026-03-02"}
        )
    assert response.status_code == 302
    assert response["Location"] == f"{CALENDAR}?week=2026-03-16"
    override = AvailabilityOverride.objects.get()
    assert (override.specialist, override.date_on, override.kind, override.note) == (
        profile,
        date(2026, 3, 18),
        "day_off",
        "Training",
    )
    assert changed == [profile.pk]


def test_adding_extra_hours_keeps_the_range(as_specialist, profile):
    as_specialist.post(
        OVERRIDE_CREATE, {"date_on": "2026-03-07", "kind": "extra_hours", "start_time": "10:00", "end_time": "13:30"}
    )
    override = AvailabilityOverride.objects.get()
    assert (override.start_time, override.end_time) == (time(10), time(13, 30))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"date_on": "2026-03-03", "kind": "day_off"}, "That date has passed"),
        ({"date_on": "2026-03-10", "kind": "extra_hours"}, "Extra hours need a start and an end time"),
        (
            {"date_on": "2026-03-10", "kind": "extra_hours", "start_time": "14:00", "end_time": "10:00"},
            "ends before it starts",
        ),
        ({"date_on": "2026-03-10", "kind": "day_off", "start_time": "14:00"}, "both a start and an end time"),
        ({"date_on": "2026-03-10", "kind": "sometimes"}, "Select a valid choice"),
        ({"date_on": "tomorrow", "kind": "day_off"}, "Enter a valid date"),
        ({"date_on": "2026-03-10", "kind": "day_off", "note": "x" * 121}, "at most 120 characters"),
    ],
)
def test_a_bad_override_rerenders_the_calendar_with_422(as_specialist, changed, data, message):
    response = as_specialist.post(OVERRIDE_CREATE, {**data, "week": "2026-03-09"})
    assert response.status_code == 422
    assert message in text(response)
    assert response.context["week"].start == date(2026, 3, 9)
    assert response.context["override_form"].errors
    # The page answers at the form's address: its links lead back to the calendar.
    assert f'href="{CALENDAR}?week=2026-03-16"' in text(response)
    assert not AvailabilityOverride.objects.exists()
    assert changed == []


def test_removing_an_override(as_specialist, profile, changed, django_capture_on_commit_callbacks):
    override = AvailabilityOverrideFactory(specialist=profile, date_on=date(2026, 3, 12))
    with django_capture_on_commit_callbacks(execute=True):
        response = as_specialist.post(reverse("booking:override-delete", args=[override.public_id]))
    assert response.status_code == 302 and response["Location"] == f"{CALENDAR}?week=2026-03-09"
    assert not AvailabilityOverride.objects.exists()
    assert changed == [profile.pk]


def test_another_specialists_override_is_not_found(client, personas, profile):
    override = AvailabilityOverrideFactory(specialist=profile, date_on=date(2026, 3, 12))
    url = reverse("booking:override-delete", args=[override.public_id])
    client.force_login(personas["other_specialist"])
    assert client.post(url).status_code == 404
    client.force_login(personas["patient_a"])
    assert client.post(url).status_code == 403
    client.logout()
    assert client.post(url).status_code == 302
    assert AvailabilityOverride.objects.filter(pk=override.pk).exists()


# --- Settings ---------------------------------------------------------------------------------------------

SETTINGS_DATA = {
    "buffer_before_minutes": "5",
    "buffer_after_minutes": "10",
    "minimum_notice_minutes": "240",
    "horizon_days": "90",
    "slot_increment_minutes": "15",
    "cancellation_window_hours": "",
}


def test_the_settings_page_names_the_organizations_default(as_specialist, profile):
    BookingPolicy.objects.create(organization=profile.organization, cancellation_window_hours=36)
    page = text(as_specialist.get(SETTINGS))
    assert f"follow {profile.organization.name}'s policy (currently 36 hours)" in page.replace("&#x27;", "'")


def test_saving_settings(as_specialist, profile, changed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_specialist.post(SETTINGS, {**SETTINGS_DATA, "specialist": "999"})
    assert response.status_code == 302 and response["Location"] == CALENDAR
    stored = BookingSettings.objects.get()
    assert stored.specialist == profile
    assert (stored.buffer_before_minutes, stored.horizon_days, stored.cancellation_window_hours) == (5, 90, None)
    as_specialist.post(SETTINGS, {**SETTINGS_DATA, "cancellation_window_hours": "12"})
    assert BookingSettings.objects.get().cancellation_window_hours == 12
    assert changed == [profile.pk]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("horizon_days", "0"),
        ("horizon_days", "366"),
        ("slot_increment_minutes", "3"),
        ("buffer_after_minutes", "-5"),
        ("minimum_notice_minutes", "99999"),
        ("cancellation_window_hours", "400"),
        ("horizon_days", ""),
        ("horizon_days", "ten"),
    ],
)
def test_bad_settings_answer_422_and_store_nothing(as_specialist, changed, name, value):
    response = as_specialist.post(SETTINGS, {**SETTINGS_DATA, name: value})
    assert response.status_code == 422
    assert name in response.context["form"].errors
    assert not BookingSettings.objects.exists()
    assert changed == []


# --- The feed -------------------------------------------------------------------------------------------------


def test_turning_the_feed_on_renewing_and_revoking_it(as_specialist, profile):
    response = as_specialist.post(reverse("booking:feed-create"))
    assert response.status_code == 302 and response["Location"] == f"{CALENDAR}#calendar-feed"
    first = CalendarFeed.objects.get(specialist=profile).token
    anonymous_url = reverse("booking:feed", args=[first])
    assert as_specialist.get(anonymous_url).status_code == 200

    as_specialist.post(reverse("booking:feed-create"))
    second = CalendarFeed.objects.get(specialist=profile).token
    assert second != first
    assert as_specialist.get(anonymous_url).status_code == 404
    assert as_specialist.get(reverse("booking:feed", args=[second])).status_code == 200

    as_specialist.post(reverse("booking:feed-revoke"))
    assert not CalendarFeed.objects.exists()
    assert as_specialist.get(reverse("booking:feed", args=[second])).status_code == 404


def test_the_feed_turns_on_and_off_for_the_signed_in_specialist_only(client, personas, profile):
    feed = calendar_feed_create(specialist=profile, by=profile.user)
    client.force_login(personas["other_specialist"])
    client.post(reverse("booking:feed-revoke"))
    client.post(reverse("booking:feed-create"))
    assert CalendarFeed.objects.get(specialist=profile).token == feed.token
    client.force_login(personas["patient_a"])
    assert client.post(reverse("booking:feed-revoke")).status_code == 403
    assert CalendarFeed.objects.filter(specialist=profile).exists()


@pytest.mark.parametrize("persona", ["anonymous", "patient_a", "specialist", "other_specialist"])
def test_an_unknown_feed_token_is_not_found_for_anyone(client, personas, profile, persona):
    calendar_feed_create(specialist=profile, by=profile.user)
    if personas[persona] is not None:
        client.force_login(personas[persona])
    for token in ["x" * 43, "short"]:
        assert client.get(reverse("booking:feed", args=[token])).status_code == 404


def test_the_feed_lists_the_specialists_sessions_without_health_details(client, profile):
    feed = calendar_feed_create(specialist=profile, by=profile.user)
    offering = OfferingFactory(specialist=profile, duration_minutes=50)
    patient = UserFactory(full_name="Pat Example", preferred_name="")
    starts_at = datetime(2026, 3, 10, 9, tzinfo=UTC)
    confirmed = appointment_create(
        patient=patient, offering=offering, starts_at=starts_at, status=S.CONFIRMED, by=patient
    )
    cancelled = appointment_create(
        patient=patient, offering=offering, starts_at=starts_at + timedelta(hours=2), status=S.CONFIRMED, by=patient
    )
    appointment_cancel(appointment=cancelled, by=patient, reason="Panic attacks this week")
    appointment_create(
        patient=patient, offering=offering, starts_at=starts_at + timedelta(hours=4), status=S.HELD, by=patient
    )
    AppointmentFactory(confirmed=True, starts_at=starts_at)  # another specialist's

    response = client.get(reverse("booking:feed", args=[feed.token]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, max-age=300"
    assert b"Panic" not in response.content
    calendar = Calendar.from_ical(response.content)
    assert "method" not in calendar
    events = {str(event["uid"]): event for event in calendar.walk("VEVENT")}
    assert set(events) == {f"{confirmed.public_id}@daraport", f"{cancelled.public_id}@daraport"}
    shown = events[f"{confirmed.public_id}@daraport"]
    assert str(shown["summary"]) == "Session · P. E."  # initials: no names in calendars
    assert b"Pat" not in response.content and b"Example" not in response.content
    assert str(shown["status"]) == "CONFIRMED"
    assert shown["sequence"] == 0
    assert shown.decoded("dtstart") == starts_at
    assert shown.decoded("dtend") == starts_at + timedelta(minutes=50)
    assert str(shown["url"]) == f"http://testserver/specialist/appointments/{confirmed.public_id}/"
    gone = events[f"{cancelled.public_id}@daraport"]
    assert (str(gone["status"]), gone["sequence"]) == ("CANCELLED", 1)


def test_the_feed_takes_the_same_queries_however_many_sessions(client, profile):
    feed = calendar_feed_create(specialist=profile, by=profile.user)
    offering = OfferingFactory(specialist=profile, duration_minutes=30)
    url = reverse("booking:feed", args=[feed.token])

    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    AppointmentFactory(offering=offering, confirmed=True, starts_at=datetime(2026, 3, 10, 9, tzinfo=UTC))
    few = count()
    for hour in range(10, 20):
        AppointmentFactory(
            offering=offering,
            confirmed=True,
            patient=UserFactory(),
            starts_at=datetime(2026, 3, 11, hour, tzinfo=UTC),
        )
    assert count() == few == 2


# --- The organization's policy -----------------------------------------------------------------------------------


def test_org_admins_see_and_save_their_booking_policy(client, personas, org):
    url = reverse("booking:org-policy", args=[org.slug])
    client.force_login(personas["org_admin"])
    response = client.get(url)
    assert response.status_code == 200
    page = text(response)
    assert 'value="24"' in page
    assert re.search(r'value="1440"[^>]*checked', page) and re.search(r'value="60"[^>]*checked', page)
    assert f'href="{url}" aria-current="page"' in page  # the portal's nav

    response = client.post(
        url, {"cancellation_window_hours": "48", "reminder_offsets_minutes": ["120", "10080"], "organization": "9"}
    )
    assert response.status_code == 302 and response["Location"] == url
    policy = BookingPolicy.objects.get(organization=org)
    assert (policy.cancellation_window_hours, policy.reminder_offsets_minutes) == (48, [10080, 120])

    client.post(url, {"cancellation_window_hours": "0"})
    policy.refresh_from_db()
    assert (policy.cancellation_window_hours, policy.reminder_offsets_minutes) == (0, [])


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"cancellation_window_hours": "337"}, "cancellation_window_hours"),
        ({"cancellation_window_hours": ""}, "cancellation_window_hours"),
        ({"cancellation_window_hours": "24", "reminder_offsets_minutes": ["45"]}, "reminder_offsets_minutes"),
        (
            {"cancellation_window_hours": "24", "reminder_offsets_minutes": ["10080", "2880", "1440", "60", "15"]},
            "reminder_offsets_minutes",
        ),
    ],
)
def test_a_bad_policy_answers_422_and_stores_nothing(client, personas, org, data, field):
    client.force_login(personas["org_admin"])
    response = client.post(reverse("booking:org-policy", args=[org.slug]), data)
    assert response.status_code == 422
    assert field in response.context["form"].errors
    assert not BookingPolicy.objects.exists()


def test_only_this_organizations_admins_reach_its_policy(client, personas, org):
    url = reverse("booking:org-policy", args=[org.slug])
    data = {"cancellation_window_hours": "1"}
    client.force_login(personas["other_org_admin"])
    assert client.get(url).status_code == 404
    assert client.post(url, data).status_code == 404
    for persona in ["specialist", "patient_a"]:
        client.force_login(personas[persona])
        assert client.post(url, data).status_code == 403
    client.logout()
    assert client.post(url, data).status_code == 302
    assert not BookingPolicy.objects.exists()
