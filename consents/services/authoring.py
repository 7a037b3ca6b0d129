"""Writing consent documents and intake forms, and their versions.

Rules every function here keeps:
- A published version never changes. Saving a draft while the latest version
  is published creates a new draft numbered one higher; the published row is
  left as it was (signatures refer to its hash).
- Scope (organization, program or one specialist) is fixed at creation.
- Organization admins write for the whole organization or a program (and
  may manage every item of their organization); a specialist writes only
  items scoped to themselves, and only while the organization allows it
  (`ConsentSettings.specialists_may_write`).
- Publishing sends nothing: `consents.selectors.requirements_for` picks up
  the newest published version, and `reconsent_on_new_version` makes
  earlier signers pending again.
"""

from __future__ import annotations

import copy
import hashlib
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.services import journey_event_record
from organizations.models import Membership, Organization, Program
from specialists.models import Offering, SpecialistProfile

from .. import schema as form_schema
from ..models import ConsentDocument, ConsentSettings, ConsentVersion, FormVersion, IntakeForm, RequiredBefore

TITLE_MAX = 160
SECTION_TITLE_MAX = 200
LABEL_MAX = 500
HELP_MAX = 500


# --- who may write -------------------------------------------------------------------


def specialists_may_write(organization: Organization) -> bool:
    """Whether the organization lets its specialists write their own items."""
    return ConsentSettings.objects.filter(organization=organization, specialists_may_write=True).exists()


def _is_admin(user, organization: Organization) -> bool:
    return Membership.objects.filter(
        user=user, organization=organization, role=Membership.Role.ADMIN, is_active=True
    ).exists()


def author_may_write(*, user, organization: Organization, specialist: SpecialistProfile | None) -> bool:
    """May `user` write an item of `organization` scoped to `specialist`?"""
    if _is_admin(user, organization):
        return True
    return (
        specialist is not None
        and specialist.user_id == user.pk
        and specialist.organization_id == organization.pk
        and specialists_may_write(organization)
    )


def _check_author(by, item) -> None:
    if not author_may_write(user=by, organization=item.organization, specialist=item.specialist):
        raise PermissionDenied(_("You may not change this item."))


def consent_settings_update(*, organization: Organization, by, specialists_may_write: bool) -> ConsentSettings:
    """Let the organization's specialists write their own items, or stop them."""
    if not _is_admin(by, organization):
        raise PermissionDenied(_("Only the organization's admins change this."))
    settings, _created = ConsentSettings.objects.update_or_create(
        organization=organization, defaults={"specialists_may_write": bool(specialists_may_write)}
    )
    journey_event_record(
        actor=by,
        verb="consent_settings.changed",
        obj=organization,
        data={"specialists_may_write": settings.specialists_may_write},
    )
    return settings


# --- shared checks -------------------------------------------------------------------


def _check_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Please give it a title.")})
    if len(title) > TITLE_MAX:
        raise ValidationError({"title": _("Please keep the title under %(n)d characters.") % {"n": TITLE_MAX}})
    return title


def _check_required_before(value: str) -> str:
    if value not in RequiredBefore.values:
        raise ValidationError({"required_before": _("Please choose when it is required.")})
    return value


def _check_scope(*, organization, by, program, specialist) -> None:
    if program is not None and specialist is not None:
        raise ValidationError(_("An item applies to a program or to one specialist's patients, not both."))
    if program is not None and program.organization_id != organization.pk:
        raise ValidationError({"program": _("Please choose one of your organization's programs.")})
    if specialist is not None and specialist.organization_id != organization.pk:
        raise ValidationError(_("That specialist is not part of this organization."))
    if not author_may_write(user=by, organization=organization, specialist=specialist):
        raise PermissionDenied(_("You may not write consents or forms here."))


def _lock(model, pk):
    return model.objects.select_for_update().get(pk=pk)


# --- consent documents -----------------------------------------------------------------


def content_hash(summary: str, body: str) -> str:
    """The hash a signature refers to: sha256 of the summary, a blank line
    and the body, exactly as published."""
    return hashlib.sha256(f"{summary}\n\n{body}".encode()).hexdigest()


@transaction.atomic
def consent_document_create(
    *,
    organization: Organization,
    by,
    title: str,
    kind: str = ConsentDocument.Kind.OTHER,
    required_before: str = RequiredBefore.SESSION,
    program: Program | None = None,
    specialist: SpecialistProfile | None = None,
    reconsent_on_new_version: bool = True,
    withdrawable: bool = True,
) -> ConsentDocument:
    """A new document with an empty draft (version 1)."""
    _check_scope(organization=organization, by=by, program=program, specialist=specialist)
    if kind not in ConsentDocument.Kind.values:
        raise ValidationError({"kind": _("Please choose what kind of document it is.")})
    document = ConsentDocument.objects.create(
        organization=organization,
        program=program,
        specialist=specialist,
        title=_check_title(title),
        kind=kind,
        required_before=_check_required_before(required_before),
        reconsent_on_new_version=bool(reconsent_on_new_version),
        withdrawable=bool(withdrawable),
    )
    ConsentVersion.objects.create(document=document, number=1, summary="", body="")
    journey_event_record(actor=by, verb="consent_document.created", obj=document)
    return document


