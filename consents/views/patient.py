"""The patient's guided flow: one consent or form per step, in order.

State lives on the server (signatures, drafts), so `/patient/consents/` on
any device continues at the first thing still to do. Every item is looked up
among the requirements that apply to this patient: a version outside them,
or another patient's signature, is a 404. Bad input answers 422 and writes
nothing.

Entered from a booking that waits for it, the flow carries the way back
(`?next=`, checked by `core.returns`): it then walks through what is due
before that booking, counting the specialist's and the service's items that
apply once it is made, and returns to the booking as soon as nothing is
missing. A way back that does not check out is dropped.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core.models import AuditLog
from core.portals import Portal, portal_required
from core.returns import NEXT_PARAM, ReturnTo, return_target, with_return
from core.selectors import get_for_user
from core.services import audit_read, audit_record, client_ip

from .. import schema as form_schema
from ..forms.patient import SignForm, WithdrawForm, raw_answers
from ..models import ConsentSignature, FormResponse, RequiredBefore
from ..nextsteps import step_url
from ..pdf import signed_copy_filename, signed_copy_pdf
from ..screenings import official, screening_wording
from ..selectors import Item, Requirements, due_by, requirements_for
from ..services import consent_sign, consent_withdraw, form_draft_save, form_submit, response_answers

STEP_TEMPLATE = "consents/patient/step.html"
OVERVIEW_TEMPLATE = "consents/patient/overview.html"
WITHDRAW_TEMPLATE = "consents/patient/withdraw.html"


def _see_other(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _find_item(items: list[Item], kind: str, public_id, specialist_slug: str) -> Item:
    for item in items:
        if item.kind != kind or item.version.public_id != public_id:
            continue
        if kind == "form" and item.specialist.slug != specialist_slug:
            continue
        return item
    raise Http404


def _signatures_for(patient):
    return ConsentSignature.objects.filter(patient=patient).select_related("version__document")


# --- The way back to a booking --------------------------------------------------------


def _return_to(request) -> ReturnTo | None:
    return return_target(request.user, request.GET.get(NEXT_PARAM))


def _requirements(request, back: ReturnTo | None) -> Requirements:
    """The patient's requirements, with those of the booking waiting (they
    apply once it is made, so they are due before it)."""
    if back is None or back.specialist is None:
        return requirements_for(request.user)
    return requirements_for(request.user, specialist=back.specialist, offering=back.offering)


def _flow_items(requirements: Requirements, back: ReturnTo | None) -> list[Item]:
    """The steps of this walk: with a booking waiting, what is due before
    it (done or not); else everything."""
    if back is None or back.specialist is None:
        return requirements.items
    moments = due_by(RequiredBefore.BOOKING)
    return [item for item in requirements.relevant_to(back.specialist) if item.required_before in moments]


def _keep(url: str, back: ReturnTo | None) -> str:
    """`url`, still carrying the way back."""
    return with_return(url, back.url) if back is not None else url


# --- The flow -----------------------------------------------------------------------


@require_GET
@portal_required(Portal.PATIENT)
def flow_view(request):
    """The first pending step; when there is none, back to the booking
    waiting, or the overview saying all is done."""
    back = _return_to(request)
    requirements = _requirements(request, back)
    pending = [item for item in _flow_items(requirements, back) if not item.done]
    if pending:
        return HttpResponseRedirect(_keep(step_url(pending[0]), back))
    if back is not None:
        return HttpResponseRedirect(back.url)
    return _overview(request, requirements, back)


@require_GET
@portal_required(Portal.PATIENT)
def overview_view(request):
    back = _return_to(request)
    return _overview(request, _requirements(request, back), back)


def _overview(request, requirements, back: ReturnTo | None):
    responses = FormResponse.objects.filter(patient=request.user, status=FormResponse.Status.SUBMITTED)
    context = {
        "pending": [(item, _keep(step_url(item), back)) for item in requirements.pending],
        "all_done": not requirements.pending,
        "signatures": _signatures_for(request.user),
        "responses": responses.select_related("version__form", "specialist"),
        "return_to": back,
        "flow_url": _keep(reverse("consents:flow"), back),
    }
    return render(request, OVERVIEW_TEMPLATE, context)


def _step_context(requirements, item: Item, back: ReturnTo | None, **extra) -> dict:
    items = _flow_items(requirements, back)
    if item not in items:  # opened from the overview: one of everything
        items = requirements.items
    return {
        "item": item,
        "version": item.version,
        "position": items.index(item) + 1,
        "total": len(items),
        "step_url": _keep(step_url(item), back),
        "steps": [(other, _keep(step_url(other), back)) for other in items],
        "return_to": back,
        "flow_url": _keep(reverse("consents:flow"), back),
        "overview_url": _keep(reverse("consents:overview"), back),
        **extra,
    }


def _as_text(value) -> str:
    return "" if value is None or isinstance(value, list) else str(value)


def _form_context(item: Item, answers: dict, errors: dict) -> dict:
    # A bundled PHQ-9/GAD-7 reads in its official translation; the values
    # sent back (and scored) stay the schema's own.
    wording = screening_wording(item.version.form.template_key)
    sections = [
        {
            "title": official(section.get("title", ""), wording),
            "questions": [
                {
                    **question,
                    "label": official(question.get("label", ""), wording),
                    "choices": [(option, official(option, wording)) for option in question.get("options", [])],
                    "text": _as_text(answers.get(question["id"])),
                    "values": answers.get(question["id"]) if question["type"] == "multiple_choice" else [],
                    "error": errors.get(question["id"], ""),
                    "scale": range(question.get("min", 0), question.get("max", 10) + 1)
                    if question["type"] == "scale"
                    else (),
                }
                for question in section.get("questions", [])
            ],
        }
        for section in item.version.schema.get("sections", [])
    ]
    return {"sections": sections, "errors": errors}


@require_http_methods(["GET", "POST"])
@portal_required(Portal.PATIENT)
def step_view(request, kind, public_id):
    back = _return_to(request)
    requirements = _requirements(request, back)
    item = _find_item(requirements.items, kind, public_id, request.GET.get("for", ""))
    if kind == "consent":
        return _consent_step(request, requirements, item, back)
    return _form_step(request, requirements, item, back)


def _consent_step(request, requirements, item: Item, back: ReturnTo | None):
    form = SignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            consent_sign(
                patient=request.user,
                version=item.version,
                typed_name=form.cleaned_data["typed_name"],
                agreed=form.cleaned_data["agreed"],
                ip_address=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Thank you. You signed “%(title)s”.") % {"title": item.title})
            return _see_other(_keep(reverse("consents:flow"), back))
    status = 422 if request.method == "POST" else 200
    if item.signature is not None:
        audit_read(request, item.signature)
    return render(request, STEP_TEMPLATE, _step_context(requirements, item, back, form=form), status=status)


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, field_errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error(None, error.messages)


def _form_step(request, requirements, item: Item, back: ReturnTo | None):
    response = item.response if item.response and item.response.version_id == item.version.pk else None
    if request.method == "POST":
        if item.done:  # sent already (another tab, a double click)
            return _see_other(_keep(reverse("consents:flow"), back))
        return _form_post(request, requirements, item, response, back)
    if response is not None:
        audit_read(request, response)
    context = _form_context(item, response_answers(response), {})
    return render(request, STEP_TEMPLATE, _step_context(requirements, item, back, response=response, **context))


def _form_post(request, requirements, item: Item, response, back: ReturnTo | None):
    raw = raw_answers(request.POST, item.version.schema)
    args = {"patient": request.user, "version": item.version, "specialist": item.specialist, "raw_answers": raw}
    if request.POST.get("action") == "submit":
        try:
            form_submit(**args)
        except ValidationError as error:
            errors = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
            shown = {qid: messages_[0] for qid, messages_ in errors.items()}
            return _form_invalid(
                request, requirements, item, back, response=response, raw=raw, errors=shown, draft=False
            )
        messages.success(request, _("Thank you. “%(title)s” was sent.") % {"title": item.title})
        return _see_other(_keep(reverse("consents:flow"), back))
    response, errors = form_draft_save(**args)
    if request.htmx:
        return render(request, f"{STEP_TEMPLATE}#form-saved", {"response": response, "draft_errors": errors})
    if errors:
        return _form_invalid(request, requirements, item, back, response=response, raw=raw, errors=errors, draft=True)
    messages.success(request, _("Your answers are saved. You can come back and finish any time."))
    return _see_other(_keep(reverse("consents:overview"), back))


def _form_invalid(request, requirements, item, back, *, response, raw, errors, draft: bool):
    """Show what was posted, cleaned as far as it goes, with the errors.
    After a refused submit nothing was saved; after a draft, the rest was."""
    answers, _errors = form_schema.clean_answers(item.version.schema, raw, complete=False)
    shown = {**{qid: value for qid, value in raw.items() if value not in ("", [])}, **answers}
    context = _form_context(item, shown, errors)
    context["draft_errors"] = errors if draft else {}
    return render(
        request, STEP_TEMPLATE, _step_context(requirements, item, back, response=response, **context), status=422
    )


@require_GET
@portal_required(Portal.PATIENT)
def signed_pdf_view(request, public_id):
    """The patient's own signed copy, as a download (audited)."""
    signature = get_for_user(_signatures_for(request.user).select_related("patient"), public_id)
    audit_record(request=request, action=AuditLog.Action.DOWNLOAD, obj=signature)
    response = HttpResponse(signed_copy_pdf(signature), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{signed_copy_filename(signature)}"'
    return response


@require_http_methods(["GET", "POST"])
@portal_required(Portal.PATIENT)
def withdraw_view(request, public_id):
    signature = get_for_user(_signatures_for(request.user), public_id)
    audit_read(request, signature)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            consent_withdraw(signature=signature, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request, _("You withdrew your consent to “%(title)s”.") % {"title": signature.version.document.title}
            )
            return _see_other(reverse("consents:overview"))
    status = 422 if request.method == "POST" else 200
    return render(request, WITHDRAW_TEMPLATE, {"signature": signature, "form": form}, status=status)
