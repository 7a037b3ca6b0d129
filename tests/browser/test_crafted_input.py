"""Crafted input as people meet it in a browser: a NUL in an address gets a
plain "we could not read that" page, a far date in the readiness board's
filters a notice, a far date in a specialist's "move it" form an error on
the field. Each fits a phone's width. Pages are photographed into
test-results/crafted-input/."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from organizations.models import Membership
from specialists.services import specialist_profile_get_or_create
from tests.booking.factories import AppointmentFactory
from tests.browser.helpers import screenshot, signed_in_page
from tests.conftest import member
from tests.specialists.factories import OfferingFactory

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_nul_in_an_address_gets_a_page_that_says_what_went_wrong(page):
    page.set_viewport_size(PHONE)
    response = page.goto("/specialists/compare/?s=%00")
    assert response.status == 400
    expect(page.get_by_role("heading", name="We could not read that")).to_be_visible()
    expect(page.get_by_text("a character we cannot accept")).to_be_visible()
    expect(page.get_by_role("button", name="Go to the start")).to_be_visible()
    assert fits_the_screen(page)
    screenshot(page, "crafted-input", "nul-in-the-address")


def test_a_far_date_in_the_readiness_filters_is_ignored_with_a_notice(new_page, live_server, org):
    admin = member(org, Membership.Role.ADMIN, staff=True)
    page = signed_in_page(new_page, live_server, admin)
    page.set_viewport_size(PHONE)
    response = page.goto(f"/org/{org.slug}/readiness/?from=9999-12-31&to=9999-12-31")
    assert response.status == 200
    expect(page.get_by_text("We ignored the from date: please pick one within 5 years of today.")).to_be_visible()
    assert fits_the_screen(page)
    screenshot(page, "crafted-input", "readiness-far-dates")


def test_a_specialist_moving_a_session_to_a_far_year_is_told_on_the_field(new_page, live_server, org):
    specialist = member(org, Membership.Role.SPECIALIST, staff=True, full_name="Dr Lena Berg")
    patient = member(org, Membership.Role.PATIENT, full_name="Maya Lindqvist")
    offering = OfferingFactory(specialist=specialist_profile_get_or_create(user=specialist))
    appointment = AppointmentFactory(
        patient=patient, offering=offering, confirmed=True, starts_at=timezone.now() + timedelta(days=7)
    )
    page = signed_in_page(new_page, live_server, specialist)
    page.set_viewport_size(PHONE)
    page.goto(f"/specialist/appointments/{appointment.public_id}/reschedule/")
    page.get_by_label("New date").fill("9999-12-31")
    page.get_by_label("Why are you moving it?").fill("A typo in the year")
    page.get_by_role("button", name="Move the session").click()
    expect(page.get_by_text("Please pick a date within 5 years of today.")).to_be_visible()
    assert fits_the_screen(page)
    screenshot(page, "crafted-input", "reschedule-far-date")