DOCUMENT_SETTINGS = {"title", "kind", "required_before", "reconsent_on_new_version", "withdrawable", "is_active"}


@transaction.atomic
def consent_document_update(*, document: ConsentDocument, by, **settings) -> ConsentDocument:
    """Change a document's title, kind, when it is required, its flags or
    whether it is in use. Its scope stays as created."""
    unknown = set(settings) - DOCUMENT_SETTINGS
    if unknown:
        raise ValidationError(_("These cannot be changed: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    _check_author(by, document)
    document = _lock(ConsentDocument, document.pk)
    if "title" in settings:
        settings["title"] = _check_title(settings["title"])
    if "required_before" in settings:
        _check_required_before(settings["required_before"])
    if "kind" in settings and settings["kind"] not in ConsentDocument.Kind.values:
        raise ValidationError({"kind": _("Please choose what kind of document it is.")})
    for name, value in settings.items():
        setattr(document, name, value)
    document.save(update_fields=[*settings, "updated_at"])
    return document


def consent_latest_version(document: ConsentDocument) -> ConsentVersion | None:
    return document.versions.order_by("-number").first()


@transaction.atomic
def consent_draft_save(*, document: ConsentDocument, by, summary: str, body: str) -> ConsentVersion:
    """Save the text of the current draft. When the latest version is
    published, the text becomes a new draft numbered one higher; a
    published version is never changed."""
    _check_author(by, document)
    document = _lock(ConsentDocument, document.pk)
    summary, body = (summary or "").strip(), (body or "").strip()
    problems = {}
    if len(summary) > ConsentVersion._meta.get_field("summary").max_length:
        problems["summary"] = _("Please keep the summary under 2000 characters.")
    if len(body) > ConsentVersion._meta.get_field("body").max_length:
        problems["body"] = _("Please keep the full text under 50000 characters.")
    if problems:
        raise ValidationError(problems)
    latest = consent_latest_version(document)
    if latest is None or latest.published_at is not None:
        number = latest.number + 1 if latest else 1
        return ConsentVersion.objects.create(document=document, number=number, summary=summary, body=body)
    latest.summary, latest.body = summary, body
    latest.save(update_fields=["summary", "body", "updated_at"])
    return latest


@transaction.atomic
def consent_publish(*, document: ConsentDocument, by) -> ConsentVersion:
    """Publish the current draft: from now on it is what patients sign."""
    _check_author(by, document)
    document = _lock(ConsentDocument, document.pk)
    draft = consent_latest_version(document)
    if draft is None or draft.published_at is not None:
        raise ValidationError(_("There is no draft to publish. Edit the text to start a new version."))
    problems = {}
    if not draft.summary.strip():
        problems["summary"] = _("Write a plain-language summary before publishing.")
    if not draft.body.strip():
        problems["body"] = _("Write the full text before publishing.")
    if problems:
        raise ValidationError(problems)
    draft.published_at = timezone.now()
    draft.content_hash = content_hash(draft.summary, draft.body)
    draft.save(update_fields=["published_at", "content_hash", "updated_at"])
    journey_event_record(actor=by, verb="consent_document.published", obj=document, data={"version": draft.number})
    return draft


# --- intake forms ----------------------------------------------------------------------


def empty_schema() -> dict:
    return {"sections": [{"title": "", "questions": []}]}


def _check_offerings(*, organization, specialist, offerings) -> list[Offering]:
    offerings = list(offerings)
    for offering in offerings:
        owner = offering.specialist
        if owner.organization_id != organization.pk or (specialist is not None and owner.pk != specialist.pk):
            raise ValidationError(
                {"offerings": _("“%(name)s” is not one of the offerings you may attach.") % {"name": offering.name}}
            )
    return offerings


@transaction.atomic
def intake_form_create(
    *,
    organization: Organization,
    by,
    title: str = "",
    description: str = "",
    required_before: str = RequiredBefore.SESSION,
    program: Program | None = None,
    specialist: SpecialistProfile | None = None,
    offerings=(),
    template_key: str = "",
) -> IntakeForm:
    """A new form with a draft version 1: empty, or a bundled questionnaire
    (`template_key`, its title and description too when none is given)."""
    _check_scope(organization=organization, by=by, program=program, specialist=specialist)
    if template_key:
        if template_key not in form_schema.TEMPLATES:
            raise ValidationError(_("There is no such questionnaire."))
        template = form_schema.TEMPLATES[template_key]
        title = title or template["title"]
        description = description or template["description"]
        schema = form_schema.template_schema(template_key)
    else:
        schema = empty_schema()
    description = (description or "").strip()
    if len(description) > 300:
        raise ValidationError({"description": _("Please keep the description under 300 characters.")})
    offerings = _check_offerings(organization=organization, specialist=specialist, offerings=offerings)
    form = IntakeForm.objects.create(
        organization=organization,
        program=program,
        specialist=specialist,
        title=_check_title(title),
        description=description,
        required_before=_check_required_before(required_before),
        template_key=template_key,
    )
    form.offerings.set(offerings)
    FormVersion.objects.create(form=form, number=1, schema=schema)
    journey_event_record(actor=by, verb="intake_form.created", obj=form, data={"template": template_key})
    return form


FORM_SETTINGS = {"title", "description", "required_before", "is_active"}


@transaction.atomic
def intake_form_update(*, form: IntakeForm, by, offerings=None, **settings) -> IntakeForm:
    """Change a form's title, description, when it is required, whether it
    is in use, and the offerings it is attached to (the organization's; for
    a specialist's own form, that specialist's). Scope stays as created."""
    unknown = set(settings) - FORM_SETTINGS
    if unknown:
        raise ValidationError(_("These cannot be changed: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    _check_author(by, form)
    form = _lock(IntakeForm, form.pk)
    if "title" in settings:
        settings["title"] = _check_title(settings["title"])
    if "required_before" in settings:
        _check_required_before(settings["required_before"])
    if len(settings.get("description") or "") > 300:
        raise ValidationError({"description": _("Please keep the description under 300 characters.")})
    if offerings is not None:
        offerings = _check_offerings(organization=form.organization, specialist=form.specialist, offerings=offerings)
    for name, value in settings.items():
        setattr(form, name, value)
    form.save(update_fields=[*settings, "updated_at"])
    if offerings is not None:
        form.offerings.set(offerings)
    return form


def form_latest_version(form: IntakeForm) -> FormVersion | None:
    return form.versions.order_by("-number").first()


def _check_draft_schema(schema: dict) -> dict:
    """A draft may still have no questions; everything it has must be right."""
    if not isinstance(schema, dict):
        raise ValidationError(_("A form needs at least one section."))
    if form_schema.questions(schema):
        return form_schema.validate_schema(schema)
    sections = schema.get("sections")
    if not isinstance(sections, list) or not sections:
        raise ValidationError(_("A form needs at least one section."))
    return schema


@transaction.atomic
def form_draft_save(*, form: IntakeForm, by, schema: dict) -> FormVersion:
    """Save the questions of the current draft (a new draft numbered one
    higher when the latest version is published; that one stays as it was)."""
    _check_author(by, form)
    form = _lock(IntakeForm, form.pk)
    schema = _check_draft_schema(copy.deepcopy(schema))
    latest = form_latest_version(form)
    if latest is None or latest.published_at is not None:
        number = latest.number + 1 if latest else 1
        return FormVersion.objects.create(form=form, number=number, schema=schema)
    latest.schema = schema
    latest.save(update_fields=["schema", "updated_at"])
    return latest


# The package exports it under this name: `form_draft_save` there is the
# patient's draft of their answers (consents.services.patient).
intake_form_draft_save = form_draft_save


@transaction.atomic
def form_new_version(*, form: IntakeForm, by) -> FormVersion:
    """A draft copy of the published questions to change (the draft itself
    when there is one already)."""
    _check_author(by, form)
    form = _lock(IntakeForm, form.pk)
    latest = form_latest_version(form)
    if latest is not None and latest.published_at is None:
        return latest
    schema = copy.deepcopy(latest.schema) if latest else empty_schema()
    number = latest.number + 1 if latest else 1
    return FormVersion.objects.create(form=form, number=number, schema=schema)


@transaction.atomic
def form_publish(*, form: IntakeForm, by) -> FormVersion:
    """Publish the current draft: patients answer it from now on."""
    _check_author(by, form)
    form = _lock(IntakeForm, form.pk)
    draft = form_latest_version(form)
    if draft is None or draft.published_at is not None:
        raise ValidationError(_("There is no draft to publish. Start a new version to change the questions."))
    form_schema.validate_schema(draft.schema)
    draft.published_at = timezone.now()
    draft.save(update_fields=["published_at", "updated_at"])
    journey_event_record(actor=by, verb="intake_form.published", obj=form, data={"version": draft.number})
    return draft


# --- the form builder: one change to the draft at a time ----------------------------------


def _draft_schema(form: IntakeForm) -> dict:
    """A copy of the draft's questions to change; a published latest version
    is refused (start a new version first)."""
    latest = form_latest_version(form)
    if latest is None or latest.published_at is not None:
        raise ValidationError(
            _("This version is published and cannot be changed. Start a new version to change the questions.")
        )
    return copy.deepcopy(latest.schema)


def _find(schema: dict, question_id: str) -> tuple[int, int]:
    for s, section in enumerate(schema["sections"]):
        for q, question in enumerate(section["questions"]):
            if question.get("id") == question_id:
                return s, q
    raise ValidationError(_("That question is not in this form."))


def _section_index(schema: dict, index: int) -> int:
    if not 0 <= index < len(schema["sections"]):
        raise ValidationError(_("That section is not in this form."))
    return index


def build_question(
    *,
    kind: str,
    label: str,
    help_text: str = "",
    required: bool = False,
    options=(),
    scale_min: int | None = None,
    scale_max: int | None = None,
    question_id: str = "",
) -> dict:
    """A question in the schema's shape from the builder's fields."""
    label, help_text = (label or "").strip(), (help_text or "").strip()
    problems = {}
    if kind not in form_schema.TYPES:
        problems["kind"] = _("Please choose a type of question.")
    if not label:
        problems["label"] = _("Every question needs a text.")
    elif len(label) > LABEL_MAX:
        problems["label"] = _("Please keep the question under %(n)d characters.") % {"n": LABEL_MAX}
    if len(help_text) > HELP_MAX:
        problems["help_text"] = _("Please keep the help under %(n)d characters.") % {"n": HELP_MAX}
    if problems:
        raise ValidationError(problems)
    question = {"id": question_id or f"q{uuid.uuid4().hex[:8]}", "type": kind, "label": label, "required": required}
    if help_text:
        question["help"] = help_text
    if kind in form_schema.CHOICE_TYPES:
        question["options"] = [option.strip() for option in options if option.strip()]
    if kind == "scale":
        question["min"] = 0 if scale_min is None else scale_min
        question["max"] = 10 if scale_max is None else scale_max
    problems = form_schema._question_problems(question)
    if problems:
        raise ValidationError(problems)
    return question


def form_question_save(*, form: IntakeForm, by, question: dict, section: int = 0) -> FormVersion:
    """Add `question` to a section of the draft, or replace the question with
    the same id where it stands."""
    schema = _draft_schema(form)
    try:
        s, q = _find(schema, question["id"])
    except ValidationError:
        schema["sections"][_section_index(schema, section)]["questions"].append(question)
    else:
        schema["sections"][s]["questions"][q] = question
    return form_draft_save(form=form, by=by, schema=schema)


def form_question_delete(*, form: IntakeForm, by, question_id: str) -> FormVersion:
    schema = _draft_schema(form)
    s, q = _find(schema, question_id)
    del schema["sections"][s]["questions"][q]
    return form_draft_save(form=form, by=by, schema=schema)


def form_question_move(*, form: IntakeForm, by, question_id: str, up: bool) -> FormVersion:
    """One place up or down; at the edge of a section, into the end of the
    previous (or start of the next) section; at the very edge, nothing."""
    schema = _draft_schema(form)
    s, q = _find(schema, question_id)
    sections = schema["sections"]
    questions = sections[s]["questions"]
    target = q - 1 if up else q + 1
    if 0 <= target < len(questions):
        questions[q], questions[target] = questions[target], questions[q]
    elif up and s > 0:
        sections[s - 1]["questions"].append(questions.pop(q))
    elif not up and s < len(sections) - 1:
        sections[s + 1]["questions"].insert(0, questions.pop(q))
    return form_draft_save(form=form, by=by, schema=schema)


def _check_section_title(title: str) -> str:
    title = (title or "").strip()
    if len(title) > SECTION_TITLE_MAX:
        raise ValidationError(
            {"title": _("Please keep the section title under %(n)d characters.") % {"n": SECTION_TITLE_MAX}}
        )
    return title


def form_section_add(*, form: IntakeForm, by, title: str) -> FormVersion:
    schema = _draft_schema(form)
    schema["sections"].append({"title": _check_section_title(title), "questions": []})
    return form_draft_save(form=form, by=by, schema=schema)


def form_section_rename(*, form: IntakeForm, by, index: int, title: str) -> FormVersion:
    schema = _draft_schema(form)
    schema["sections"][_section_index(schema, index)]["title"] = _check_section_title(title)
    return form_draft_save(form=form, by=by, schema=schema)


def form_section_delete(*, form: IntakeForm, by, index: int) -> FormVersion:
    """Remove an empty section (never the last one)."""
    schema = _draft_schema(form)
    index = _section_index(schema, index)
    if schema["sections"][index]["questions"]:
        raise ValidationError(_("Move or delete the questions of this section first."))
    if len(schema["sections"]) == 1:
        raise ValidationError(_("A form needs at least one section."))
    del schema["sections"][index]
    return form_draft_save(form=form, by=by, schema=schema)
