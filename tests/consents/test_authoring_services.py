"""Writing consent documents and intake forms: versions, scope, who may write."""

import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from consents.models import ConsentSignature, ConsentVersion, FormVersion
from consents.schema import TEMPLATES
from consents.selectors import requirements_for
from consents.services import authoring
from core.models import JourneyEvent
from tests.consents.factories_authoring import (
    admin_of,
    allow_specialists,
    draft_form,
    published_document,
    question,
    specialist_of,
)
from tests.organizations.factories import ProgramFactory
from tests.specialists.factories import OfferingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(org):
    return admin_of(org)


def test_creating_a_document_makes_an_empty_draft_version_1(org, admin):
    document = authoring.consent_document_create(organization=org, by=admin, title=" Telehealth ", kind="telehealth")
    assert document.title == "Telehealth"
    [version] = document.versions.all()
    assert (version.number, version.summary, version.body, version.published_at) == (1, "", "", None)
    assert JourneyEvent.objects.filter(verb="consent_document.created", object_public_id=document.public_id).exists()


def test_publishing_stores_the_hash_of_summary_and_body(org, admin):
    document = authoring.consent_document_create(organization=org, by=admin, title="Privacy")
    authoring.consent_draft_save(document=document, by=admin, summary="Short.", body="Long **text**.")
    version = authoring.consent_publish(document=document, by=admin)
    assert version.published_at is not None
    assert version.content_hash == hashlib.sha256(b"Short.\n\nLong **text**.").hexdigest()
    assert JourneyEvent.objects.filter(verb="consent_document.published", data={"version": 1}).exists()


@pytest.mark.parametrize(("summary", "body", "field"), [("", "Body", "summary"), ("Summary", "  ", "body")])
def test_publishing_an_empty_summary_or_body_is_refused(org, admin, summary, body, field):
    document = authoring.consent_document_create(organization=org, by=admin, title="Privacy")
    authoring.consent_draft_save(document=document, by=admin, summary=summary, body=body)
    with pytest.raises(ValidationError) as caught:
        authoring.consent_publish(document=document, by=admin)
    assert field in caught.value.message_dict
    assert not ConsentVersion.objects.filter(document=document, published_at__isnull=False).exists()


def test_editing_after_publishing_makes_a_new_draft_and_leaves_the_published_row_as_it_was(org, admin):
    document = published_document(org, admin)
    published = ConsentVersion.objects.get(document=document)
    before = ConsentVersion.objects.filter(pk=published.pk).values().get()

    draft = authoring.consent_draft_save(document=document, by=admin, summary="New summary", body="New body")
    again = authoring.consent_draft_save(document=document, by=admin, summary="Newer summary", body="New body")

    assert draft.pk == again.pk and again.number == 2 and again.published_at is None
    assert ConsentVersion.objects.filter(pk=published.pk).values().get() == before
    authoring.consent_publish(document=document, by=admin)
    assert ConsentVersion.objects.filter(pk=published.pk).values().get() == before


def test_publishing_twice_without_a_new_draft_is_refused(org, admin):
    document = published_document(org, admin)
    with pytest.raises(ValidationError):
        authoring.consent_publish(document=document, by=admin)


def test_a_new_version_with_reconsent_makes_earlier_signers_pending_again(org, admin, personas):
    patient = personas["patient_a"]
    for reconsent, still_done in [(True, False), (False, True)]:
        document = published_document(org, admin, title=f"Doc {reconsent}", reconsent_on_new_version=reconsent)
        v1 = document.versions.get()
        ConsentSignature.objects.create(
            patient=patient, version=v1, typed_name="A", signed_at=timezone.now(), content_hash=v1.content_hash
        )
        authoring.consent_draft_save(document=document, by=admin, summary="v2", body="v2 text")
        authoring.consent_publish(document=document, by=admin)
        [item] = [item for item in requirements_for(patient).items if item.title == document.title]
        assert item.version.number == 2
        assert item.done is still_done


