"""Small helpers the browser tests share."""

from django.conf import settings
from django.test import Client

from tests.browser.conftest import RESULTS_DIR


def signed_in_page(new_page, live_server, user, **context_options):
    """A browser already signed in as `user` (the sign-in flow has its own tests).
    `context_options` go to the browser context: `bypass_csp=True` where
    axe-core is injected (FIELD-NOTES.md); the pages are the same."""
    client = Client()
    client.force_login(user)
    page = new_page(**context_options)
    cookie = {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value}
    page.context.add_cookies([{**cookie, "url": live_server.url}])
    return page


def screenshot(page, folder: str, name: str) -> None:
    """Save a full-page picture under test-results/<folder>/ to look at."""
    path = RESULTS_DIR / folder
    path.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(400)  # let colour transitions and fade-ins settle
    page.screenshot(path=str(path / f"{name}.png"), full_page=True)


def check_phone_and_desktop(page, folder: str, name: str) -> None:
    """Photograph the page at 390 px and on a desktop; it fits a phone and
    axe finds nothing serious (the page's context must bypass the CSP)."""
    from tests.browser.sweeps.pages import DESKTOP, PHONE, axe_violations, phone_overflow

    page.set_viewport_size(PHONE)
    screenshot(page, folder, f"{name}-390")
    assert phone_overflow(page) is None
    assert axe_violations(page) == []
    page.set_viewport_size(DESKTOP)
    screenshot(page, folder, f"{name}-desktop")
