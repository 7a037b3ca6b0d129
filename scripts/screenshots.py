"""Full-page screenshots of the demo, for docs and for eyeballing changes.

Start the demo (`make run`), then:

    .venv/bin/python scripts/screenshots.py [BASE_URL]

BASE_URL defaults to http://127.0.0.1:8000. Each demo login signs in with its
password (the embedded demo exempts them from two-factor authentication) and
the PNGs land in docs/screenshots/ at 1280x860. Uses Debian's Chromium at
/usr/bin/chromium; never `playwright install`.
"""

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 860}
OUTPUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
DEMO_PASSWORD = "daraport-demo"
DEMO_ORG = "daraport-demo-clinic"


@dataclass(frozen=True)
class Follow:
    """A page reached by opening `path` (itself possibly a Follow) and
    following its first link matching `selector`."""

    path: "str | Follow"
    selector: str


def resolve(page: Page, path: str | Follow) -> str:
    if isinstance(path, str):
        return path
    page.goto(resolve(page, path.path))
    return page.locator(path.selector).first.get_attribute("href")


ANONYMOUS_PAGES = [
    ("landing", "/"),
    ("sign-in-to-book", Follow("/specialists/lena-hoffmann/", "a[href^='/patient/book/']")),
    ("signup", "/accounts/signup/"),
    ("directory", "/specialists/?language=pt"),
    ("directory-soonest", "/specialists/?sort=availability&available_within_days=3"),
    ("profile", "/specialists/lena-hoffmann/"),
]
# (login email, [(file name, path), ...])
SIGNED_IN_PAGES = [
    (
        "patient@demo.daraport.test",
        [
            ("patient-home", "/patient/"),
            ("intake", "/patient/intake/goals/"),
            ("match", "/patient/match/"),
            ("shortlist", "/patient/match/results/"),
            ("patient-appointments", "/patient/appointments/"),
            ("patient-feedback", Follow("/patient/appointments/", "a.pb-row-feedback")),
            ("patient-book", Follow("/specialists/dr-sam-okafor/", "a[href^='/patient/book/']")),
            ("patient-proposal", Follow("/patient/appointments/", "a[href^='/patient/proposals/']")),
            ("patient-notifications", "/patient/notifications/"),
            ("patient-consent-step", "/patient/consents/"),
            ("patient-consents", "/patient/consents/all/"),
            ("patient-your-data", "/account/data/"),
            (
                "patient-thread",
                Follow("/patient/messages/", "a[href^='/patient/messages/']:not([href='/patient/messages/'])"),
            ),
            (
                "patient-thread-book",
                Follow(
                    Follow("/patient/messages/", "a[href^='/patient/messages/']:not([href='/patient/messages/'])"),
                    "#panel-book a[href$='/book/']",
                ),
            ),
        ],
    ),
    (
        "specialist@demo.daraport.test",
        [
            ("specialist-home", "/specialist/"),
            ("account-sessions", "/accounts/sessions/"),
            ("specialist-profile", "/specialist/profile/"),
            ("specialist-offerings", "/specialist/offerings/"),
            ("specialist-calendar", "/specialist/calendar/"),
            ("specialist-hours", "/specialist/calendar/hours/"),
            ("specialist-appointments", "/specialist/appointments/"),
            ("specialist-request", Follow("/specialist/appointments/", "a[href^='/specialist/requests/']")),
            ("specialist-propose", "/specialist/proposals/new/"),
            ("specialist-inbox", "/specialist/messages/"),
            (
                "specialist-thread",
                Follow("/specialist/messages/", "a[href^='/specialist/messages/']:not([href='/specialist/messages/'])"),
            ),
            (
                "specialist-thread-propose",
                Follow(
                    Follow("/specialist/messages/", ".inbox-item:has-text('Alex') a"),
                    "#panel-propose a[href$='/propose/']",
                ),
            ),
            (
                "specialist-appointment",
                Follow("/specialist/appointments/", ".appt-row:has-text('Priya') a[href*='/specialist/appointments/']"),
            ),
            ("specialist-patients", "/specialist/patients/"),
            ("specialist-record", Follow("/specialist/patients/", "a:has-text('Jamie Rivera')")),
            (
                "specialist-note",
                Follow(Follow("/specialist/patients/", "a:has-text('Alex Morgan')"), "a[href$='/note/']"),
            ),
            ("specialist-feedback", "/specialist/feedback/"),
        ],
    ),
    ("noor.haddad@patients.demo.daraport.test", [("patient-home-feedback", "/patient/")]),
    (
        "admin@demo.daraport.test",
        [
            ("organization-home", f"/org/{DEMO_ORG}/"),
            ("organization-brand", f"/org/{DEMO_ORG}/brand/"),
            ("organization-specialists", f"/org/{DEMO_ORG}/specialists/"),
            ("organization-programs", f"/org/{DEMO_ORG}/programs/"),
            ("organization-booking", f"/org/{DEMO_ORG}/booking/"),
            ("organization-consents", f"/org/{DEMO_ORG}/consents/"),
            (
                "organization-form-builder",
                Follow(f"/org/{DEMO_ORG}/consents/", "a[href*='/consents/forms/']:not([href*='/new/'])"),
            ),
            ("organization-readiness", f"/org/{DEMO_ORG}/readiness/"),
            ("organization-insights", f"/org/{DEMO_ORG}/insights/"),
            ("organization-feedback", f"/org/{DEMO_ORG}/feedback/"),
            ("organization-overview", f"/org/{DEMO_ORG}/overview/"),
            ("organization-patients", f"/org/{DEMO_ORG}/patients/"),
            ("organization-patient", Follow(f"/org/{DEMO_ORG}/patients/", "a:has-text('Jamie Rivera')")),
            ("organization-bookings", f"/org/{DEMO_ORG}/bookings/"),
            ("organization-specialist-activity", f"/org/{DEMO_ORG}/specialists/activity/"),
            ("organization-audit", f"/org/{DEMO_ORG}/audit/"),
            ("organization-affiliates", f"/org/{DEMO_ORG}/affiliates/"),
            (
                "organization-affiliate",
                Follow(f"/org/{DEMO_ORG}/affiliates/", "a[href*='/affiliates/']:has-text('Demo')"),
            ),
            ("organization-affiliate-statements", f"/org/{DEMO_ORG}/affiliates/statements/"),
            ("organization-api-tokens", f"/org/{DEMO_ORG}/settings/api-tokens/"),
            ("organization-export", f"/org/{DEMO_ORG}/settings/export/"),
            (
                "organization-export-files",
                Follow(f"/org/{DEMO_ORG}/settings/export/", "main table a[href*='/settings/export/']"),
            ),
            ("organization-retention", f"/org/{DEMO_ORG}/retention/"),
        ],
    ),
    (
        "affiliate@demo.daraport.test",
        [
            ("affiliate-home", "/affiliate/"),
            ("affiliate-links", "/affiliate/links/"),
            ("affiliate-statements", "/affiliate/statements/"),
            (
                "affiliate-statement",
                Follow("/affiliate/statements/", "main a[href^='/affiliate/statements/'][href$='/']"),
            ),
        ],
    ),
]


