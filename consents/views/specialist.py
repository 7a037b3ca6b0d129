"""The specialist's view of their patients' consents and forms: one form
response with its answers, and one patient's checklist.

Only the specialist's own: a response given to someone else, or a patient
who never booked them, is a 404. Every page that shows answers or their
status writes an audit row per response shown.
"""

from __future__ import annotations

import json

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.portals import Portal, portal_required
from core.services import audit_read
from specialists.selectors import specialist_profile_for_user

from ..schema import questions
from ..selectors import (
    care_patient_get_for_specialist,
    form_response_get_for_specialist,
    requirements_for,
)


def _answers(response) -> dict:
    try:
        answers = json.loads(response.answers or "{}")
    except (TypeError, ValueError):
        return {}
    return answers if isinstance(answers, dict) else {}


def _shown(question: dict, value) -> str:
    """An answer in words; free text stays text (the template escapes it)."""
    if value is None or value in ("", []):
        return ""
    kind = question.get("type")
    if kind == "multiple_choice" and isinstance(value, list):
        return ", ".join(str(option) for option in value)
    if kind == "yes_no":
        return _("Yes") if value == "yes" else _("No")
    if kind == "scale":
        return f"{value} / {question.get('max', 10)}"
    return str(value)


def response_sections(response) -> list[dict]:
    """Each section of the answered version with its questions and answers."""
    answers = _answers(response)
    sections = []
    for section in response.version.schema.get("sections", []):
        rows = [
            {
                "question": question,
                "answer": _shown(question, answers.get(question.get("id"))),
                "is_long": question.get("type") == "long_text",
            }
            for question in questions({"sections": [section]})
        ]
        sections.append({"title": section.get("title", ""), "rows": rows})
    return sections


@require_GET
@portal_required(Portal.SPECIALIST)
def response_view(request, public_id):
    response = form_response_get_for_specialist(user=request.user, public_id=public_id)
    audit_read(request, response)
    context = {"response": response, "form": response.version.form, "sections": response_sections(response)}
    return render(request, "consents/specialist/responses_detail.html", context)


@require_GET
@portal_required(Portal.SPECIALIST)
def patient_readiness_view(request, public_id):
    """Everything that applies to one of the specialist's patients and
    concerns them: their organization's consents and the forms for them."""
    profile = specialist_profile_for_user(user=request.user)
    if profile is None:
        raise Http404
    patient = care_patient_get_for_specialist(specialist=profile, public_id=public_id)
    items = requirements_for(patient).relevant_to(profile)
    audit_read(request, patient)
    for item in items:
        if item.response is not None:
            audit_read(request, item.response)
    return render(
        request, "consents/specialist/responses_patient.html", {"patient": patient, "items": items, "profile": profile}
    )
