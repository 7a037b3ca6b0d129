"""Fixtures of the page sweeps: one seeded world and live server per module.

pytest-django's `live_server` empties the database after every test, and
seeding the demo for each of a hundred page visits would take minutes. Here
the world is seeded once per module (`sweep_server`), the server is started
beside it, and the database is emptied at the end, as a transactional test
leaves it. `db` below stands in for pytest-django's: naming it is what makes
pytest-django create the test database, and it opens no transaction per test
(the live server must see the seeded rows, and on SQLite a held transaction
would lock the server out).
"""

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from tests.browser.conftest import RESULTS_DIR
from tests.browser.sweeps.pages import World, seed_world


@dataclass
class SweepServer:
    url: str
    world: World


@pytest.fixture(scope="module")
def sweep_server(django_db_setup, django_db_blocker):
    from django.core.management import call_command
    from pytest_django.live_server_helper import LiveServer

    with django_db_blocker.unblock():
        try:
            # In a thread of its own: Playwright keeps an event loop running
            # in this one, and the services' realtime broadcasts refuse that.
            with ThreadPoolExecutor(max_workers=1) as pool:
                world = pool.submit(_seed_and_close).result()
            server = LiveServer("localhost")
            server._live_server_modified_settings.enable()
            try:
                yield SweepServer(url=server.url, world=world)
            finally:
                server._live_server_modified_settings.disable()
                server.stop()
        finally:
            call_command("flush", verbosity=0, interactive=False)


def _seed_and_close() -> World:
    from django.db import connections

    try:
        return seed_world()
    finally:
        connections.close_all()


@pytest.fixture(autouse=True)
def db(sweep_server):
    """The module's seeded database (see the module docstring)."""


@pytest.fixture
def photograph_on_failure(request):
    """`photograph_on_failure(page)`: a full-page picture in test-results/
    when the test fails."""
    pages = []
    yield pages.append
    report = getattr(request.node, "report_call", None)
    if report is None or not report.failed:
        return
    RESULTS_DIR.mkdir(exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    for page in pages:
        try:
            page.screenshot(path=str(RESULTS_DIR / f"{name}.png"), full_page=True)
        except Exception as error:  # a missing screenshot must not hide the failure
            print(f"screenshot of {name} failed: {error}")  # noqa: T201
