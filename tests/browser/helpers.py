"""Small helpers the browser tests share."""

from django.conf import settings
from django.test import Client

from tests.browser.conftest import RESULTS_DIR


def signed_in_page(new_page, live_server, user):
    """A browser already signed in as `user` (the sign-in flow has its own tests)."""
    client = Client()
    client.force_login(user)
    page = new_page()
    cookie = {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value}
    page.context.add_cookies([{**cookie, "url": live_server.url}])
    return page


def screenshot(page, folder: str, name: str) -> None:
    """Save a full-page picture under test-results/<folder>/ to look at."""
    path = RESULTS_DIR / folder
    path.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(400)  # let colour transitions and fade-ins settle
    page.screenshot(path=str(path / f"{name}.png"), full_page=True)
