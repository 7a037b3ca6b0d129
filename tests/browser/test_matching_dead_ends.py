"""No dead ends between the intake and a specialist: finishing the intake
leads straight to the shortlist, whose answers can be changed from there; a
short list says which answers cut it and widens one of them in a click;
every shortlist card carries a directory card's facts and its Book button.
The results page is photographed into test-results/matching/ at desktop and
phone width."""

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from playwright.sync_api import expect

from booking.models import NextAvailability
from organizations.models import Membership
from tests.accounts.factories import UserFactory
from tests.browser.helpers import screenshot, signed_in_page
from tests.organizations.factories import MembershipFactory
from tests.patients.factories import IntakeFactory
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory, image_bytes

pytestmark = pytest.mark.browser

RESULTS = "/patient/match/results/"
SHORT = (
    "Only 2 specialists speak Polish, fit your budget of €90.00, are licensed in Germany and are taking new patients."
)


@pytest.fixture
def patient(org):
    user = UserFactory(email="kasia@example.test", full_name="Kasia Nowicka", timezone="Europe/Berlin")
    MembershipFactory(user=user, organization=org, role=Membership.Role.PATIENT)
    # Steps 1 and 2 done (anxiety, Polish); the last step is left to do in the browser.
    IntakeFactory(user=user, current_step="constraints", topics=["anxiety"], languages=["pl"])
    return user


@pytest.fixture
def specialists(org, settings, tmp_path):
    """Two fit everything; each of the others misses exactly one answer."""
    settings.MEDIA_ROOT = str(tmp_path)
    people = {}
    for name, languages, topics, jurisdictions, price, accepting in [
        ("Anna Nowak", ["pl", "de"], ["anxiety"], ["de"], 7000, True),
        ("Piotr Zieliński", ["pl"], ["sleep"], ["de"], 8500, True),
        ("Clara Weber", ["de", "en"], ["anxiety"], ["de"], 6000, True),  # no Polish
        ("Marek Kowalski", ["pl"], ["anxiety"], ["de"], 14000, True),  # above the budget
        ("Jan Wójcik", ["pl"], ["anxiety"], ["at"], 6500, True),  # licensed in Austria only
        ("Ewa Lis", ["pl"], ["anxiety"], ["de"], 6000, False),  # not taking new patients
    ]:
        profile = SpecialistProfileFactory(
            organization=org,
            display_name=name,
            languages=languages,
            specializations=topics,
            jurisdictions=jurisdictions,
            accepting_new_patients=accepting,
        )
        OfferingFactory(specialist=profile, price_minor=price)
        people[name] = profile
    anna = people["Anna Nowak"]
    anna.photo.save("photo.jpg", ContentFile(image_bytes(size=(240, 240), colour="#8E5572")), save=True)
    # 09:00 on the patient's clock, two days on.
    soon = datetime.combine(timezone.localdate() + timedelta(days=2), time(9), tzinfo=ZoneInfo("Europe/Berlin"))
    NextAvailability.objects.create(specialist=anna, starts_at=soon, valid_until=timezone.now() + timedelta(hours=1))
    return people


def shoot(page, name):
    screenshot(page, "matching", name)