def test_document_scope_is_fixed_and_unknown_settings_are_refused(org, admin):
    document = authoring.consent_document_create(organization=org, by=admin, title="Privacy")
    with pytest.raises(ValidationError):
        authoring.consent_document_update(document=document, by=admin, program=ProgramFactory(organization=org))
    updated = authoring.consent_document_update(
        document=document, by=admin, title="Privacy notice", required_before="signup", is_active=False
    )
    assert (updated.title, updated.required_before, updated.is_active) == ("Privacy notice", "signup", False)


def test_another_organizations_program_is_refused(org, other_org, admin):
    with pytest.raises(ValidationError):
        authoring.consent_document_create(
            organization=org, by=admin, title="X", program=ProgramFactory(organization=other_org)
        )


def test_an_admin_of_another_organization_may_not_write(org, other_org):
    outsider = admin_of(other_org)
    with pytest.raises(PermissionDenied):
        authoring.consent_document_create(organization=org, by=outsider, title="X")
    document = published_document(org, admin_of(org))
    with pytest.raises(PermissionDenied):
        authoring.consent_draft_save(document=document, by=outsider, summary="x", body="y")


def test_a_specialist_writes_only_their_own_items_and_only_when_allowed(org):
    profile = specialist_of(org)
    colleague = specialist_of(org)
    with pytest.raises(PermissionDenied):
        authoring.consent_document_create(organization=org, by=profile.user, title="Mine", specialist=profile)
    allow_specialists(org)
    document = authoring.consent_document_create(organization=org, by=profile.user, title="Mine", specialist=profile)
    assert document.specialist == profile
    with pytest.raises(PermissionDenied):
        authoring.consent_document_create(organization=org, by=profile.user, title="Org-wide")
    with pytest.raises(PermissionDenied):
        authoring.consent_document_create(organization=org, by=profile.user, title="Theirs", specialist=colleague)
    with pytest.raises(PermissionDenied):
        authoring.consent_draft_save(document=document, by=colleague.user, summary="x", body="y")
    allow_specialists(org, False)
    with pytest.raises(PermissionDenied):
        authoring.consent_draft_save(document=document, by=profile.user, summary="x", body="y")


def test_a_form_from_a_template_gets_its_questions_title_and_scoring(org, admin):
    form = draft_form(org, admin, template_key="phq9", title="")
    assert form.title == TEMPLATES["phq9"]["title"]
    assert form.description == TEMPLATES["phq9"]["description"]
    version = form.versions.get()
    assert version.schema == TEMPLATES["phq9"]["schema"] and version.published_at is None
    authoring.form_publish(form=form, by=admin)
    assert JourneyEvent.objects.filter(verb="intake_form.published", object_public_id=form.public_id).exists()


def test_an_empty_form_cannot_be_published(org, admin):
    form = draft_form(org, admin)
    with pytest.raises(ValidationError):
        authoring.form_publish(form=form, by=admin)
    assert not FormVersion.objects.filter(form=form, published_at__isnull=False).exists()


