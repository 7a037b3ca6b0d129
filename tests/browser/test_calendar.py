"""The specialist's week in a real browser: blocks land where the server
says, under the real Content-Security-Policy, across a DST change."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from booking.services import calendar_feed_create
from organizations.models import Membership
from specialists.services import specialist_profile_get_or_create
from tests.accounts.factories import UserFactory, enable_totp
from tests.booking.factories import AppointmentFactory, AvailabilityRuleFactory
from tests.browser.helpers import screenshot, signed_in_page
from tests.organizations.factories import MembershipFactory
from tests.specialists.factories import OfferingFactory

pytestmark = pytest.mark.browser

BERLIN = ZoneInfo("Europe/Berlin")


def next_fall_back_sunday(today: date) -> date:
    """The Sunday Berlin's clocks next go back, in a week not yet begun."""
    day = today + timedelta(days=7)
    while datetime.combine(day, time(12), BERLIN).utcoffset() >= datetime.combine(day, time(), BERLIN).utcoffset():
        day += timedelta(days=1)
    return day


def berlin(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), BERLIN)


def test_the_week_of_the_clock_change_lines_up_by_wall_clock(new_page, live_server, org):
    specialist = UserFactory(full_name="Ana Souza", timezone="Europe/Berlin")
    MembershipFactory(user=specialist, organization=org, role=Membership.Role.SPECIALIST)
    enable_totp(specialist)
    profile = specialist_profile_get_or_create(user=specialist)
    for weekday in range(7):
        AvailabilityRuleFactory(specialist=profile, weekday=weekday, start_time="09:00", end_time="12:00")
        AvailabilityRuleFactory(specialist=profile, weekday=weekday, start_time="13:00", end_time="17:00")
    offering = OfferingFactory(specialist=profile, duration_minutes=50)
    patient = UserFactory(full_name="Pat Example")
    clocks_back = next_fall_back_sunday(datetime.now(BERLIN).date())
    monday = clocks_back - timedelta(days=6)
    # 10:00 in Berlin on both days: 08:00 UTC in summer time, 09:00 UTC after the change.
    AppointmentFactory(
        offering=offering, patient=patient, confirmed=True, starts_at=berlin(clocks_back - timedelta(days=1), 10)
    )
    AppointmentFactory(offering=offering, patient=patient, confirmed=True, starts_at=berlin(clocks_back, 10))
    AppointmentFactory(
        offering=offering,
        patient=UserFactory(full_name="Robin Request"),
        starts_at=berlin(monday + timedelta(days=4), 15),
    )
    AppointmentFactory(offering=offering, held=True, starts_at=berlin(monday + timedelta(days=1), 10))
    AppointmentFactory(offering=offering, proposed=True, starts_at=berlin(monday + timedelta(days=2), 14))
    AppointmentFactory(offering=offering, awaiting_payment=True, starts_at=berlin(monday + timedelta(days=3), 9))
    calendar_feed_create(specialist=profile, by=specialist)

    page = signed_in_page(new_page, live_server, specialist)
    violations = []
    page.on("console", lambda message: "Content Security Policy" in message.text and violations.append(message.text))
    page.goto(f"/specialist/calendar/?week={clocks_back.isoformat()}")

    heading = f"{monday:%a} {monday.day} {monday:%b} \u2013 {clocks_back:%a} {clocks_back.day} {clocks_back:%b %Y}"
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    saturday, sunday = page.locator(".cal-day").nth(5), page.locator(".cal-day").nth(6)
    on_saturday = saturday.locator(".cal-appt")
    on_sunday = sunday.locator(".cal-appt")
    expect(on_saturday).to_contain_text("10:00\u201310:50")
    expect(on_sunday).to_contain_text("10:00\u201310:50")
    expect(page.locator("a.cal-appt-requested")).to_contain_text("Robin Request")

    column = saturday.bounding_box()
    first, second = on_saturday.bounding_box(), on_sunday.bounding_box()
    assert abs(first["y"] - second["y"]) < 1
    # 10:00 on a 07:00-21:00 grid: 3/14 of the way down, 50 minutes tall.
    assert abs((first["y"] - column["y"]) - column["height"] * 3 / 14) < 2
    assert abs(first["height"] - column["height"] * 50 / (14 * 60)) < 2
    # Working hours shaded behind: 09:00-12:00 starts 2/14 down.
    work = saturday.locator(".cal-work").first.bounding_box()
    assert abs((work["y"] - column["y"]) - column["height"] * 2 / 14) < 2
    expect(page.get_by_role("button", name="Copy")).to_be_visible()
    assert violations == []
    screenshot(page, "calendar", "dst-week")


