"""The clinical note of one session, for its treating specialist.

A draft saves itself as the specialist types (htmx posts the form after a
pause and shows "Saved 10:42"); signing locks it; later changes are
amendments kept below the signed text with who and when. Every read of a
note leaves an audit row (`note_get_for_specialist`), every write one more
(`care.notes`). Another specialist's session is a 404 (booking's door).

Refusals: a signed note edited → 409 ("add an amendment instead"); bad
input (unknown template, overlong text, an empty amendment, a patient
outside the specialist's care, a session that did not take place) → 422.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from booking.selectors_specialist import appointment_get_for_specialist
from core.portals import Portal, portal_required

from ..forms_notes import AmendmentForm, NoteDraftForm, draft_form_from_post, section_field_name
from ..models import ClinicalNote
from ..notes import NOTE_STATUSES, note_amend, note_draft_save, note_sign
from ..record import note_rows
from ..selectors import care_relationship_exists, note_get_for_specialist, note_of_appointment

TEMPLATE = "care/specialist/note.html"


def _status_of(error: ValidationError) -> int:
    codes = {getattr(item, "code", None) for item in getattr(error, "error_list", [error])}
    return 409 if "signed" in codes or "draft" in codes else 422


def _see_other(url: str):
    response = redirect(url)
    response.status_code = 303
    return response


def _note_url(appointment) -> str:
    return reverse("care:specialist-note", args=[appointment.public_id])


def _load(request, public_id):
    """The session (404 unless it is the specialist's) and its note, read through the audited door."""
    appointment = appointment_get_for_specialist(user=request.user, public_id=public_id)
    stub = note_of_appointment(appointment=appointment)
    note = note_get_for_specialist(user=request.user, public_id=stub.public_id, request=request) if stub else None
    return appointment, note


def _render(request, appointment, note, *, form=None, amend_form=None, error="", status=200):
    in_care = care_relationship_exists(patient_id=appointment.patient_id, specialist_id=appointment.specialist_id)
    if form is None and (note is None or not note.is_signed):
        template = request.GET.get("template") or (note.template if note else ClinicalNote.Template.SOAP)
        initial = {"template": template}
        if note is not None and template == note.template:
            initial |= {section_field_name(key): text for key, text in note.sections.items()}
        form = NoteDraftForm(initial=initial, template=template)
    context = {
        "appointment": appointment,
        "note": note,
        "form": form,
        "amend_form": amend_form or AmendmentForm(),
        "error": error,
        "held": appointment.status in NOTE_STATUSES,
        "in_care": in_care,
        "templates": ClinicalNote.Template.choices,
        "rows": note_rows(note) if note is not None else [],
    }
    return render(request, TEMPLATE, context, status=status)


@require_GET
@portal_required(Portal.SPECIALIST)
def note_view(request, public_id):
    appointment, note = _load(request, public_id)
    return _render(request, appointment, note)


def _save(request, appointment):
    """The posted draft saved: (note, None), or (None, (form, error, status))."""
    form = draft_form_from_post(request.POST)
    if not form.is_valid():
        return None, (form, _("Check the note: some of it could not be saved."), 422)
    try:
        note = note_draft_save(
            appointment=appointment,
            by=request.user,
            template=form.cleaned_data["template"],
            sections=form.sections(),
            request=request,
        )
    except ValidationError as refusal:
        return None, (form, " ".join(refusal.messages), _status_of(refusal))
    return note, None


@require_POST
@portal_required(Portal.SPECIALIST)
def note_save_view(request, public_id):
    """Autosave (htmx: answers the "Saved" line) and the plain "Save draft" button."""
    appointment, note = _load(request, public_id)
    saved, refused = _save(request, appointment)
    if request.htmx:
        context = {"note": saved, "error": refused[1] if refused else ""}
        return render(request, f"{TEMPLATE}#note-saved", context, status=refused[2] if refused else 200)
    if refused:
        form, error, status = refused
        return _render(request, appointment, note, form=form, error=error, status=status)
    messages.success(request, _("Draft saved."))
    return _see_other(_note_url(appointment))


@require_POST
@portal_required(Portal.SPECIALIST)
def note_sign_view(request, public_id):
    """Save what is on the page, then sign it: from now on it is locked."""
    appointment, note = _load(request, public_id)
    if note is not None and note.is_signed:
        return _render(
            request, appointment, note, error=_("This note is signed. Add an amendment instead."), status=409
        )
    saved, refused = _save(request, appointment)
    if refused:
        form, error, status = refused
        return _render(request, appointment, note, form=form, error=error, status=status)
    try:
        note_sign(note=saved, by=request.user, request=request)
    except ValidationError as refusal:
        return _render(request, appointment, saved, error=" ".join(refusal.messages), status=_status_of(refusal))
    messages.success(request, _("The note is signed. Later changes are added as amendments."))
    return _see_other(_note_url(appointment))


@require_POST
@portal_required(Portal.SPECIALIST)
def note_amend_view(request, public_id):
    appointment, note = _load(request, public_id)
    form = AmendmentForm(request.POST)
    if note is None:
        return _render(request, appointment, note, error=_("Write and sign the note first."), status=409)
    if not form.is_valid():
        return _render(request, appointment, note, amend_form=form, status=422)
    try:
        note_amend(note=note, by=request.user, text=form.cleaned_data["text"], request=request)
    except ValidationError as refusal:
        return _render(
            request, appointment, note, amend_form=form, error=" ".join(refusal.messages), status=_status_of(refusal)
        )
    messages.success(request, _("Amendment added."))
    return _see_other(_note_url(appointment) + "#amendments")
