"""Consent, Questionnaire and QuestionnaireResponse: signed consent
documents and intake forms (the bundled PHQ-9 and GAD-7 among them)."""

from __future__ import annotations

import json

from django.db.models import Exists, OuterRef, QuerySet

from consents import schema as form_schema
from consents.models import ConsentDocument, ConsentSignature, FormResponse, FormVersion

from .common import base, canonical, extension_url, instant, prune, ref

CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
LOINC = "http://loinc.org"
# ConsentDocument.Kind → consentscope: a privacy notice is about privacy,
# every other document about care.
CONSENT_SCOPE_CODE = {
    ConsentDocument.Kind.TREATMENT: "treatment",
    ConsentDocument.Kind.TELEHEALTH: "treatment",
    ConsentDocument.Kind.PRIVACY: "patient-privacy",
    ConsentDocument.Kind.RECORDING: "treatment",
    ConsentDocument.Kind.OTHER: "treatment",
}
# The bundled questionnaires' LOINC panels.
QUESTIONNAIRE_CODE = {
    "phq9": {"system": LOINC, "code": "44249-1", "display": "PHQ-9 quick depression assessment panel"},
    "gad7": {"system": LOINC, "code": "69737-5", "display": "Generalized anxiety disorder 7 item (GAD-7)"},
}
# consents.schema question type → Questionnaire item type.
ITEM_TYPE = {
    "short_text": "string",
    "long_text": "text",
    "single_choice": "choice",
    "multiple_choice": "choice",
    "scale": "integer",
    "yes_no": "boolean",
    "date": "date",
}
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"


# --- Consent ------------------------------------------------------------------


def _signatures() -> QuerySet[ConsentSignature]:
    return ConsentSignature.objects.select_related("patient", "version__document__organization").order_by("pk")


def consent_rows(organization) -> QuerySet[ConsentSignature]:
    return _signatures().filter(version__document__organization=organization)


def consent_rows_for_patient(user) -> QuerySet[ConsentSignature]:
    return _signatures().filter(patient=user)


def consent_resource(signature, *, with_text=False) -> dict:
    """A signature, standing ("active") or withdrawn ("inactive"), naming
    the exact document version and the hash of the text signed."""
    version = signature.version
    document = version.document
    return prune(
        {
            **base("Consent", signature),
            "extension": [
                {
                    "url": extension_url("consent-document-version"),
                    "extension": [
                        {"url": "title", "valueString": document.title},
                        {"url": "version", "valueInteger": version.number},
                        {"url": "contentHash", "valueString": signature.content_hash},
                    ],
                }
            ],
            "status": "inactive" if signature.withdrawn_at else "active",
            "scope": {"coding": [{"system": CONSENT_SCOPE, "code": CONSENT_SCOPE_CODE[document.kind]}]},
            "category": [{"coding": [{"system": LOINC, "code": "59284-0", "display": "Patient Consent"}]}],
            "patient": ref("Patient", signature.patient.public_id),
            "dateTime": instant(signature.signed_at),
            "organization": [ref("Organization", document.organization.public_id)],
            "policy": [{"uri": canonical(version.public_id)}],
            "provision": {
                "type": "permit",
                "period": prune({"start": instant(signature.signed_at), "end": instant(signature.withdrawn_at)}),
            },
        }
    )


# --- Questionnaire ------------------------------------------------------------


def _versions() -> QuerySet[FormVersion]:
    return FormVersion.objects.filter(published_at__isnull=False).select_related("form__organization").order_by("pk")


def questionnaire_rows(organization) -> QuerySet[FormVersion]:
    return _versions().filter(form__organization=organization)


def questionnaire_rows_for_patient(user) -> QuerySet[FormVersion]:
    """The versions the patient answered."""
    return _versions().filter(Exists(FormResponse.objects.filter(patient=user, version=OuterRef("pk"))))


