"""The guided intake, as a patient walks it: start, answer, leave, come back,
skip, finish. Each step is photographed into test-results/intake/."""

import re

import pytest
from playwright.sync_api import expect

from organizations.models import Membership
from patients.models import Intake
from tests.accounts.factories import UserFactory
from tests.browser.helpers import screenshot, signed_in_page
from tests.organizations.factories import MembershipFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def patient(org):
    user = UserFactory(email="lucia@example.test", full_name="Lucía Ferreira", timezone="Europe/Berlin")
    MembershipFactory(user=user, organization=org, role=Membership.Role.PATIENT)
    return user


def shoot(page, name):
    screenshot(page, "intake", name)


def option(page, label):
    """A pill-shaped option: people click the label, the box itself is hidden."""
    return page.locator("label.intake-option", has_text=re.compile(rf"^{re.escape(label)}$"))


def test_a_patient_starts_leaves_resumes_skips_and_finishes_the_intake(new_page, live_server, patient):
    page = signed_in_page(new_page, live_server, patient)

    page.goto("/patient/")
    expect(page.get_by_role("heading", name="Tell us what brings you here")).to_be_visible()
    shoot(page, "0-home-before")
    page.get_by_role("button", name="Start").click()

    # Step 1: care goals. A tick saves at once (htmx), without leaving the page.
    expect(page).to_have_url(f"{live_server.url}/patient/intake/goals/")
    expect(page.get_by_text("Step 1 of 3")).to_be_visible()
    expect(page.get_by_role("heading", name="What brings you here?")).to_be_visible()
    shoot(page, "1-goals-empty")
    option(page, "Anxiety").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    assert Intake.objects.get(user=patient).topics == ["anxiety"]
    option(page, "Sleep").click()
    page.get_by_label("In your own words").fill("Since the move I sleep badly and worry about work.")
    expect(page.get_by_role("checkbox", name="Sleep")).to_be_checked()
    shoot(page, "2-goals-answered")
    page.get_by_role("button", name="Save and continue").click()

    # Step 2, then away to the home page: the card knows where they are.
    expect(page).to_have_url(f"{live_server.url}/patient/intake/preferences/")
    expect(page.get_by_text("Step 2 of 3")).to_be_visible()
    shoot(page, "3-preferences")
    page.get_by_role("navigation").get_by_role("link", name="Home").click()
    expect(page.get_by_role("heading", name="Finish your answers — step 2 of 3")).to_be_visible()
    shoot(page, "4-home-in-progress")

    # Coming back resumes at step 2; skip it.
    page.get_by_role("link", name="Your answers").click()
    expect(page).to_have_url(f"{live_server.url}/patient/intake/preferences/")
    page.get_by_role("button", name="Skip this step").click()

    # Step 3: practicalities. The time zone is prefilled from the account.
    expect(page).to_have_url(f"{live_server.url}/patient/intake/constraints/")
    expect(page.get_by_text("Step 3 of 3")).to_be_visible()
    expect(page.get_by_label("Your time zone")).to_have_value("Europe/Berlin")
    page.get_by_label("Budget per session").fill("-20")
    page.get_by_label("Budget per session").blur()
    expect(page.get_by_role("alert").filter(has_text="A budget cannot be negative.")).to_be_visible()
    shoot(page, "5-constraints-error")
    page.get_by_label("Budget per session").fill("85.50")
    option(page, "Tuesday").click()
    option(page, "Thursday").click()
    option(page, "Evenings").click()
    expect(page.get_by_role("alert").filter(has_text="A budget cannot be negative.")).to_have_count(0)
    page.get_by_label("Where do you live?").select_option("pt")
    page.get_by_label("Your time zone").select_option("Europe/Lisbon")
    shoot(page, "6-constraints-answered")
    page.get_by_role("button", name="Save and finish").click()

    # The summary: every answer, an Edit link per step.
    expect(page).to_have_url(f"{live_server.url}/patient/intake/")
    expect(page.get_by_role("heading", name="Your answers", exact=True)).to_be_visible()
    main = page.get_by_role("main")
    for text in ["Anxiety", "Sleep", "Since the move I sleep badly", "You skipped this step.",
                 "Up to €85.50 per session", "Tuesday", "Thursday", "Evenings", "Portugal", "Europe/Lisbon"]:  # fmt: skip
        expect(main.get_by_text(text).first).to_be_visible()
    expect(main.get_by_role("link", name=re.compile("^Edit"))).to_have_count(3)
    shoot(page, "7-summary")

    intake = Intake.objects.get(user=patient)
    assert intake.completed_at is not None
    assert intake.skipped_steps == ["preferences"]
    assert (intake.budget_max_minor, intake.budget_currency) == (8550, "EUR")
    assert intake.days == ["tue", "thu"]
    patient.refresh_from_db()
    assert patient.timezone == "Europe/Lisbon"

    # Home no longer asks for the intake.
    page.get_by_role("navigation").get_by_role("link", name="Home").click()
    expect(
        page.get_by_role("heading", name=re.compile("Tell us what brings you here|Finish your answers"))
    ).to_have_count(0)
    shoot(page, "8-home-after")


def test_on_a_phone_the_options_stay_tidy_and_the_save_button_in_reach(new_page, live_server, patient):
    page = signed_in_page(new_page, live_server, patient)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/patient/intake/")
    expect(page.get_by_text("Step 1 of 3")).to_be_visible()
    option(page, "Stress and burnout").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    shoot(page, "9-goals-phone")
    # Two options per row, none wider than the screen.
    boxes = [box for box in (chip.bounding_box() for chip in page.locator("label.intake-option").all()) if box]
    assert len({round(box["x"]) for box in boxes}) == 2
    assert all(box["x"] + box["width"] <= 390 for box in boxes)
    page.get_by_role("button", name="Save and continue").click()
    expect(page).to_have_url(f"{live_server.url}/patient/intake/preferences/")