def test_a_specialist_sets_weekly_hours_and_takes_a_day_off(new_page, live_server, org):
    specialist = UserFactory(full_name="Ana Souza", timezone="Europe/Berlin")
    MembershipFactory(user=specialist, organization=org, role=Membership.Role.SPECIALIST)
    enable_totp(specialist)
    page = signed_in_page(new_page, live_server, specialist)
    page.goto("/specialist/calendar/")
    page.get_by_role("button", name="Edit weekly hours").click()

    page.get_by_label("Monday").fill("9-12, 13:00-17:00")
    page.get_by_label("Tuesday").fill("09:00-12:00, 11:00-13:00")
    page.get_by_role("button", name="Save weekly hours").click()
    expect(page.get_by_role("alert")).to_contain_text("09:00-12:00 overlaps 11:00-13:00.")
    screenshot(page, "calendar", "hours-invalid")

    page.get_by_label("Tuesday").fill("10:00-16:00")
    page.get_by_role("button", name="Save weekly hours").click()
    expect(page.get_by_text("Your weekly hours were saved.")).to_be_visible()
    hours = page.locator("#weekly-hours")
    expect(hours).to_contain_text("09:00-12:00, 13:00-17:00")
    expect(hours).to_contain_text("10:00-16:00")

    page.get_by_text("Add a day off or extra hours").click()
    too_far = datetime.now(BERLIN).date() + timedelta(days=2 * 366)
    page.get_by_label("Date").fill(too_far.isoformat())  # refused
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator("#override-form")).to_contain_text("within the next year")
    screenshot(page, "calendar", "override-invalid")
    page.get_by_role("button", name="Next week").click()
    next_monday = page.url.split("week=")[1]
    page.get_by_text("Add a day off or extra hours").click()
    page.get_by_label("Date").fill(next_monday)
    page.get_by_label("Note for yourself").fill("Training")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator("#overrides")).to_contain_text("Training")
    expect(page.locator(".cal-head").first).to_contain_text("Day off")
    expect(page.locator(".cal-day").first.locator(".cal-off-label")).to_be_visible()
    screenshot(page, "calendar", "day-off")

    page.get_by_role("button", name="Edit booking settings").click()
    screenshot(page, "calendar", "settings")


def test_an_organization_admin_sets_the_booking_policy(new_page, live_server, org):
    admin = UserFactory(full_name="Jordan Lee")
    MembershipFactory(user=admin, organization=org, role=Membership.Role.ADMIN)
    enable_totp(admin)
    page = signed_in_page(new_page, live_server, admin)
    page.goto(f"/org/{org.slug}/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    page.get_by_role("navigation", name="Organization settings").get_by_role("link", name="Booking policy").click()
    expect(page.get_by_role("heading", name="Booking policy")).to_be_visible()
    expect(page.get_by_label("24 hours before", exact=True)).to_be_checked()
    page.get_by_label("Free cancellation up to (hours before)").fill("48")
    page.get_by_label("1 hour before", exact=True).uncheck()
    page.get_by_label("2 hours before", exact=True).check()
    page.get_by_role("button", name="Save policy").click()
    expect(page.get_by_text("The booking policy was saved.")).to_be_visible()
    expect(page.get_by_label("2 hours before", exact=True)).to_be_checked()
    expect(page.get_by_label("1 hour before", exact=True)).not_to_be_checked()
    screenshot(page, "calendar", "org-policy")
