"""axe-core over every main page of every portal and the public pages: no
serious or critical violation, on the desktop and with the phone menu open,
and text stays readable when an organization picks a light brand colour.
axe is injected into a context that bypasses the CSP (FIELD-NOTES.md, "Test
tools in the browser"); the CSP keeps its own tests. Pages are listed once,
in tests/browser/sweeps/pages.py."""

import pytest

from organizations.models import Organization
from tests.browser.sweeps.pages import DESKTOP, PAGES, PHONE, PORTAL_HOMES, RolePages, axe_violations, page_by_id

pytestmark = pytest.mark.browser

LIGHT_BRAND = "#F2C94C"  # a sunny yellow: white text on it would be unreadable


@pytest.fixture(scope="module")
def desktop(browser, sweep_server):
    pages = RolePages(browser, sweep_server, viewport=DESKTOP, bypass_csp=True)
    yield pages
    pages.close()


@pytest.fixture(scope="module")
def phone(browser, sweep_server):
    pages = RolePages(browser, sweep_server, viewport=PHONE, bypass_csp=True)
    yield pages
    pages.close()


def assert_accessible(page):
    violations = axe_violations(page)
    if violations:
        pytest.fail("\n".join([page.url, *violations]), pytrace=False)


@pytest.mark.parametrize("sweep_page", PAGES, ids=lambda page: page.id)
def test_page_has_no_serious_accessibility_violation(desktop, sweep_page, photograph_on_failure):
    page = desktop.open(sweep_page)
    photograph_on_failure(page)
    assert_accessible(page)


@pytest.mark.parametrize("home", PORTAL_HOMES, ids=lambda page: page.role)
def test_the_open_phone_menu_has_no_serious_accessibility_violation(phone, home, photograph_on_failure):
    page = phone.open(home)
    photograph_on_failure(page)
    page.get_by_role("button", name="Menu").click()
    page.locator("#site-menu .account-nav summary").last.click()  # and the account menu in it
    assert_accessible(page)


def test_a_light_brand_colour_keeps_text_and_buttons_readable(desktop, sweep_server, photograph_on_failure):
    organization = Organization.objects.filter(pk=sweep_server.world.org.pk)
    colour = organization.get().primary_color
    organization.update(primary_color=LIGHT_BRAND)
    try:
        for page_id in ("anonymous:landing", "patient:home"):
            page = desktop.open(page_by_id(page_id))
            photograph_on_failure(page)
            assert_accessible(page)
    finally:
        organization.update(primary_color=colour)
