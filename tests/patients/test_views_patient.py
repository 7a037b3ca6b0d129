"""The guided intake pages (patients/views.py), tried as each kind of person."""

import re

import pytest
from django.urls import reverse

from core.models import AuditLog
from organizations.models import Membership
from patients.models import Intake
from tests.conftest import member
from tests.patients.factories import IntakeFactory

pytestmark = pytest.mark.django_db

INTAKE = reverse("patients:intake")


def step_url(step):
    return reverse("patients:intake-step", args=[step])


def skip_url(step):
    return reverse("patients:intake-skip", args=[step])


@pytest.fixture
def patient(org):
    return member(org, Membership.Role.PATIENT)


@pytest.fixture
def patient_client(client, patient):
    client.force_login(patient)
    return client


def intake_of(user):
    return Intake.objects.filter(user=user).first()


def checked(html: str, name: str) -> list[str]:
    """The values of the ticked boxes (or radios) named `name`."""
    inputs = re.findall(rf'<input[^>]*name="{name}"[^>]*>', html)
    return [re.search(r'value="([^"]*)"', tag).group(1) for tag in inputs if re.search(r"\bchecked\b", tag)]


# --- Who gets in ---------------------------------------------------------------------


@pytest.mark.parametrize(("name", "args"), [("patients:intake", []), ("patients:intake-step", ["goals"])])
def test_a_patient_opens_the_intake(patient_client, name, args):
    response = patient_client.get(reverse(name, args=args), follow=True)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("role", [Membership.Role.SPECIALIST, Membership.Role.AFFILIATE, Membership.Role.ADMIN])
@pytest.mark.parametrize("url", [INTAKE, step_url("goals")])
def test_people_without_the_patient_role_get_the_friendly_403_page(client, org, role, url):
    client.force_login(member(org, role, staff=role != Membership.Role.AFFILIATE))
    response = client.get(url)
    assert response.status_code == 403
    assert "portals/no_access.html" in [template.name for template in response.templates]


def test_someone_without_the_patient_role_cannot_skip_either(client, org):
    client.force_login(member(org, Membership.Role.AFFILIATE))
    assert client.post(skip_url("goals")).status_code == 403
    assert not Intake.objects.exists()


