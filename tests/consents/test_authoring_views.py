"""The authoring pages in the organization and specialist portals."""

import pytest
from django.urls import reverse

from consents.models import ConsentDocument, ConsentSettings, ConsentVersion, FormVersion, IntakeForm
from consents.services import authoring
from specialists.services import specialist_profile_get_or_create
from tests.consents.factories_authoring import (
    allow_specialists,
    draft_form,
    published_document,
    question,
    specialist_of,
)
from tests.specialists.factories import OfferingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(personas):
    return personas["org_admin"]


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def org_url(org, name, *args):
    return reverse(f"consents:org-author-{name}", args=[org.slug, *args])


def spec_url(name, *args):
    return reverse(f"consents:specialist-author-{name}", args=list(args))


# --- the list -----------------------------------------------------------------------------


def test_the_admin_sees_documents_and_forms_with_their_status(admin_client, org, admin):
    published_document(org, admin, title="Telehealth consent")
    draft_form(org, admin, title="Intake questions")
    response = admin_client.get(org_url(org, "home"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Telehealth consent" in page and "Published v1" in page
    assert "Intake questions" in page and "Draft v1" in page
    assert "New form from template: PHQ-9" in page and "GAD-7" in page
    assert 'aria-current="page">Consents &amp; forms' in page  # its place in the settings menu


def test_another_organizations_admin_gets_404_for_the_pages_and_the_items(client, org, other_org, personas, admin):
    document = published_document(org, admin)
    client.force_login(personas["other_org_admin"])
    assert client.get(org_url(org, "home")).status_code == 404
    # Through their own organization's address, the item still does not exist for them.
    assert client.get(org_url(other_org, "document", document.public_id)).status_code == 404
    response = client.post(
        org_url(other_org, "document", document.public_id), {"action": "save", "summary": "x", "body": "y"}
    )
    assert response.status_code == 404
    assert document.versions.count() == 1


def test_changes_are_post_only(admin_client, org, admin):
    form = draft_form(org, admin)
    assert admin_client.get(org_url(org, "settings")).status_code == 405
    assert admin_client.get(org_url(org, "form-new-version", form.public_id)).status_code == 405
    assert admin_client.get(org_url(org, "section-add", form.public_id)).status_code == 405


def test_the_admin_lets_specialists_write(admin_client, org):
    response = admin_client.post(org_url(org, "settings"), {"specialists_may_write": "on"})
    assert response.status_code == 302
    assert ConsentSettings.objects.get(organization=org).specialists_may_write
    admin_client.post(org_url(org, "settings"), {})
    assert not ConsentSettings.objects.get(organization=org).specialists_may_write


# --- documents ------------------------------------------------------------------------------


def test_creating_a_document_leads_to_its_draft(admin_client, org):
    response = admin_client.post(
        org_url(org, "document-create"),
        {"title": "Recording policy", "kind": "recording", "required_before": "booking", "withdrawable": "on"},
    )
    document = ConsentDocument.objects.get(title="Recording policy")
    assert response.status_code == 302 and response["Location"] == org_url(org, "document", document.public_id)
    assert (document.kind, document.required_before, document.withdrawable) == ("recording", "booking", True)
    assert not document.reconsent_on_new_version
    assert admin_client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize(
    "data",
    [
        {"title": "", "kind": "other", "required_before": "session"},
        {"title": "X", "kind": "poem", "required_before": "session"},
        {"title": "X", "kind": "other", "required_before": "never"},
        {"title": "X", "kind": "other", "required_before": "session", "program": "999999"},
    ],
)
def test_an_invalid_document_is_422_and_nothing_is_stored(admin_client, org, data):
    response = admin_client.post(org_url(org, "document-create"), data)
    assert response.status_code == 422
    assert not ConsentDocument.objects.exists()


def test_extra_fields_cannot_change_the_organization_or_scope(admin_client, org, other_org):
    specialist = specialist_of(org)
    admin_client.post(
        org_url(org, "document-create"),
        {
            "title": "Mine",
            "kind": "other",
            "required_before": "session",
            "organization": other_org.pk,
            "specialist": specialist.pk,
        },
    )
    document = ConsentDocument.objects.get()
    assert document.organization == org and document.specialist is None


def test_saving_and_previewing_the_draft(admin_client, org, admin):
    document = authoring.consent_document_create(organization=org, by=admin, title="Privacy")
    url = org_url(org, "document", document.public_id)
    preview = admin_client.post(
        url, {"action": "preview", "summary": "In short", "body": "# Heading\n\n<script>alert(1)</script>"}
    )
    assert preview.status_code == 200
    page = preview.content.decode()
    assert "<h1>Heading</h1>" in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert ConsentVersion.objects.get(document=document).body == ""  # a preview stores nothing

    saved = admin_client.post(url, {"action": "save", "summary": "In short", "body": "Full text"})
    assert saved.status_code == 302
    version = ConsentVersion.objects.get(document=document)
    assert (version.summary, version.body, version.published_at) == ("In short", "Full text", None)


def test_a_too_long_summary_is_422_and_not_stored(admin_client, org, admin):
    document = authoring.consent_document_create(organization=org, by=admin, title="Privacy")
    response = admin_client.post(
        org_url(org, "document", document.public_id), {"action": "save", "summary": "x" * 2001, "body": "b"}
    )
    assert response.status_code == 422
    assert ConsentVersion.objects.get(document=document).summary == ""


def test_document_settings_are_saved_and_an_invalid_one_is_422(admin_client, org, admin):
    document = authoring.consent_document_create(organization=org, by=admin, title="Privacy")
    url = org_url(org, "document", document.public_id)
    data = {"action": "settings", "title": "Privacy notice", "kind": "privacy", "required_before": "signup"}
    assert admin_client.post(url, data).status_code == 302
    document.refresh_from_db()
    assert (document.title, document.kind, document.is_active, document.withdrawable) == (
        "Privacy notice",
        "privacy",
        False,
        False,
    )
    assert admin_client.post(url, {**data, "title": ""}).status_code == 422
    document.refresh_from_db()
    assert document.title == "Privacy notice"


def test_publishing_asks_for_confirmation_and_says_patients_sign_again(admin_client, org, admin):
    document = published_document(org, admin)
    authoring.consent_draft_save(document=document, by=admin, summary="New", body="New text")
    url = org_url(org, "document-publish", document.public_id)
    page = admin_client.get(url).content.decode()
    assert "Publish version 2" in page and "will be asked to sign again" in page
    assert admin_client.post(url).status_code == 302
    assert document.versions.filter(published_at__isnull=False).count() == 2


def test_publishing_an_empty_draft_is_422_and_nothing_is_published(admin_client, org, admin):
    document = authoring.consent_document_create(organization=org, by=admin, title="Privacy")
    response = admin_client.post(org_url(org, "document-publish", document.public_id))
    assert response.status_code == 422
    assert "summary" in response.content.decode()
    assert not document.versions.filter(published_at__isnull=False).exists()


def test_editing_a_published_document_starts_version_2(admin_client, org, admin):
    document = published_document(org, admin)
    v1 = ConsentVersion.objects.filter(document=document).values().get()
    admin_client.post(org_url(org, "document", document.public_id), {"action": "save", "summary": "S", "body": "B"})
    assert ConsentVersion.objects.filter(pk=v1["id"]).values().get() == v1
    assert document.versions.get(number=2).body == "B"


# --- forms ----------------------------------------------------------------------------------


def test_a_form_from_the_phq9_template(admin_client, org):
    url = org_url(org, "form-create") + "?template=phq9"
    page = admin_client.get(url).content.decode()
    assert "PHQ-9" in page
    response = admin_client.post(url, {"template_key": "phq9", "title": "", "required_before": "session"})
    assert response.status_code == 302
    form = IntakeForm.objects.get()
    assert form.template_key == "phq9" and form.title.startswith("PHQ-9")
    builder = admin_client.get(response["Location"]).content.decode()
    assert "Little interest or pleasure" in builder and "Scored: 9 questions" in builder


def test_an_unknown_template_is_404(admin_client, org):
    assert admin_client.get(org_url(org, "form-create") + "?template=nope").status_code == 404


def test_the_builder_adds_edits_moves_and_deletes_questions(admin_client, org, admin):
    form = draft_form(org, admin)
    url = org_url(org, "question-add", form.public_id)
    for label in ("First", "Second"):
        data = {"section": "0", "s0-kind": "single_choice", "s0-label": label, "s0-options": "Yes\nNo\n"}
        assert admin_client.post(url, data).status_code == 302
    schema = FormVersion.objects.get(form=form).schema
    first, second = schema["sections"][0]["questions"]
    assert first["options"] == ["Yes", "No"]

    move = admin_client.post(org_url(org, "question-move", form.public_id, second["id"]), {"direction": "up"})
    assert move.status_code == 302
    edit_url = org_url(org, "question", form.public_id, first["id"])
    assert admin_client.get(edit_url).status_code == 200
    admin_client.post(edit_url, {"kind": "scale", "label": "Rate it", "scale_min": "1", "scale_max": "5"})
    admin_client.post(org_url(org, "section-add", form.public_id), {"title": "More"})
    admin_client.post(org_url(org, "section", form.public_id, 1), {"title": "Even more"})
    schema = FormVersion.objects.get(form=form).schema
    assert [q["label"] for q in schema["sections"][0]["questions"]] == ["Second", "Rate it"]
    assert schema["sections"][0]["questions"][1] | {"id": ""} == {
        "id": "",
        "type": "scale",
        "label": "Rate it",
        "required": False,
        "min": 1,
        "max": 5,
    }
    assert schema["sections"][1]["title"] == "Even more"

    admin_client.post(org_url(org, "question-delete", form.public_id, second["id"]))
    admin_client.post(org_url(org, "section-delete", form.public_id, 1))
    schema = FormVersion.objects.get(form=form).schema
    assert len(schema["sections"]) == 1 and [q["label"] for q in schema["sections"][0]["questions"]] == ["Rate it"]


@pytest.mark.parametrize(
    "data",
    [
        {"s0-kind": "single_choice", "s0-label": "Pick", "s0-options": "Only one"},
        {"s0-kind": "scale", "s0-label": "Rate", "s0-scale_min": "5", "s0-scale_max": "2"},
        {"s0-kind": "short_text", "s0-label": ""},
        {"s0-kind": "essay", "s0-label": "What"},
    ],
)
def test_an_invalid_question_is_422_and_nothing_is_stored(admin_client, org, admin, data):
    form = draft_form(org, admin)
    response = admin_client.post(org_url(org, "question-add", form.public_id), {"section": "0", **data})
    assert response.status_code == 422
    assert FormVersion.objects.get(form=form).schema == authoring.empty_schema()


def test_a_question_not_in_the_form_is_404(admin_client, org, admin):
    form = draft_form(org, admin)
    assert admin_client.get(org_url(org, "question", form.public_id, "nope")).status_code == 404
    assert admin_client.post(org_url(org, "question-delete", form.public_id, "nope")).status_code == 404


def test_a_published_form_is_read_only_until_a_new_version_is_started(admin_client, org, admin):
    form = draft_form(org, admin, template_key="gad7")
    published = authoring.form_publish(form=form, by=admin)
    before = FormVersion.objects.filter(pk=published.pk).values().get()
    builder = admin_client.get(org_url(org, "form", form.public_id)).content.decode()
    assert "Start a new version" in builder and "Add a question" not in builder

    response = admin_client.post(
        org_url(org, "question-add", form.public_id), {"section": "0", "s0-kind": "short_text", "s0-label": "More?"}
    )
    assert response.status_code == 422 and "Start a new version" in response.content.decode()
    assert admin_client.post(org_url(org, "question-delete", form.public_id, "gad1")).status_code == 422
    assert FormVersion.objects.filter(pk=published.pk).values().get() == before
    assert form.versions.count() == 1

    assert admin_client.post(org_url(org, "form-new-version", form.public_id)).status_code == 302
    assert form.versions.get(number=2).published_at is None
    publish = admin_client.post(org_url(org, "form-publish", form.public_id))
    assert publish.status_code == 302 and form.versions.get(number=2).published_at is not None


def test_publishing_a_form_without_questions_is_422(admin_client, org, admin):
    form = draft_form(org, admin)
    response = admin_client.post(org_url(org, "form-publish", form.public_id))
    assert response.status_code == 422
    assert not form.versions.filter(published_at__isnull=False).exists()


def test_form_settings_attach_the_organizations_offerings_only(admin_client, org, other_org, admin):
    profile = specialist_of(org)
    offering = OfferingFactory(specialist=profile, name="First session")
    foreign = OfferingFactory(specialist=specialist_of(other_org))
    form = draft_form(org, admin)
    url = org_url(org, "form", form.public_id)
    assert "First session" in admin_client.get(url).content.decode()
    data = {"title": "Intake", "required_before": "session", "is_active": "on"}
    assert admin_client.post(url, {**data, "offerings": [str(offering.public_id)]}).status_code == 302
    assert list(form.offerings.all()) == [offering]
    assert admin_client.post(url, {**data, "offerings": [str(foreign.public_id)]}).status_code == 422
    assert list(form.offerings.all()) == [offering]


# --- the specialist portal --------------------------------------------------------------------


@pytest.fixture
def specialist_client(client, personas):
    specialist_profile_get_or_create(user=personas["specialist"])
    client.force_login(personas["specialist"])
    return client


def test_without_permission_the_specialist_gets_an_explanation_and_cannot_write(specialist_client, org):
    page = specialist_client.get(spec_url("home"))
    assert page.status_code == 200 and "Writing your own is switched off" in page.content.decode()
    response = specialist_client.post(
        spec_url("document-create"), {"title": "Mine", "kind": "other", "required_before": "session"}
    )
    assert response.status_code == 403
    assert not ConsentDocument.objects.exists()


def test_an_allowed_specialist_writes_their_own_items_only(specialist_client, org, personas, admin):
    allow_specialists(org)
    profile = specialist_profile_get_or_create(user=personas["specialist"])
    response = specialist_client.post(
        spec_url("document-create"),
        {"title": "My recording policy", "kind": "recording", "required_before": "session", "program": "1"},
    )
    assert response.status_code == 302
    document = ConsentDocument.objects.get()
    assert document.specialist == profile and document.program is None
    assert specialist_client.get(spec_url("document", document.public_id)).status_code == 200

    organization_wide = published_document(org, admin, title="Org consent")
    colleague = specialist_of(org)
    theirs = authoring.intake_form_create(organization=org, by=colleague.user, title="Theirs", specialist=colleague)
    assert specialist_client.get(spec_url("document", organization_wide.public_id)).status_code == 404
    assert specialist_client.get(spec_url("form", theirs.public_id)).status_code == 404
    home = specialist_client.get(spec_url("home")).content.decode()
    assert "My recording policy" in home and "Org consent" not in home and "Theirs" not in home


def test_a_specialist_attaches_only_their_own_offerings(specialist_client, org, personas):
    allow_specialists(org)
    profile = specialist_profile_get_or_create(user=personas["specialist"])
    own = OfferingFactory(specialist=profile, name="My session")
    theirs = OfferingFactory(specialist=specialist_of(org), name="Their session")
    response = specialist_client.post(
        spec_url("form-create"), {"title": "Mine", "required_before": "session", "offerings": [str(theirs.public_id)]}
    )
    assert response.status_code == 422 and not IntakeForm.objects.exists()
    page = response.content.decode()
    assert "My session" in page and "Their session" not in page
    response = specialist_client.post(
        spec_url("form-create"), {"title": "Mine", "required_before": "session", "offerings": [str(own.public_id)]}
    )
    assert response.status_code == 302
    form = IntakeForm.objects.get()
    assert form.specialist == profile and list(form.offerings.all()) == [own]
    add = specialist_client.post(
        spec_url("question-add", form.public_id), {"section": "0", "s0-kind": "yes_no", "s0-label": "First visit?"}
    )
    assert add.status_code == 302
    assert specialist_client.post(spec_url("form-publish", form.public_id)).status_code == 302
    assert form.versions.get().published_at is not None


def test_the_nav_links_the_specialist_pages_only_when_the_organization_allows_it(specialist_client, org):
    home = reverse("core:specialist-home")
    assert "Forms & consents" not in specialist_client.get(home).content.decode()
    allow_specialists(org)
    assert "Forms & consents" in specialist_client.get(home).content.decode()
    page = specialist_client.get(spec_url("home")).content.decode()
    assert 'aria-current="page">Forms & consents' in page


def test_question_helpers_make_ids_unique():
    assert question()["id"] != question()["id"]
