"""Writing consent documents and intake forms: the organization portal
(`/org/<slug>/consents/`) and the specialist portal (`/specialist/forms/`).

Each page is written once and served in both portals: `_org` and
`_specialist` resolve who is writing (an `Author`: the organization, and the
specialist for their own items) and refuse everyone else, and every id in a
URL is looked up among the author's own items (others → 404). Without
JavaScript everything works through plain forms; changes are POST only.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.portals import Portal, portal_required
from core.selectors import get_for_user
from organizations.models import Organization, Program
from organizations.selectors import organization_get_for_admin
from specialists.models import Offering, SpecialistProfile
from specialists.services import specialist_profile_get_or_create

from .. import schema as form_schema
from ..forms.authoring import (
    TYPE_LABELS,
    ConsentSettingsForm,
    DocumentCreateForm,
    DocumentSettingsForm,
    DraftForm,
    IntakeFormCreateForm,
    IntakeFormSettingsForm,
    MoveForm,
    QuestionForm,
    SectionForm,
    add_service_errors,
)
from ..models import ConsentDocument, ConsentSettings, ConsentVersion, FormVersion, IntakeForm
from ..services import authoring as services

# --- who is writing --------------------------------------------------------------------


@dataclass
class Author:
    """An organization admin (`specialist` None) or a specialist writing
    their own items."""

    user: object
    organization: Organization
    specialist: SpecialistProfile | None = None

    @property
    def is_admin(self) -> bool:
        return self.specialist is None

    @property
    def base_template(self) -> str:
        return "portals/organization/base.html" if self.is_admin else "portals/specialist/base.html"

    def url(self, name: str, *args) -> str:
        if self.is_admin:
            return reverse(f"consents:org-author-{name}", args=[self.organization.slug, *args])
        return reverse(f"consents:specialist-author-{name}", args=list(args))

    def documents(self):
        queryset = ConsentDocument.objects.filter(organization=self.organization)
        return queryset if self.is_admin else queryset.filter(specialist=self.specialist)

    def forms(self):
        queryset = IntakeForm.objects.filter(organization=self.organization)
        return queryset if self.is_admin else queryset.filter(specialist=self.specialist)

    def programs(self):
        return Program.objects.filter(organization=self.organization).order_by("name") if self.is_admin else None

    def offerings(self) -> list[Offering]:
        queryset = Offering.objects.filter(is_active=True).select_related("specialist")
        if self.is_admin:
            queryset = queryset.filter(specialist__organization=self.organization)
        else:
            queryset = queryset.filter(specialist=self.specialist)
        return list(queryset.order_by("specialist__display_name", "position", "name"))


def _org(view):
    @portal_required(Portal.ORGANIZATION)
    @wraps(view)
    def wrapped(request, org_slug, **kwargs):
        organization = organization_get_for_admin(user=request.user, slug=org_slug)
        return view(request, Author(request.user, organization), **kwargs)

    return wrapped


def _specialist(view):
    @portal_required(Portal.SPECIALIST)
    @wraps(view)
    def wrapped(request, **kwargs):
        profile = specialist_profile_get_or_create(user=request.user)
        if not services.specialists_may_write(profile.organization):
            context = {"profile": profile, "organization": profile.organization}
            status = 200 if request.method == "GET" else 403
            return render(request, "consents/specialist/author_not_allowed.html", context, status=status)
        return view(request, Author(request.user, profile.organization, profile), **kwargs)

    return wrapped


def _both(methods, view):
    """The view for the organization portal and for the specialist portal."""
    allow = require_http_methods(methods)
    return allow(_org(view)), allow(_specialist(view))


def _render(request, author, template, context, status=200):
    context = {"author": author, "organization": author.organization, **context}
    return render(request, f"consents/organization/{template}", context, status=status)


def _document(author, public_id) -> ConsentDocument:
    return get_for_user(author.documents().select_related("program", "specialist"), public_id)


def _form(author, public_id) -> IntakeForm:
    return get_for_user(author.forms().select_related("program", "specialist"), public_id)


# --- the list ------------------------------------------------------------------------------


def _rows(items) -> list[dict]:
    """Each item with its latest published version and its draft (if newer)."""
    rows = []
    for item in items:
        versions = item.ordered_versions
        published = next((version for version in versions if version.published_at), None)
        draft = versions[0] if versions and versions[0].published_at is None else None
        rows.append({"item": item, "published": published, "draft": draft})
    return rows


def _home(request, author):
    def latest_first(model):
        return Prefetch("versions", queryset=model.objects.order_by("-number"), to_attr="ordered_versions")

    documents = (
        author.documents().select_related("program", "specialist").prefetch_related(latest_first(ConsentVersion))
    )
    forms = author.forms().select_related("program", "specialist").prefetch_related(latest_first(FormVersion))
    settings = ConsentSettings.objects.filter(organization=author.organization).first()
    context = {
        "documents": _rows(documents.order_by("-is_active", "title")),
        "forms": _rows(forms.order_by("-is_active", "title")),
        "templates": form_schema.TEMPLATES,
        "settings_form": ConsentSettingsForm(
            initial={"specialists_may_write": bool(settings and settings.specialists_may_write)}
        ),
    }
    return _render(request, author, "authoring.html", context)


org_home_view, specialist_home_view = _both(["GET"], _home)


@require_http_methods(["POST"])
@_org
def org_settings_view(request, author):
    form = ConsentSettingsForm(request.POST)
    form.is_valid()  # a checkbox: always valid
    services.consent_settings_update(
        organization=author.organization,
        by=request.user,
        specialists_may_write=form.cleaned_data["specialists_may_write"],
    )
    if form.cleaned_data["specialists_may_write"]:
        messages.success(request, _("Specialists may now write consents and forms for their own patients."))
    else:
        messages.success(request, _("Specialists can no longer write their own consents and forms."))
    return redirect(author.url("home"))


# --- consent documents -------------------------------------------------------------------


def _document_create(request, author):
    form = DocumentCreateForm(request.POST or None, programs=author.programs())
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                document = services.consent_document_create(
                    organization=author.organization, by=request.user, specialist=author.specialist, **data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("“%(title)s” was created. Write its text below.") % {"title": document})
                return redirect(author.url("document", document.public_id))
        status = 422
    return _render(request, author, "document_create.html", {"form": form}, status=status)


document_create_org_view, document_create_specialist_view = _both(["GET", "POST"], _document_create)


def _document_page(request, author, document, *, settings_form=None, draft_form=None, preview=None, status=200):
    versions = list(document.versions.order_by("-number"))
    draft = versions[0] if versions and versions[0].published_at is None else None
    latest = versions[0] if versions else None
    if draft_form is None:
        initial = {"summary": latest.summary, "body": latest.body} if latest else {}
        draft_form = DraftForm(initial=initial)
    context = {
        "document": document,
        "draft": draft,
        "next_number": draft.number if draft else (latest.number + 1 if latest else 1),
        "published_versions": [version for version in versions if version.published_at],
        "settings_form": settings_form or DocumentSettingsForm(initial=DocumentSettingsForm.initial_for(document)),
        "draft_form": draft_form,
        "preview": preview,
    }
    return _render(request, author, "document_edit.html", context, status=status)


def _document_edit(request, author, public_id):
    """GET: the document. POST `action`: settings, save (the draft) or
    preview (shows the text as patients will see it, stores nothing)."""
    document = _document(author, public_id)
    if request.method == "GET":
        return _document_page(request, author, document)
    action = request.POST.get("action")
    if action == "settings":
        form = DocumentSettingsForm(request.POST)
        if form.is_valid():
            try:
                services.consent_document_update(document=document, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The settings were saved."))
                return redirect(author.url("document", document.public_id))
        return _document_page(request, author, document, settings_form=form, status=422)
    form = DraftForm(request.POST)
    if action == "preview":
        preview = form.cleaned_data if form.is_valid() else None
        return _document_page(
            request, author, document, draft_form=form, preview=preview, status=200 if preview else 422
        )
    if form.is_valid():
        try:
            version = services.consent_draft_save(document=document, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Draft version %(n)d was saved.") % {"n": version.number})
            return redirect(author.url("document", document.public_id))
    return _document_page(request, author, document, draft_form=form, status=422)


document_org_view, document_specialist_view = _both(["GET", "POST"], _document_edit)


def _document_publish(request, author, public_id):
    document = _document(author, public_id)
    draft = services.consent_latest_version(document)
    draft = draft if draft and draft.published_at is None else None
    problems = []
    if request.method == "POST":
        try:
            version = services.consent_publish(document=document, by=request.user)
        except ValidationError as error:
            problems = error.messages
        else:
            messages.success(
                request,
                _("Version %(n)d is published. Patients are asked to sign it from now on.") % {"n": version.number},
            )
            return redirect(author.url("document", document.public_id))
    has_signers = document.versions.filter(published_at__isnull=False).exists()
    context = {"document": document, "draft": draft, "problems": problems, "has_signers": has_signers}
    return _render(request, author, "document_publish.html", context, status=422 if problems else 200)


document_publish_org_view, document_publish_specialist_view = _both(["GET", "POST"], _document_publish)


# --- intake forms ----------------------------------------------------------------------------


def _form_create(request, author):
    template_key = request.POST.get("template_key", request.GET.get("template", ""))
    if template_key and template_key not in form_schema.TEMPLATES:
        raise Http404
    form = IntakeFormCreateForm(
        request.POST or None, programs=author.programs(), offerings=author.offerings(), template_key=template_key
    )
    if not request.POST and template_key:
        form.initial.update(
            title=form_schema.TEMPLATES[template_key]["title"],
            description=form_schema.TEMPLATES[template_key]["description"],
        )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                intake = services.intake_form_create(
                    organization=author.organization,
                    by=request.user,
                    specialist=author.specialist,
                    template_key=template_key,
                    **form.cleaned_data,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("“%(title)s” was created.") % {"title": intake})
                return redirect(author.url("form", intake.public_id))
        status = 422
    context = {"form": form, "template_key": template_key, "template": form_schema.TEMPLATES.get(template_key)}
    return _render(request, author, "form_create.html", context, status=status)


form_create_org_view, form_create_specialist_view = _both(["GET", "POST"], _form_create)


def _form_page(
    request, author, intake, *, settings_form=None, question_form=None, question_section=None, problems=(), status=200
):
    versions = list(intake.versions.order_by("-number"))
    latest = versions[0] if versions else None
    draft = latest if latest and latest.published_at is None else None
    shown = latest.schema if latest else services.empty_schema()
    sections = [
        {
            "index": index,
            "title": section.get("title", ""),
            "questions": section.get("questions", []),
            "question_form": question_form
            if question_form is not None and question_section == index
            else QuestionForm(initial={"kind": "short_text"}, prefix=f"s{index}"),
        }
        for index, section in enumerate(shown.get("sections", []))
    ]
    context = {
        "intake": intake,
        "draft": draft,
        "latest": latest,
        "next_number": draft.number if draft else (latest.number + 1 if latest else 1),
        "published_versions": [version for version in versions if version.published_at],
        "sections": sections,
        "section_count": len(sections),
        "scoring": shown.get("scoring"),
        "type_labels": TYPE_LABELS,
        "settings_form": settings_form
        or IntakeFormSettingsForm(initial=IntakeFormSettingsForm.initial_for(intake), offerings=author.offerings()),
        "section_form": SectionForm(),
        "problems": problems,
    }
    return _render(request, author, "form_builder.html", context, status=status)


def _form_edit(request, author, public_id):
    """GET: the builder. POST: the form's settings and offerings."""
    intake = _form(author, public_id)
    if request.method == "GET":
        return _form_page(request, author, intake)
    form = IntakeFormSettingsForm(request.POST, offerings=author.offerings())
    if form.is_valid():
        try:
            services.intake_form_update(form=intake, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The settings were saved."))
            return redirect(author.url("form", intake.public_id))
    return _form_page(request, author, intake, settings_form=form, status=422)


form_org_view, form_specialist_view = _both(["GET", "POST"], _form_edit)


def _form_change(request, author, intake, change, success: str):
    """Apply one builder change; its refusal re-renders the builder (422)."""
    try:
        change()
    except ValidationError as error:
        return _form_page(request, author, intake, problems=error.messages, status=422)
    messages.success(request, success)
    return redirect(author.url("form", intake.public_id))


def _form_publish(request, author, public_id):
    intake = _form(author, public_id)
    latest = services.form_latest_version(intake)
    draft = latest if latest and latest.published_at is None else None
    problems = []
    if request.method == "POST":
        try:
            version = services.form_publish(form=intake, by=request.user)
        except ValidationError as error:
            problems = error.messages
        else:
            messages.success(
                request, _("Version %(n)d is published. Patients answer it from now on.") % {"n": version.number}
            )
            return redirect(author.url("form", intake.public_id))
    context = {"intake": intake, "draft": draft, "problems": problems}
    return _render(request, author, "form_publish.html", context, status=422 if problems else 200)


form_publish_org_view, form_publish_specialist_view = _both(["GET", "POST"], _form_publish)


def _form_new_version(request, author, public_id):
    intake = _form(author, public_id)
    version = services.form_new_version(form=intake, by=request.user)
    messages.success(request, _("Draft version %(n)d is ready to change.") % {"n": version.number})
    return redirect(author.url("form", intake.public_id))


form_new_version_org_view, form_new_version_specialist_view = _both(["POST"], _form_new_version)


def _section_add(request, author, public_id):
    intake = _form(author, public_id)
    form = SectionForm(request.POST)
    if not form.is_valid():
        return _form_page(
            request, author, intake, problems=[e for errors in form.errors.values() for e in errors], status=422
        )
    return _form_change(
        request,
        author,
        intake,
        lambda: services.form_section_add(form=intake, by=request.user, title=form.cleaned_data["title"]),
        _("The section was added."),
    )


section_add_org_view, section_add_specialist_view = _both(["POST"], _section_add)


def _section_rename(request, author, public_id, index):
    intake = _form(author, public_id)
    form = SectionForm(request.POST)
    if not form.is_valid():
        return _form_page(
            request, author, intake, problems=[e for errors in form.errors.values() for e in errors], status=422
        )
    return _form_change(
        request,
        author,
        intake,
        lambda: services.form_section_rename(
            form=intake, by=request.user, index=index, title=form.cleaned_data["title"]
        ),
        _("The section was renamed."),
    )


section_org_view, section_specialist_view = _both(["POST"], _section_rename)


def _section_delete(request, author, public_id, index):
    intake = _form(author, public_id)
    return _form_change(
        request,
        author,
        intake,
        lambda: services.form_section_delete(form=intake, by=request.user, index=index),
        _("The section was removed."),
    )


section_delete_org_view, section_delete_specialist_view = _both(["POST"], _section_delete)


def _save_question(request, author, intake, form, *, question_id="", section=0):
    """Build and store the question; on a refusal, the errors on `form`."""
    try:
        question = services.build_question(question_id=question_id, **form.question_kwargs())
        services.form_question_save(form=intake, by=request.user, question=question, section=section)
    except ValidationError as error:
        add_service_errors(form, error)
        return False
    return True


def _question_add(request, author, public_id):
    intake = _form(author, public_id)
    section = request.POST.get("section", "0")
    index = int(section) if section.isdigit() else 0
    form = QuestionForm(request.POST, prefix=f"s{index}")
    if form.is_valid() and _save_question(request, author, intake, form, section=index):
        messages.success(request, _("The question was added."))
        return redirect(author.url("form", intake.public_id))
    return _form_page(request, author, intake, question_form=form, question_section=index, status=422)


question_add_org_view, question_add_specialist_view = _both(["POST"], _question_add)


def _question(intake, question_id) -> dict:
    latest = services.form_latest_version(intake)
    for question in form_schema.questions(latest.schema if latest else {}):
        if question.get("id") == question_id:
            return question
    raise Http404


def _question_edit(request, author, public_id, question_id):
    intake = _form(author, public_id)
    question = _question(intake, question_id)
    form = QuestionForm(request.POST or None, initial=QuestionForm.initial_for(question))
    status = 200
    if request.method == "POST":
        if form.is_valid() and _save_question(request, author, intake, form, question_id=question_id):
            messages.success(request, _("The question was saved."))
            return redirect(author.url("form", intake.public_id))
        status = 422
    latest = services.form_latest_version(intake)
    context = {"intake": intake, "question": question, "form": form, "published": latest.published_at is not None}
    return _render(request, author, "form_question.html", context, status=status)


question_org_view, question_specialist_view = _both(["GET", "POST"], _question_edit)


def _question_delete(request, author, public_id, question_id):
    intake = _form(author, public_id)
    _question(intake, question_id)
    return _form_change(
        request,
        author,
        intake,
        lambda: services.form_question_delete(form=intake, by=request.user, question_id=question_id),
        _("The question was removed."),
    )


question_delete_org_view, question_delete_specialist_view = _both(["POST"], _question_delete)


def _question_move(request, author, public_id, question_id):
    intake = _form(author, public_id)
    _question(intake, question_id)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return _form_page(request, author, intake, problems=[_("Choose up or down.")], status=422)
    up = form.cleaned_data["direction"] == "up"
    return _form_change(
        request,
        author,
        intake,
        lambda: services.form_question_move(form=intake, by=request.user, question_id=question_id, up=up),
        _("The question was moved."),
    )


question_move_org_view, question_move_specialist_view = _both(["POST"], _question_move)
