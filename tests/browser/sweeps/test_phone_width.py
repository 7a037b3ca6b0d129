"""Every main page of every portal at 390 x 844, signed in as its role, with
the demo's data and long names on it: nothing scrolls sideways (wide tables
and the calendar scroll inside their own box), whatever a finger must hit
is at least 44px a side (pages.py says what counts), and the portal navigation
folds behind a menu button that opens, closes and reaches every section.
Pages are listed once, in tests/browser/sweeps/pages.py; each is
photographed into test-results/phone/ to look at."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import RESULTS_DIR
from tests.browser.helpers import screenshot
from tests.browser.sweeps.pages import PAGES, PHONE, PORTAL_HOMES, RolePages, phone_overflow, small_touch_targets

pytestmark = pytest.mark.browser

MIN_TOUCH_PX = 44
SHOTS = RESULTS_DIR / "phone"


@pytest.fixture(scope="module")
def phone(browser, sweep_server):
    SHOTS.mkdir(parents=True, exist_ok=True)
    pages = RolePages(browser, sweep_server, viewport=PHONE)
    yield pages
    pages.close()


@pytest.mark.parametrize("sweep_page", PAGES, ids=lambda page: page.id)
def test_page_fits_a_phone_without_scrolling_sideways(phone, sweep_page, photograph_on_failure):
    page = phone.open(sweep_page)
    photograph_on_failure(page)
    page.screenshot(path=str(SHOTS / f"{sweep_page.id.replace(':', '-')}.png"), full_page=True)
    problems = [phone_overflow(page)]
    small = small_touch_targets(page, MIN_TOUCH_PX)
    if small:
        problems.append(f"controls under {MIN_TOUCH_PX}px a side:\n  " + "\n  ".join(small))
    if any(problems):
        pytest.fail("\n".join(filter(None, problems)), pytrace=False)


def test_the_touch_target_check_counts_labels_and_spares_links_in_sentences(browser):
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        page.set_content(
            """
            <p><a href="#a">Alone in its paragraph</a></p>
            <p>A sentence long enough to carry a <a href="#b">link</a> inside it.</p>
            <label><input type="checkbox"> Short label</label>
            <label class="tall"><input type="radio" name="r"> Tall label</label>
            <details><summary class="tall">Folded</summary><a href="#c">Out of sight</a></details>
            <style>.tall { display: block; min-height: 44px; }</style>
            """
        )
        small = small_touch_targets(page, MIN_TOUCH_PX)
    finally:
        context.close()
    assert [re.sub(r" \d+x\d+$", "", line) for line in small] == [
        'p > a "Alone in its paragraph"',
        'body > label (checkbox) "Short label"',
    ]


@pytest.mark.parametrize("home", PORTAL_HOMES, ids=lambda page: page.role)
def test_the_menu_button_opens_every_section_of_the_portal(phone, home, photograph_on_failure):
    page = phone.open(home)
    photograph_on_failure(page)
    toggle = page.get_by_role("button", name="Menu")
    sections = page.locator("#site-menu .portal-nav a")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_have_attribute("aria-controls", "site-menu")
    expect(sections.first).to_be_hidden()
    screenshot(page, "phone", f"menu-{home.role}-closed")

    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    screenshot(page, "phone", f"menu-{home.role}-open")
    assert sections.count() > 0
    account = page.locator("#site-menu .account-nav summary").last
    account.click()  # the account menu unfolds inside the open menu
    account_links = [page.get_by_role("link", name="Account settings"), page.get_by_role("button", name="Sign out")]
    screenshot(page, "phone", f"menu-{home.role}-account")
    for link in [*sections.all(), account, *account_links]:
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box["height"] >= MIN_TOUCH_PX, f"{link.inner_text()!r} is {box['height']}px tall"
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], f"{link.inner_text()!r} sticks out"
    assert phone_overflow(page) is None

    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_be_focused()
    expect(sections.first).to_be_hidden()

    toggle.click()
    target = sections.last.get_attribute("href")
    sections.last.click()  # a section opens from the menu, which starts folded there
    expect(page).to_have_url(re.compile(re.escape(target) + "$"))
    expect(toggle).to_have_attribute("aria-expanded", "false")


def test_without_scripts_the_menu_stays_open(browser, sweep_server):
    pages = RolePages(browser, sweep_server, viewport=PHONE, java_script_enabled=False)
    try:
        page = pages.open(PORTAL_HOMES[0])
        expect(page.get_by_role("button", name="Menu")).to_be_hidden()
        expect(page.locator("#site-menu .portal-nav a").first).to_be_visible()
        assert phone_overflow(page) is None
    finally:
        pages.close()