def _question_item(question: dict) -> dict:
    kind = question["type"]
    item = {"linkId": question["id"], "text": question["label"], "type": ITEM_TYPE[kind]}
    if question.get("required"):
        item["required"] = True
    if kind in form_schema.CHOICE_TYPES:
        item["answerOption"] = [{"valueString": option} for option in question["options"]]
    if kind == "multiple_choice":
        item["repeats"] = True
    if kind == "scale":
        item["extension"] = [
            {"url": MIN_VALUE, "valueInteger": question.get("min", 0)},
            {"url": MAX_VALUE, "valueInteger": question.get("max", 10)},
        ]
    return item


def _section_id(index: int) -> str:
    return f"section-{index}"


def questionnaire_resource(version, *, with_text=False) -> dict:
    form = version.form
    code = QUESTIONNAIRE_CODE.get(form.template_key)
    return prune(
        {
            **base("Questionnaire", version),
            "url": canonical(version.public_id),
            "version": str(version.number),
            "title": form.title,
            "status": "active" if form.is_active else "retired",
            "subjectType": ["Patient"],
            "date": instant(version.published_at),
            "publisher": form.organization.name,
            "description": form.description,
            "code": [code] if code else [],
            "item": [
                prune(
                    {
                        "linkId": _section_id(index),
                        "text": section.get("title", ""),
                        "type": "group",
                        "item": [_question_item(question) for question in section.get("questions", [])],
                    }
                )
                for index, section in enumerate(version.schema.get("sections", []))
            ],
        }
    )


# --- QuestionnaireResponse ----------------------------------------------------


def _responses() -> QuerySet[FormResponse]:
    return FormResponse.objects.select_related("patient", "version__form").order_by("pk")


def questionnaire_response_rows(organization) -> QuerySet[FormResponse]:
    return _responses().filter(version__form__organization=organization, version__published_at__isnull=False)


def questionnaire_response_rows_for_patient(user) -> QuerySet[FormResponse]:
    return _responses().filter(patient=user, version__published_at__isnull=False)


def _answers(question: dict, value) -> list[dict]:
    kind = question["type"]
    if kind == "multiple_choice":
        return [{"valueString": str(option)} for option in value]
    if kind == "scale":
        return [{"valueInteger": int(value)}]
    if kind == "yes_no":
        return [{"valueBoolean": value == form_schema.YES}]
    if kind == "date":
        return [{"valueDate": str(value)}]
    return [{"valueString": str(value)}]


def _score_extension(score: dict) -> list[dict]:
    if not score:
        return []
    parts = [{"url": "total", "valueInteger": score["total"]}]
    if "max" in score:
        parts.append({"url": "maximum", "valueInteger": score["max"]})
    if score.get("band"):
        parts.append({"url": "band", "valueString": str(score["band"])})
    return [{"url": extension_url("questionnaire-score"), "extension": parts}]


def questionnaire_response_resource(response, *, with_text=False) -> dict:
    """The answers given, grouped like the questionnaire; a scored form
    (PHQ-9, GAD-7) carries its total, maximum and band as an extension."""
    answers = json.loads(response.answers) if response.answers else {}
    sections = []
    for index, section in enumerate(response.version.schema.get("sections", [])):
        items = [
            {"linkId": question["id"], "text": question["label"], "answer": _answers(question, answers[question["id"]])}
            for question in section.get("questions", [])
            if answers.get(question["id"]) not in (None, "", [])
        ]
        if items:
            sections.append({"linkId": _section_id(index), "text": section.get("title", ""), "item": items})
    submitted = response.status == FormResponse.Status.SUBMITTED
    patient = ref("Patient", response.patient.public_id)
    return prune(
        {
            **base("QuestionnaireResponse", response),
            "extension": _score_extension(response.score if submitted else {}),
            "questionnaire": canonical(response.version.public_id),
            "status": "completed" if submitted else "in-progress",
            "subject": patient,
            "authored": instant(response.submitted_at or response.updated_at),
            "author": patient,
            "source": patient,
            "item": [prune(section) for section in sections],
        }
    )