def card(page, name):
    return page.locator("ol.shortlist > li", has=page.get_by_role("heading", name=name))


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_from_the_intake_to_a_short_list_widened_in_one_click(new_page, live_server, patient, specialists):
    page = signed_in_page(new_page, live_server, patient)

    # The last step of the intake, then straight to the matches.
    page.goto("/patient/intake/")
    expect(page).to_have_url(f"{live_server.url}/patient/intake/constraints/")
    page.get_by_label("Budget per session").fill("90")
    page.get_by_label("Where do you live?").select_option("de")
    page.get_by_role("button", name="Save and finish").click()
    expect(page).to_have_url(f"{live_server.url}/patient/intake/")
    page.get_by_role("button", name="See your matches").click()
    expect(page).to_have_url(f"{live_server.url}{RESULTS}")
    expect(page.get_by_role("heading", name="Your matches", level=1)).to_be_visible()

    # The answers the list was made from, in view.
    answers = page.get_by_role("region", name="Your answers")
    for term, value in [
        ("Help with", "Anxiety"),
        ("Languages", "Polish"),
        ("Budget", "Up to €90.00 a session"),
        ("Where you live", "Germany"),
    ]:
        expect(answers.locator("div", has=page.locator("dt", has_text=term)).locator("dd")).to_have_text(value)

    # Fewer than three: which answers did it, with a way to widen each.
    short = page.get_by_role("region", name="Only a few fit your answers")
    expect(short).to_contain_text(SHORT)
    expect(short.get_by_role("listitem")).to_have_text(
        [
            "Show specialists who don't speak Polish (1 more)",
            "Include those above your budget (1 more)",
            "Show specialists not licensed in Germany (1 more)",
            "1 more would fit but is not taking new patients right now.",
        ]
    )
    matches = page.locator("ol.shortlist > li")
    expect(matches).to_have_count(2)

    # A shortlist card says what a directory card says, and books.
    anna = card(page, "Anna Nowak")
    expect(anna.locator("img.dir-avatar")).to_be_visible()
    expect(anna.locator(".dir-price")).to_have_text("From €70.00")
    expect(anna.locator(".dir-next-available")).to_contain_text("Next available")
    expect(anna.locator(".dir-next-available time")).to_have_text(re.compile(r"^\w{3} \d{1,2} \w{3}, 09:00$"))
    expect(anna.locator(".reasons")).to_have_text(
        "Speaks Polish · works with anxiety · within your budget (from €70.00) · licensed where you live"
    )
    expect(card(page, "Piotr Zieliński").locator(".shortfalls")).to_have_text("Does not list anxiety")
    expect(anna.get_by_role("button", name="Book Anna Nowak")).to_be_visible()
    expect(anna.get_by_role("button", name="Choose Anna Nowak")).to_be_visible()
    assert no_sideways_scroll(page)
    shoot(page, "1-short-list-desktop")

    # The same page on a phone: nothing wider than the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    assert no_sideways_scroll(page)
    shoot(page, "2-short-list-phone")
    page.set_viewport_size({"width": 1280, "height": 860})

    # Widening the language lets Clara in, saying plainly what she does not meet.
    short.get_by_role("link", name="Show specialists who don't speak Polish").click()
    expect(page).to_have_url(f"{live_server.url}{RESULTS}?widen=language")
    expect(page.get_by_role("status")).to_contain_text(
        "Also showing specialists who don't speak Polish; each says what they do not meet."
    )
    expect(matches).to_have_count(3)
    expect(matches.nth(2).get_by_role("heading", name="Clara Weber")).to_be_visible()
    expect(card(page, "Clara Weber").locator(".shortfalls")).to_have_text("Does not speak Polish")
    expect(page.get_by_role("region", name="Only a few fit your answers")).to_have_count(0)
    shoot(page, "3-widened-desktop")
    page.get_by_role("link", name="Show only those who meet all your answers").click()
    expect(page).to_have_url(f"{live_server.url}{RESULTS}")
    expect(matches).to_have_count(2)

    # Changing an answer from the results: the questionnaire, prefilled, and back.
    page.get_by_role("region", name="Your answers").get_by_role("link", name="Change answers").click()
    expect(page).to_have_url(f"{live_server.url}/patient/match/")
    expect(page.get_by_role("checkbox", name="Polish", exact=True)).to_be_checked()
    page.locator("label.intake-option", has_text=re.compile(r"^English$")).click()
    page.get_by_role("button", name="Show my matches").click()
    expect(page).to_have_url(f"{live_server.url}{RESULTS}")
    expect(answers.locator("div", has=page.locator("dt", has_text="Languages")).locator("dd")).to_have_text(
        "English, Polish"
    )
    expect(matches).to_have_count(3)
    expect(page.get_by_role("region", name="Only a few fit your answers")).to_have_count(0)

    # Book from the card.
    card(page, "Anna Nowak").get_by_role("button", name="Book Anna Nowak").click()
    offering = specialists["Anna Nowak"].offerings.get()
    expect(page).to_have_url(f"{live_server.url}/patient/book/{offering.public_id}/")
