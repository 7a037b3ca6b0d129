"""The public directory in a real browser: filter with htmx, open a profile, compare."""

import re

import pytest
from playwright.sync_api import expect

from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def specialists(org):
    people = {}
    for name, languages in [("Anna Becker", ["de", "en"]), ("Bruno Costa", ["pt"]), ("Chris Doyle", ["en"])]:
        profile = SpecialistProfileFactory(organization=org, display_name=name, languages=languages)
        OfferingFactory(specialist=profile, price_minor=9000)
        people[name] = profile
    return people


def card(page, name):
    return page.locator("article.specialist-card", has_text=name)


def test_filter_by_language_open_a_profile_and_compare_two(page, specialists):
    page.goto("/specialists/")
    count = page.locator(".results-count")
    expect(count).to_contain_text("3 specialists")
    page.evaluate("window.stillTheSamePage = true")

    page.get_by_role("checkbox", name="German").check()

    expect(page).to_have_url(re.compile(r"/specialists/\?language=de$"))
    expect(count).to_contain_text(re.compile(r"\b1 specialist\b(?!s)"))
    expect(card(page, "Anna Becker")).to_be_visible()
    expect(card(page, "Bruno Costa")).to_have_count(0)
    assert page.evaluate("window.stillTheSamePage") is True, "the page reloaded instead of swapping the list"

    page.get_by_label("Sort by").select_option("price")
    # The sorted list is a fresh request; a loaded machine may take a while to answer.
    expect(page).to_have_url(
        re.compile(r"/specialists/\?(sort=price&language=de|language=de&sort=price)$"), timeout=15_000
    )
    expect(count).to_contain_text(re.compile(r"\b1 specialist\b(?!s)"))
    assert page.evaluate("window.stillTheSamePage") is True

    card(page, "Anna Becker").get_by_role("link", name="Anna Becker").click()
    expect(page.get_by_role("heading", name="Anna Becker", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Sign up to choose Anna Becker")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile(r"^Book ")).first).to_be_visible()

    page.goto("/specialists/")
    card(page, "Anna Becker").get_by_label("Compare").check()
    card(page, "Bruno Costa").get_by_label("Compare").check()
    tray = page.locator("#compare-form")
    expect(tray).to_contain_text("2 of 3 picked")
    tray.get_by_role("button", name="Compare side by side").click()

    expect(page).to_have_url(re.compile(r"/specialists/compare/\?s=[\w-]+&s=[\w-]+$"))
    expect(page.get_by_role("heading", name="Compare specialists")).to_be_visible()
    headers = page.locator(".compare-table thead th")
    expect(headers).to_have_count(2)
    expect(headers.nth(0)).to_contain_text("Anna Becker")
    expect(headers.nth(1)).to_contain_text("Bruno Costa")


def test_the_compare_tray_stops_at_three(page, org, specialists):
    SpecialistProfileFactory(organization=org, display_name="Dora Engel")
    page.goto("/specialists/")
    for name in ["Anna Becker", "Bruno Costa", "Chris Doyle"]:
        card(page, name).get_by_label("Compare").check()
    expect(card(page, "Dora Engel").get_by_label("Compare")).to_be_disabled()
    expect(page.locator("#compare-form")).to_contain_text("3 of 3 picked")


def test_filters_work_without_javascript(new_page, specialists):
    page = new_page(java_script_enabled=False)
    page.goto("/specialists/")
    page.get_by_role("checkbox", name="Portuguese").check()
    page.get_by_role("button", name="Show results").click()
    expect(page).to_have_url(re.compile(r"language=pt"))
    expect(card(page, "Bruno Costa")).to_be_visible()
    expect(card(page, "Anna Becker")).to_have_count(0)