def test_the_builder_adds_moves_edits_and_deletes_questions(org, admin):
    form = draft_form(org, admin)
    first, second = question("First"), question("Second", kind="scale", scale_min=1, scale_max=5)
    authoring.form_question_save(form=form, by=admin, question=first)
    authoring.form_question_save(form=form, by=admin, question=second)
    authoring.form_section_add(form=form, by=admin, title="Later")
    authoring.form_question_move(form=form, by=admin, question_id=second["id"], up=True)
    schema = form.versions.get().schema
    assert [q["label"] for q in schema["sections"][0]["questions"]] == ["Second", "First"]
    assert schema["sections"][0]["questions"][0] == second

    authoring.form_question_move(form=form, by=admin, question_id=first["id"], up=False)  # into the next section
    schema = form.versions.get().schema
    assert [q["id"] for q in schema["sections"][1]["questions"]] == [first["id"]]

    edited = question("First, edited", kind="yes_no", required=True, question_id=first["id"])
    authoring.form_question_save(form=form, by=admin, question=edited)
    authoring.form_section_rename(form=form, by=admin, index=0, title="About you")
    schema = form.versions.get().schema
    assert schema["sections"][1]["questions"] == [edited]
    assert schema["sections"][0]["title"] == "About you"

    with pytest.raises(ValidationError):
        authoring.form_section_delete(form=form, by=admin, index=1)  # not empty
    authoring.form_question_delete(form=form, by=admin, question_id=first["id"])
    authoring.form_section_delete(form=form, by=admin, index=1)
    assert len(form.versions.get().schema["sections"]) == 1
    assert form.versions.count() == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "single_choice", "label": "Pick", "options": ["Only one"]},
        {"kind": "single_choice", "label": "Pick", "options": ["Same", "Same"]},
        {"kind": "scale", "label": "Rate", "scale_min": 5, "scale_max": 5},
        {"kind": "short_text", "label": "  "},
        {"kind": "essay", "label": "Unknown type"},
    ],
)
def test_a_malformed_question_is_refused(org, admin, fields):
    form = draft_form(org, admin)
    with pytest.raises(ValidationError):
        authoring.form_question_save(form=form, by=admin, question=authoring.build_question(**fields))
    assert form.versions.get().schema == authoring.empty_schema()


def test_a_published_form_is_never_changed_by_the_builder(org, admin):
    form = draft_form(org, admin, template_key="gad7")
    published = authoring.form_publish(form=form, by=admin)
    before = FormVersion.objects.filter(pk=published.pk).values().get()
    with pytest.raises(ValidationError):
        authoring.form_question_delete(form=form, by=admin, question_id="gad1")
    draft = authoring.form_new_version(form=form, by=admin)
    assert (draft.number, draft.schema) == (2, published.schema)
    assert authoring.form_new_version(form=form, by=admin) == draft  # idempotent
    authoring.form_question_save(form=form, by=admin, question=question("Anything else?"))
    assert FormVersion.objects.filter(pk=published.pk).values().get() == before


def test_form_draft_save_after_publishing_makes_a_new_draft(org, admin):
    form = draft_form(org, admin, template_key="gad7")
    published = authoring.form_publish(form=form, by=admin)
    draft = authoring.form_draft_save(form=form, by=admin, schema=TEMPLATES["gad7"]["schema"])
    assert draft.number == 2 and draft.pk != published.pk


def test_deleting_a_scored_question_is_refused(org, admin):
    form = draft_form(org, admin, template_key="gad7")
    with pytest.raises(ValidationError):
        authoring.form_question_delete(form=form, by=admin, question_id="gad3")


def test_offerings_must_belong_to_the_organization_and_to_the_specialist_for_their_own_form(org, other_org, admin):
    profile, colleague = specialist_of(org), specialist_of(org)
    own, theirs = OfferingFactory(specialist=profile), OfferingFactory(specialist=colleague)
    foreign = OfferingFactory(specialist=specialist_of(other_org))
    form = draft_form(org, admin)
    authoring.intake_form_update(form=form, by=admin, offerings=[own, theirs])
    assert set(form.offerings.all()) == {own, theirs}
    with pytest.raises(ValidationError):
        authoring.intake_form_update(form=form, by=admin, offerings=[foreign])
    allow_specialists(org)
    mine = draft_form(org, profile.user, specialist=profile)
    with pytest.raises(ValidationError):
        authoring.intake_form_update(form=mine, by=profile.user, offerings=[theirs])
    authoring.intake_form_update(form=mine, by=profile.user, offerings=[own], title="Mine")
    assert list(mine.offerings.all()) == [own]


def test_admins_toggle_whether_specialists_may_write(org, admin):
    assert not authoring.specialists_may_write(org)
    authoring.consent_settings_update(organization=org, by=admin, specialists_may_write=True)
    assert authoring.specialists_may_write(org)
    with pytest.raises(PermissionDenied):
        authoring.consent_settings_update(organization=org, by=specialist_of(org).user, specialists_may_write=False)
