"""Taxonomy names and the bundled PHQ-9/GAD-7 in the reader's language."""

import importlib

import pytest
from django.urls import reverse
from django.utils import translation

from consents import schema
from consents.models import FormResponse
from consents.screenings import WORDING, screening_wording
from core.models import Tag
from core.taxonomy import SEEDED_NAMES, tag_name
from organizations.models import Membership
from tests.conftest import member
from tests.consents.factories_patient import CareContextFactory, published_form
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory


def test_every_seeded_taxonomy_name_is_in_the_catalogs_list():
    seeded = importlib.import_module("core.migrations.0004_seed_taxonomy").TAGS
    names = [name for tags in seeded.values() for _slug, name in tags]
    assert sorted(str(name) for name in SEEDED_NAMES) == sorted(names)


@pytest.mark.django_db
def test_tags_show_their_translated_name(monkeypatch):
    tag = Tag.objects.get(kind="language", slug="de")
    monkeypatch.setattr("core.taxonomy.pgettext", lambda context, name: f"{context}:{name}".upper())
    assert tag.display_name == str(tag) == "TAXONOMY:GERMAN"
    assert tag_name("A name staff added") == "TAXONOMY:A NAME STAFF ADDED"


def _texts(template_key: str) -> set[str]:
    """Every text of a bundled questionnaire a patient reads."""
    form = schema.TEMPLATES[template_key]
    texts = {form["title"], form["description"]}
    for section in form["schema"]["sections"]:
        texts.add(section["title"])
        for question in section["questions"]:
            texts.add(question["label"])
            texts.update(question.get("options", []))
    return texts


@pytest.mark.parametrize("template_key", ["phq9", "gad7"])
@pytest.mark.parametrize("language", ["de", "es"])
def test_every_text_of_the_bundled_questionnaires_has_its_official_wording(template_key, language):
    wording = WORDING[template_key][language]
    assert _texts(template_key) <= set(wording), "a text without its official translation"
    assert all(wording[text].strip() and wording[text] != text for text in _texts(template_key))


def test_english_and_other_forms_keep_their_own_text():
    assert screening_wording("phq9", "en") == {}
    assert screening_wording("", "de") == {}
    with translation.override("de"):
        assert screening_wording("gad7")["Trouble relaxing"] == "Schwierigkeiten zu entspannen"


@pytest.mark.django_db
def test_a_german_patient_answers_the_phq9_in_german_and_is_scored_as_in_english(client, org):
    patient = member(org, Membership.Role.PATIENT, locale="de")
    specialist = SpecialistProfileFactory(organization=org)
    CareContextFactory(patient=patient, offering=OfferingFactory(specialist=specialist))
    version = published_form(organization=org, specialist=specialist, title="PHQ-9", template_key="phq9")
    version.schema = schema.template_schema("phq9")
    version.save(update_fields=["schema"])
    url = reverse("consents:step", kwargs={"kind": "form", "public_id": version.public_id}) + f"?for={specialist.slug}"
    client.force_login(patient)

    page = client.get(url).content.decode()
    assert "Wenig Interesse oder Freude an Ihren Tätigkeiten" in page
    assert "Little interest or pleasure" not in page
    # The official answer words on screen, the schema's own values sent back.
    assert 'value="Nearly every day"> Beinahe jeden Tag' in page

    answers = {f"phq{n}": "Several days" for n in range(1, 10)}
    response = client.post(url, {"action": "submit", **answers})
    assert response.status_code == 303
    submitted = FormResponse.objects.get(patient=patient, version=version)
    assert submitted.score == schema.score(version.schema, answers) == {"total": 9, "band": "Mild", "max": 27}
