"""Writes to the guided intake (patients/services.py)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from core.models import JourneyEvent
from organizations.models import Membership
from patients.models import Intake
from patients.services import (
    INTAKE_COMPLETED,
    UnknownStep,
    budget_to_minor,
    intake_record_answers,
    intake_save_step,
    intake_skip_step,
)
from tests.accounts.factories import UserFactory
from tests.conftest import member
from tests.organizations.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

GOALS = {"topics": ["anxiety", "sleep"], "goals_text": "Since the move I sleep badly and worry all day."}
PREFERENCES = {"languages": ["pt", "en"], "specialist_gender": "woman", "modalities": ["video"], "approaches": []}
CONSTRAINTS = {
    "budget_max_minor": 8550,
    "days": ["thu", "mon"],
    "times_of_day": ["evening"],
    "jurisdiction": "de",
    "timezone": "America/Sao_Paulo",
}


@pytest.fixture
def patient(org):
    return member(org, Membership.Role.PATIENT)


def intake_of(user) -> Intake:
    return Intake.objects.get(user=user)


# --- Saving each step -----------------------------------------------------------


def test_saving_the_goals_stores_topics_and_text_and_moves_to_preferences(patient):
    intake = intake_save_step(user=patient, step="goals", data=GOALS)
    intake = intake_of(patient)
    assert intake.topics == ["anxiety", "sleep"]
    assert intake.goals_text == GOALS["goals_text"]
    assert intake.current_step == "preferences"
    assert intake.completed_at is None


def test_saving_the_preferences_stores_each_answer(patient):
    intake_save_step(user=patient, step="preferences", data=PREFERENCES)
    intake = intake_of(patient)
    assert intake.languages == ["pt", "en"]
    assert intake.specialist_gender == "woman"
    assert intake.modalities == ["video"]
    assert intake.approaches == []


def test_no_gender_preference_is_stored_as_blank(patient):
    intake_save_step(user=patient, step="preferences", data={**PREFERENCES, "specialist_gender": ""})
    assert intake_of(patient).specialist_gender == ""


def test_saving_the_constraints_stores_them_sets_the_time_zone_and_completes(patient):
    intake_save_step(user=patient, step="constraints", data=CONSTRAINTS)
    intake = intake_of(patient)
    assert intake.budget_max_minor == 8550
    assert intake.budget_currency == "EUR"
    assert intake.days == ["mon", "thu"]  # week order, whatever the order sent
    assert intake.times_of_day == ["evening"]
    assert intake.jurisdiction == "de"
    assert intake.completed_at is not None
    patient.refresh_from_db()
    assert patient.timezone == "America/Sao_Paulo"


def test_an_empty_time_zone_leaves_the_users_alone(patient):
    intake_save_step(user=patient, step="constraints", data={**CONSTRAINTS, "timezone": ""})
    patient.refresh_from_db()
    assert patient.timezone == "Europe/Berlin"


def test_a_step_saved_again_replaces_its_answers_and_duplicates_collapse(patient):
    intake_save_step(user=patient, step="goals", data=GOALS)
    intake_save_step(user=patient, step="goals", data={"topics": ["grief", "grief"]})
    intake = intake_of(patient)
    assert intake.topics == ["grief"]
    assert not intake.goals_text  # stored as NULL: nothing to encrypt


def test_completing_the_intake_records_one_journey_event(patient):
    intake_save_step(user=patient, step="goals", data=GOALS)
    intake_skip_step(user=patient, step="preferences")
    intake_save_step(user=patient, step="constraints", data=CONSTRAINTS)
    intake_save_step(user=patient, step="constraints", data=CONSTRAINTS)  # an edit later
    events = JourneyEvent.objects.filter(verb=INTAKE_COMPLETED)
    assert events.count() == 1
    event = events.get()
    assert event.actor == patient
    assert event.object_public_id == intake_of(patient).public_id
    assert event.data == {"skipped_steps": ["preferences"]}  # flags only, never answers


# --- Skipping, resuming, autosave ---------------------------------------------------


def test_skipping_records_the_step_and_moves_on(patient):
    intake_skip_step(user=patient, step="goals")
    intake = intake_of(patient)
    assert intake.skipped_steps == ["goals"]
    assert intake.current_step == "preferences"


def test_skipping_a_step_with_answers_keeps_them_and_does_not_call_it_skipped(patient):
    intake_save_step(user=patient, step="goals", data=GOALS, advance=False)
    intake_skip_step(user=patient, step="goals")
    intake = intake_of(patient)
    assert intake.topics == GOALS["topics"]
    assert intake.skipped_steps == []


def test_answering_a_skipped_step_later_takes_it_off_the_skipped_list(patient):
    intake_skip_step(user=patient, step="goals")
    intake_save_step(user=patient, step="goals", data=GOALS)
    assert intake_of(patient).skipped_steps == []


def test_skipping_every_step_still_completes_the_intake(patient):
    for step in Intake.STEPS:
        intake = intake_skip_step(user=patient, step=step)
    assert intake.completed_at is not None
    assert intake.skipped_steps == Intake.STEPS


def test_the_current_step_only_moves_forward(patient):
    intake_save_step(user=patient, step="goals", data=GOALS)
    intake_skip_step(user=patient, step="preferences")
    assert intake_of(patient).current_step == "constraints"
    intake_save_step(user=patient, step="goals", data=GOALS)  # went back to edit
    assert intake_of(patient).current_step == "constraints"


def test_an_autosave_stores_answers_without_moving_on(patient):
    intake_save_step(user=patient, step="goals", data=GOALS, advance=False)
    intake = intake_of(patient)
    assert intake.topics == GOALS["topics"]
    assert intake.current_step == "goals"
    intake_save_step(user=patient, step="constraints", data=CONSTRAINTS, advance=False)
    assert intake_of(patient).completed_at is None


def test_an_unknown_step_is_refused(patient):
    with pytest.raises(UnknownStep):
        intake_save_step(user=patient, step="billing", data={})
    with pytest.raises(UnknownStep):
        intake_skip_step(user=patient, step="billing")
    assert not Intake.objects.exists()


# --- Answers outside the choices: nothing stored ------------------------------------


@pytest.mark.parametrize(
    ("step", "data"),
    [
        ("goals", {"topics": ["anxiety", "astrology"]}),
        ("goals", {"goals_text": "x" * 2001}),
        ("preferences", {"languages": ["klingon"]}),
        ("preferences", {"modalities": ["anxiety"]}),  # a tag of another kind
        ("preferences", {"specialist_gender": "any-but-him"}),
        ("constraints", {"days": ["someday"]}),
        ("constraints", {"times_of_day": ["midnight"]}),
        ("constraints", {"jurisdiction": "atlantis"}),
        ("constraints", {"budget_max_minor": -100}),
        ("constraints", {"budget_max_minor": 100_001}),
        ("constraints", {"timezone": "Mars/Olympus_Mons"}),
    ],
)
def test_an_answer_outside_the_choices_stores_nothing(patient, step, data):
    with pytest.raises(ValidationError):
        intake_save_step(user=patient, step=step, data=data)
    assert not Intake.objects.exists()
    patient.refresh_from_db()
    assert patient.timezone == "Europe/Berlin"


# --- Budget: major units in, integer minor units out ------------------------------------


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("85", "EUR", 8500),
        ("85.5", "EUR", 8550),
        ("85,50", "EUR", 8550),
        (" 120 ", "GBP", 12000),
        ("0", "EUR", 0),
        ("1000", "EUR", 100_000),
        ("12000", "JPY", 12000),
        ("800", "JPY", 800),
        ("12.345", "KWD", 12345),
        ("", "EUR", None),
    ],
)
def test_a_budget_is_parsed_into_minor_units_of_its_currency(text, currency, minor):
    result = budget_to_minor(text, currency=currency)
    assert result == minor
    assert result is None or type(result) is int


@pytest.mark.parametrize(
    ("text", "currency", "code"),
    [
        ("-5", "EUR", "negative"),
        ("85.555", "EUR", "decimals"),
        ("12000.5", "JPY", "decimals"),
        ("1000.01", "EUR", "too_large"),
        ("150001", "JPY", "too_large"),
        ("abc", "EUR", "invalid"),
        ("1e3", "EUR", "invalid"),
        ("NaN", "EUR", "invalid"),
        ("1,000.00", "EUR", "invalid"),
    ],
)
def test_a_bad_budget_is_refused_with_a_reason(text, currency, code):
    with pytest.raises(ValidationError) as caught:
        budget_to_minor(text, currency=currency)
    assert caught.value.code == code


def test_the_budget_is_stored_in_the_patients_organizations_currency(db):
    patient = UserFactory()
    MembershipFactory(user=patient, organization=OrganizationFactory(slug="tokyo", currency="JPY"))
    intake_save_step(user=patient, step="constraints", data={"budget_max_minor": 12000})
    intake = intake_of(patient)
    assert (intake.budget_max_minor, intake.budget_currency) == (12000, "JPY")


def test_without_an_organization_or_with_an_unknown_currency_budgets_are_in_euros(db):
    patient = UserFactory()
    intake_save_step(user=patient, step="constraints", data={"budget_max_minor": 5000})
    assert intake_of(patient).budget_currency == "EUR"
    odd = UserFactory()
    MembershipFactory(user=odd, organization=OrganizationFactory(slug="odd", currency="XXX"))
    intake_save_step(user=odd, step="constraints", data={"budget_max_minor": 5000})
    assert intake_of(odd).budget_currency == "EUR"


# --- Encryption at rest ------------------------------------------------------------------


def test_the_free_text_is_encrypted_at_rest(patient):
    secret = "I have panic attacks on the train to work."
    intake = intake_save_step(user=patient, step="goals", data={"goals_text": secret})
    with connection.cursor() as cursor:
        cursor.execute("SELECT goals_text FROM patients_intake WHERE id = %s", [intake.pk])
        (stored,) = cursor.fetchone()
    assert stored
    assert "panic" not in stored
    assert secret not in stored
    assert intake_of(patient).goals_text == secret


# --- Answers from the matching questionnaire ------------------------------------------------


def test_recorded_answers_change_only_the_keys_given_and_not_the_progress(patient):
    intake_save_step(user=patient, step="goals", data=GOALS)
    intake_record_answers(user=patient, answers={"languages": ["de"], "budget_max_minor": 9000}, currency="GBP")
    intake = intake_of(patient)
    assert intake.topics == GOALS["topics"]
    assert intake.languages == ["de"]
    assert (intake.budget_max_minor, intake.budget_currency) == (9000, "GBP")
    assert intake.current_step == "preferences"
    assert intake.completed_at is None


def test_recorded_answers_outside_the_choices_store_nothing(patient):
    with pytest.raises(ValidationError):
        intake_record_answers(user=patient, answers={"topics": ["nonsense"]}, currency="EUR")
    assert not Intake.objects.exists()
