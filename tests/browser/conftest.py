"""Headless Chromium for the browser tests (FIELD-NOTES.md, "Browser tests").

Debian's Chromium is used as installed; `playwright install` is never run.
Without it the tests skip, unless DARAPORT_REQUIRE_BROWSER=1 (CI) makes that
a failure. A failing test leaves a screenshot in test-results/<test name>.png.
"""

import os
import re
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # WebRTC between two pages of this machine: without it Chromium gathers
    # no loopback candidates, and a machine offline has no others.
    "--allow-loopback-in-peer-connection",
]
RESULTS_DIR = Path(__file__).resolve().parents[2] / "test-results"
DEFAULT_TIMEOUT_MS = 10_000


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember each phase's outcome on the item, so fixtures can see a failure."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)"
        if os.environ.get("DARAPORT_REQUIRE_BROWSER") == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server, request):
    """Open a page in a fresh browser context (its own cookies and session).

    `new_page(timezone_id="America/Sao_Paulo")` passes context options through.
    Every page opened in the test is photographed if the test fails.
    """
    contexts = []

    def open_page(**context_options):
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1280, "height": 860}, **context_options
        )
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page

    report = getattr(request.node, "report_call", None)
    failed = report is not None and report.failed
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    for index, context in enumerate(contexts):
        if failed:
            RESULTS_DIR.mkdir(exist_ok=True)
            for number, page in enumerate(context.pages):
                suffix = "" if index == number == 0 else f"-{index + 1}-{number + 1}"
                try:
                    page.screenshot(path=str(RESULTS_DIR / f"{name}{suffix}.png"), full_page=True)
                except Exception as error:  # a missing screenshot must not hide the failure
                    print(f"screenshot of {name}{suffix} failed: {error}")  # noqa: T201
        context.close()


@pytest.fixture
def page(new_page):
    """A page in a fresh browser context, pointed at the live server."""
    return new_page()