@pytest.mark.parametrize("url", [INTAKE, step_url("goals")])
def test_anonymous_visitors_are_sent_to_sign_in_and_back(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={url}"


def test_anonymous_visitors_cannot_skip(client):
    response = client.post(skip_url("goals"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_unknown_step_is_404(patient_client, method):
    assert getattr(patient_client, method)(step_url("billing")).status_code == 404
    assert patient_client.post(skip_url("billing")).status_code == 404
    assert not Intake.objects.exists()


def test_skipping_needs_a_post(patient_client):
    assert patient_client.get(skip_url("goals")).status_code == 405
    assert not Intake.objects.exists()


# --- The walk through -------------------------------------------------------------------


def test_the_intake_starts_at_the_first_step_without_storing_anything(patient_client, patient):
    response = patient_client.get(INTAKE)
    assert response["Location"] == step_url("goals")
    html = patient_client.get(step_url("goals")).content.decode()
    assert "Step 1 of 3" in html
    assert 'value="anxiety"' in html  # topics come from the taxonomy
    assert "Save and continue" in html
    assert "Skip this step" in html
    assert intake_of(patient) is None  # a read is not a start


def test_saving_a_step_stores_it_and_goes_to_the_next(patient_client, patient):
    response = patient_client.post(
        step_url("goals"), {"topics": ["anxiety", "grief"], "goals_text": "  My father died in spring.  "}
    )
    assert response.status_code == 302
    assert response["Location"] == step_url("preferences")
    intake = intake_of(patient)
    assert intake.topics == ["anxiety", "grief"]
    assert intake.goals_text == "My father died in spring."
    assert intake.current_step == "preferences"


def test_leaving_and_coming_back_resumes_where_the_patient_stopped(patient_client):
    patient_client.post(step_url("goals"), {"topics": ["sleep"]})
    assert patient_client.get(INTAKE)["Location"] == step_url("preferences")
    assert checked(patient_client.get(step_url("goals")).content.decode(), "topics") == ["sleep"]


def test_skipping_a_step_records_it_and_moves_on(patient_client, patient):
    response = patient_client.post(skip_url("goals"))
    assert response["Location"] == step_url("preferences")
    assert intake_of(patient).skipped_steps == ["goals"]


def test_the_last_step_saves_the_time_zone_and_shows_the_summary(patient_client, patient):
    html = patient_client.get(step_url("constraints")).content.decode()
    assert "Step 3 of 3" in html
    assert '<option value="Europe/Berlin" selected>' in html  # prefilled from the account
    assert "Save and finish" in html
    response = patient_client.post(
        step_url("constraints"),
        {
            "budget": "90.50",
            "days": ["sat"],
            "times_of_day": ["morning"],
            "jurisdiction": "pt",
            "timezone": "Europe/Lisbon",
        },
    )
    assert response["Location"] == INTAKE
    intake = intake_of(patient)
    assert (intake.budget_max_minor, intake.budget_currency) == (9050, "EUR")
    assert intake.completed_at is not None
    patient.refresh_from_db()
    assert patient.timezone == "Europe/Lisbon"


def test_the_summary_shows_every_answer_with_an_edit_link_per_step(patient_client, patient):
    IntakeFactory(user=patient, completed=True, skipped_steps=[])
    response = patient_client.get(INTAKE)
    assert response.status_code == 200
    html = response.content.decode()
    for text in ["Anxiety", "Sleep", "I have been sleeping badly since the move.", "English", "Portuguese",
                 "A woman", "Video", "Cognitive behavioural therapy (CBT)", "Up to €90.00 per session", "Monday",
                 "Thursday", "Evenings", "Germany", "Europe/Berlin"]:  # fmt: skip
        assert text in html, text
    for step in Intake.STEPS:
        assert f'href="{step_url(step)}"' in html


def test_a_skipped_step_says_so_in_the_summary(patient_client, patient):
    IntakeFactory(user=patient, completed=True, skipped_steps=["preferences"], languages=[], specialist_gender="",
                  modalities=[], approaches=[])  # fmt: skip
    assert "You skipped this step." in patient_client.get(INTAKE).content.decode()


def test_editing_a_step_of_a_completed_intake_returns_to_the_summary(patient_client, patient):
    IntakeFactory(user=patient, completed=True)
    assert checked(patient_client.get(step_url("goals")).content.decode(), "topics") == ["anxiety", "sleep"]
    response = patient_client.post(step_url("goals"), {"topics": ["grief"]})
    assert response["Location"] == INTAKE
    assert intake_of(patient).topics == ["grief"]


def test_the_patients_own_reads_write_no_audit_rows(patient_client, patient):
    IntakeFactory(user=patient, completed=True)
    patient_client.get(INTAKE)
    patient_client.get(step_url("goals"))
    assert not AuditLog.objects.exists()


def test_extra_fields_in_the_post_are_ignored(patient_client, patient, personas):
    other = personas["patient_b"]
    patient_client.post(
        step_url("goals"),
        {"topics": ["sleep"], "user": other.pk, "completed_at": "2020-01-01", "current_step": "constraints"},
    )
    intake = intake_of(patient)
    assert intake.current_step == "preferences"
    assert intake.completed_at is None
    assert intake_of(other) is None


def test_the_patient_nav_links_to_the_intake(patient_client):
    html = patient_client.get(reverse("core:patient-home")).content.decode()
    assert f'href="{INTAKE}"' in html
    assert "Your answers" in html


# --- Bad input: 422, nothing stored ---------------------------------------------------------


@pytest.mark.parametrize(
    ("step", "data", "message"),
    [
        ("goals", {"topics": ["anxiety", "astrology"]}, "is not one of the options"),
        ("goals", {"goals_text": "x" * 2001}, "under 2,000 characters"),
        ("preferences", {"specialist_gender": "robot"}, "is not one of the options"),
        ("preferences", {"languages": ["tlh"]}, "is not one of the options"),
        ("constraints", {"budget": "-20"}, "cannot be negative"),
        ("constraints", {"budget": "20.505"}, "at most 2 decimal places"),
        ("constraints", {"budget": "5000"}, "at most €1,000.00 per session"),
        ("constraints", {"budget": "twenty"}, "Enter an amount like 80 or 80.50."),
        ("constraints", {"days": ["someday"]}, "is not one of the options"),
        ("constraints", {"timezone": "Mars/Olympus_Mons"}, "not a time zone we know"),
        ("constraints", {"jurisdiction": "atlantis"}, "is not one of the options"),
    ],
)
def test_bad_input_re_renders_the_form_with_a_clear_message_and_stores_nothing(
    patient_client, patient, step, data, message
):
    response = patient_client.post(step_url(step), data)
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html
    assert "<html" in html  # the whole page, for browsers without JavaScript
    assert intake_of(patient) is None
    patient.refresh_from_db()
    assert patient.timezone == "Europe/Berlin"


def test_bad_input_leaves_earlier_answers_of_the_step_alone(patient_client, patient):
    IntakeFactory(user=patient, completed=True)
    response = patient_client.post(step_url("constraints"), {"budget": "-1", "days": ["sun"]})
    assert response.status_code == 422
    intake = intake_of(patient)
    assert (intake.budget_max_minor, intake.days) == (9000, ["mon", "thu"])


# --- htmx: saving as the patient goes -----------------------------------------------------


def test_an_htmx_change_saves_without_moving_on_and_returns_the_form_partial(patient_client, patient):
    response = patient_client.post(step_url("goals"), {"topics": ["stress"]}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="intake-form"' in html
    assert '<span id="intake-saved" class="intake-saved" role="status" aria-live="polite"><span>Saved</span>' in html
    intake = intake_of(patient)
    assert intake.topics == ["stress"]
    assert intake.current_step == "goals"


def test_an_htmx_change_with_bad_input_answers_422_with_the_messages_to_swap_in(patient_client, patient):
    response = patient_client.post(step_url("constraints"), {"budget": "-5"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    html = response.content.decode()
    assert "<html" not in html
    # Each field's messages and the page alert are swapped in by id, out of
    # band; the inputs the patient is using are left alone.
    budget_errors = re.search(r'<div id="intake-errors-budget"[^>]*hx-swap-oob="true">(.*?)</div>', html).group(1)
    assert "A budget cannot be negative." in budget_errors
    assert re.search(r'<div id="intake-alert" hx-swap-oob="true">\s*<div class="form-errors"', html)
    assert "Saved" not in html
    assert intake_of(patient) is None


def test_an_htmx_save_after_an_error_clears_the_messages(patient_client, patient):
    response = patient_client.post(step_url("constraints"), {"budget": "50"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<div id="intake-errors-budget" class="intake-errors" hx-swap-oob="true"></div>' in html
    assert re.search(r'<div id="intake-alert" hx-swap-oob="true">\s*</div>', html)
    assert intake_of(patient).budget_max_minor == 5000


def test_an_htmx_get_returns_only_the_form(patient_client):
    response = patient_client.get(step_url("preferences"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="intake-form"' in html


def test_the_step_page_wires_autosave_to_the_same_url(patient_client):
    html = patient_client.get(step_url("goals")).content.decode()
    assert f'hx-post="{step_url("goals")}"' in html
    assert 'hx-trigger="change"' in html
    assert 'hx-target="#intake-saved"' in html
    assert f'action="{skip_url("goals")}"' in html
