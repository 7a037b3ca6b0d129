"""From the intake to a chosen specialist, as a new patient walks it: answer
step 1, leave, come back, then find a specialist through the questionnaire
and its shortlist. The questionnaire and the shortlist are photographed into
test-results/find-a-specialist/."""

import re

import pytest
from playwright.sync_api import expect

from care.models import CareRelationship
from organizations.models import Membership
from patients.models import Intake
from tests.accounts.factories import UserFactory
from tests.browser.helpers import screenshot, signed_in_page
from tests.organizations.factories import MembershipFactory
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def patient(org):
    user = UserFactory(email="lucia@example.test", full_name="Lucía Ferreira", timezone="Europe/Lisbon")
    MembershipFactory(user=user, organization=org, role=Membership.Role.PATIENT)
    return user


@pytest.fixture
def specialists(org):
    """Five approved specialists; only Ana speaks Portuguese, works with anxiety and fits €90."""
    people = {}
    for name, languages, topics, price in [
        ("Ana Pereira", ["pt", "en"], ["anxiety", "sleep"], 7000),
        ("Bruno Costa", ["pt"], ["grief"], 8500),
        ("Diego Alves", ["pt", "es"], ["anxiety"], 14000),
        ("Anna Becker", ["de", "en"], ["anxiety"], 6000),
        ("Chris Doyle", ["en"], ["depression", "stress"], 9500),
    ]:
        profile = SpecialistProfileFactory(
            organization=org, display_name=name, languages=languages, specializations=topics
        )
        OfferingFactory(specialist=profile, price_minor=price)
        people[name] = profile
    return people


def shoot(page, name):
    screenshot(page, "find-a-specialist", name)


def card(page, title):
    """A "what's next" card on the patient home, by its heading."""
    return page.locator("article.next-step", has=page.get_by_role("heading", name=title))


def question(page, legend):
    """One question of the questionnaire: a fieldset named by its legend."""
    return page.get_by_role("group", name=legend)


def test_a_new_patient_answers_step_one_then_finds_and_chooses_a_specialist(
    new_page, live_server, patient, specialists
):
    page = signed_in_page(new_page, live_server, patient)

    # Step 1 of the intake: anxiety.
    page.goto("/patient/")
    page.get_by_role("button", name="Start").click()
    expect(page).to_have_url(f"{live_server.url}/patient/intake/goals/")
    page.locator("label.intake-option", has_text=re.compile(r"^Anxiety$")).click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    page.get_by_role("button", name="Save and continue").click()
    expect(page).to_have_url(f"{live_server.url}/patient/intake/preferences/")

    # Away to the home page: the card knows where they are.
    page.get_by_role("navigation").get_by_role("link", name="Home").click()
    expect(page.get_by_role("heading", name="Finish your answers — step 2 of 3")).to_be_visible()

    # Coming back resumes at step 2.
    page.get_by_role("navigation").get_by_role("link", name="Your answers").click()
    expect(page).to_have_url(f"{live_server.url}/patient/intake/preferences/")
    expect(page.get_by_text("Step 2 of 3")).to_be_visible()

    # Home again, and from there to the questionnaire.
    page.get_by_role("navigation").get_by_role("link", name="Home").click()
    find = card(page, "Find your specialist")
    expect(find).to_be_visible()
    find.get_by_role("button", name="Get my shortlist").click()

    # The questionnaire, prefilled with step 1's topic.
    expect(page).to_have_url(f"{live_server.url}/patient/match/")
    expect(page.get_by_role("heading", name="Find your specialist", level=1)).to_be_visible()
    expect(page.get_by_role("checkbox", name="Anxiety", exact=True)).to_be_checked()
    expect(page.get_by_role("checkbox", name="Sleep", exact=True)).not_to_be_checked()
    page.locator("label.intake-option", has_text="Portuguese").click()  # the pill, as a person taps it
    page.get_by_label("Most you want to pay per session (EUR)").fill("90")
    shoot(page, "1-questionnaire")
    page.get_by_role("button", name="Show my matches").click()

    # The shortlist: Ana first, with the reasons she fits; nobody outside Portuguese or €90.
    expect(page).to_have_url(f"{live_server.url}/patient/match/results/")
    expect(page.get_by_role("heading", name="Your matches")).to_be_visible()
    matches = page.locator("ol.shortlist > li")
    expect(matches).to_have_count(2)
    top = matches.first
    expect(top.get_by_role("heading", name="Ana Pereira")).to_be_visible()
    expect(top.locator(".reasons")).to_have_text(
        "Speaks Portuguese · works with anxiety · within your budget (from €70.00)"
    )
    expect(matches.nth(1).get_by_role("heading", name="Bruno Costa")).to_be_visible()
    main = page.get_by_role("main")
    for name in ["Diego Alves", "Anna Becker", "Chris Doyle"]:
        expect(main.get_by_text(name)).to_have_count(0)
    shoot(page, "2-shortlist")
    top.get_by_role("button", name="Choose Ana Pereira").click()

    # Home, with the chosen specialist named.
    expect(page).to_have_url(f"{live_server.url}/patient/")
    expect(page.get_by_role("status").filter(has_text="You chose Ana Pereira.")).to_be_visible()
    expect(page.get_by_role("heading", name="Your specialist: Ana Pereira")).to_be_visible()
    expect(card(page, "Find your specialist")).to_have_count(0)
    shoot(page, "3-home-after")

    relationship = CareRelationship.objects.get(patient=patient)
    assert (relationship.specialist, relationship.source, relationship.status) == (
        specialists["Ana Pereira"],
        CareRelationship.Source.MATCHED,
        CareRelationship.Status.ACTIVE,
    )
    intake = Intake.objects.get(user=patient)
    assert (intake.topics, intake.languages, intake.budget_max_minor) == (["anxiety"], ["pt"], 9000)
    assert intake.current_step == "preferences"  # the questionnaire does not move the guided intake


@pytest.mark.parametrize("label", ["Most you want to pay per session (EUR)", "Where do you live?"])
def test_every_questionnaire_box_has_its_question_as_its_label(new_page, live_server, patient, label):
    page = signed_in_page(new_page, live_server, patient)
    page.goto("/patient/match/")
    expect(page.get_by_role("heading", name="Find your specialist", level=1)).to_be_visible()
    page.set_default_timeout(2_000)
    expect(page.get_by_label(label, exact=True)).to_be_visible()
