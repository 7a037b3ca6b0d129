"""The intake's card on the patient home (patients/nextsteps.py)."""

import pytest
from django.urls import reverse

from core import nextsteps
from core.portals import Portal
from organizations.models import Membership
from patients.nextsteps import intake_steps
from patients.services import intake_save_step, intake_skip_step
from tests.conftest import member

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(org):
    return member(org, Membership.Role.PATIENT)


def test_before_the_intake_the_primary_card_invites_the_patient_to_start(patient):
    cards = nextsteps.home_cards(Portal.PATIENT, user=patient)
    step = cards["primary_step"]
    assert step.title == "Tell us what brings you here"
    assert step.body == "Takes about 3 minutes; every question is optional."
    assert step.url == reverse("patients:intake")
    assert step.priority == 20


def test_an_intake_in_progress_offers_to_finish_it_at_the_step_reached(patient):
    intake_save_step(user=patient, step="goals", data={"topics": ["stress"]})
    [step] = intake_steps(user=patient)
    assert step.title == "Finish your answers — step 2 of 3"
    assert step.url == reverse("patients:intake")
    assert step.priority == 20
    intake_skip_step(user=patient, step="preferences")
    [step] = intake_steps(user=patient)
    assert "step 3 of 3" in step.title


def test_a_started_but_unsaved_first_step_counts_as_step_1(patient):
    intake_save_step(user=patient, step="goals", data={"topics": ["stress"]}, advance=False)
    [step] = intake_steps(user=patient)
    assert step.title == "Finish your answers — step 1 of 3"


def test_a_completed_intake_has_no_card(patient):
    for step in ["goals", "preferences", "constraints"]:
        intake_skip_step(user=patient, step=step)
    assert list(intake_steps(user=patient)) == []
    titles = [step.title for step in nextsteps.next_steps(Portal.PATIENT, user=patient)]
    assert not [title for title in titles if "answers" in title or "brings you here" in title]


def test_the_provider_costs_one_query(patient, django_assert_num_queries):
    with django_assert_num_queries(1):
        list(intake_steps(user=patient))
    intake_save_step(user=patient, step="goals", data={})
    with django_assert_num_queries(1):
        list(intake_steps(user=patient))


def test_the_patient_home_shows_the_card(client, patient):
    client.force_login(patient)
    html = client.get(reverse("core:patient-home")).content.decode()
    assert "Tell us what brings you here" in html
    assert f'href="{reverse("patients:intake")}"' in html