# Anonymous pages in another language, as the footer's switcher leaves them:
# (language code, file name, path).
LANGUAGE_PAGES = [
    ("de", "de-landing", "/"),
    ("es", "es-profile", "/specialists/lena-hoffmann/"),
]

# At phone width: (login email, file name, path, whether the menu is opened).
PHONE_PAGES = [
    ("patient@demo.daraport.test", "phone-patient-menu", "/patient/", True),
    ("specialist@demo.daraport.test", "phone-specialist-home", "/specialist/", False),
]
PHONE_VIEWPORT = {"width": 390, "height": 844}


def say(line: str) -> None:
    sys.stdout.write(line + "\n")


def shoot(page: Page, name: str, path: str | Follow) -> None:
    path = resolve(page, path)
    response = page.goto(path)
    page.wait_for_load_state("networkidle")
    status = response.status if response else None
    if status != 200:
        raise SystemExit(f"{path} answered {status} at {page.url}")
    target = OUTPUT / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    say(f"{target.relative_to(OUTPUT.parents[1])}  ({path})")


def sign_in(page: Page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_load_state("networkidle")
    if "/accounts/login/" in page.url:
        raise SystemExit(f"could not sign in as {email}; is the demo seeded?")


def book_with_detour(page: Page) -> None:
    """The demo patient books Lena Hoffmann, who asks for her session
    agreement before booking: the time is held while the flow asks for it."""
    page.goto(resolve(page, Follow("/specialists/lena-hoffmann/", "a[href^='/patient/book/']")))
    page.locator("button.slot-time[name='starts_at']").first.click()
    page.wait_for_load_state("networkidle")
    target = OUTPUT / "patient-booking-detour.png"
    page.screenshot(path=str(target), full_page=True)
    say(f"{target.relative_to(OUTPUT.parents[1])}  ({page.url})")


def run(browser: Browser, base_url: str) -> None:
    context = browser.new_context(base_url=base_url, viewport=VIEWPORT)
    page = context.new_page()
    for name, path in ANONYMOUS_PAGES:
        shoot(page, name, path)
    context.close()

    for email, pages in SIGNED_IN_PAGES:
        context = browser.new_context(base_url=base_url, viewport=VIEWPORT)
        page = context.new_page()
        sign_in(page, email)
        for name, path in pages:
            shoot(page, name, path)
        if email == "patient@demo.daraport.test":
            book_with_detour(page)
        context.close()

    for language, name, path in LANGUAGE_PAGES:
        context = browser.new_context(base_url=base_url, viewport=VIEWPORT, locale=language)
        page = context.new_page()
        shoot(page, name, path)
        context.close()

    for email, name, path, open_menu in PHONE_PAGES:
        context = browser.new_context(base_url=base_url, viewport=PHONE_VIEWPORT)
        page = context.new_page()
        sign_in(page, email)
        page.goto(path)
        if open_menu:
            page.locator("[data-nav-toggle]").click()
        target = OUTPUT / f"{name}.png"
        page.screenshot(path=str(target), full_page=not open_menu)
        say(f"{target.relative_to(OUTPUT.parents[1])}  ({path}, 390 px)")
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base_url", nargs="?", default="http://127.0.0.1:8000", help="the running demo")
    args = parser.parse_args()
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            run(browser, args.base_url.rstrip("/"))
        finally:
            browser.close()


if __name__ == "__main__":
    main()
