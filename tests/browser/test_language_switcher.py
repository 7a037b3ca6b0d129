"""The language switcher in a real browser, on a phone."""

import re

import pytest
from playwright.sync_api import expect

from organizations.models import Membership
from tests.browser.helpers import check_phone_and_desktop, signed_in_page
from tests.conftest import member

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def test_a_visitor_switches_the_sign_in_page_to_german(page):
    page.set_viewport_size(PHONE)
    page.goto("/accounts/login/")
    switcher = page.get_by_role("form", name="Language")
    expect(switcher.get_by_role("button", name="English")).to_be_disabled()

    switcher.get_by_role("button", name="Deutsch").click()

    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_role("button", name="Deutsch")).to_be_disabled()


def test_a_patient_switches_to_spanish_and_keeps_it(new_page, live_server, org):
    patient = member(org, Membership.Role.PATIENT, locale="en")
    page = signed_in_page(new_page, live_server, patient, bypass_csp=True)
    page.goto("/patient/")

    page.get_by_role("button", name="Español").click()

    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page).to_have_url(re.compile(r"/patient/$"))
    patient.refresh_from_db()
    assert patient.locale == "es"
    check_phone_and_desktop(page, "i18n", "patient-home-es")
