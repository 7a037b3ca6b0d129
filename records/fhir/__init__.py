"""Our records as FHIR R4 resources (JSON dicts), for the organization's
bulk export and API and for a patient's own download.

`TYPES` lists every resource type in export order (referenced types before
the types that refer to them). Each `FhirType` knows the rows an
organization holds and how one row becomes a resource. A resource's id is
its row's `public_id`, so references agree across types and exports.
Message text appears only in a patient's own export (`patient_resources`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from django.db.models import QuerySet

from . import billing, communication, forms, people, scheduling

# Rows fetched per query when streaming; prefetches run once per chunk.
CHUNK_SIZE = 500


@dataclass(frozen=True)
class FhirType:
    name: str
    # The rows an organization's export and API hold, in a stable order.
    rows: Callable
    # to_resource(row, *, with_text=False) -> dict
    to_resource: Callable[..., dict]
    # ORM path searched by _lastUpdated; None: not searchable.
    last_updated: str | None
    # Extra FHIR search parameter → ORM path of `rows`.
    searches: Mapping[str, str] = field(default_factory=dict)
    # The rows about one patient (their own export); None: not in it.
    patient_rows: Callable | None = None


TYPES: dict[str, FhirType] = {
    fhir_type.name: fhir_type
    for fhir_type in (
        FhirType(
            "Organization",
            people.organization_rows,
            people.organization_resource,
            "updated_at",
            patient_rows=people.organization_rows_for_patient,
        ),
        FhirType(
            "Practitioner",
            people.practitioner_rows,
            people.practitioner_resource,
            "updated_at",
            patient_rows=people.practitioner_rows_for_patient,
        ),
        FhirType("PractitionerRole", people.practitioner_rows, people.practitioner_role_resource, "updated_at"),
        FhirType(
            "Patient",
            people.patient_rows,
            people.patient_resource,
            "updated_at",
            patient_rows=people.patient_rows_for_patient,
        ),
        FhirType("Schedule", scheduling.schedule_rows, scheduling.schedule_resource, "updated_at"),
        FhirType("Slot", scheduling.slot_rows, scheduling.slot_resource, None),
        FhirType(
            "Appointment",
            scheduling.appointment_rows,
            scheduling.appointment_resource,
            "updated_at",
            {"date": "starts_at"},
            patient_rows=scheduling.appointment_rows_for_patient,
        ),
        FhirType(
            "Encounter",
            scheduling.encounter_rows,
            scheduling.encounter_resource,
            "updated_at",
            {"date": "started_at"},
            patient_rows=scheduling.encounter_rows_for_patient,
        ),
        FhirType(
            "Consent",
            forms.consent_rows,
            forms.consent_resource,
            "updated_at",
            {"date": "signed_at"},
            patient_rows=forms.consent_rows_for_patient,
        ),
        FhirType(
            "Questionnaire",
            forms.questionnaire_rows,
            forms.questionnaire_resource,
            "updated_at",
            patient_rows=forms.questionnaire_rows_for_patient,
        ),
        FhirType(
            "QuestionnaireResponse",
            forms.questionnaire_response_rows,
            forms.questionnaire_response_resource,
            "updated_at",
            {"authored": "submitted_at"},
            patient_rows=forms.questionnaire_response_rows_for_patient,
        ),
        FhirType(
            "Communication",
            communication.communication_rows,
            communication.communication_resource,
            "updated_at",
            {"sent": "created_at"},
            patient_rows=communication.communication_rows_for_patient,
        ),
        FhirType(
            "Invoice",
            billing.invoice_rows,
            billing.invoice_resource,
            "updated_at",
            patient_rows=billing.invoice_rows_for_patient,
        ),
        FhirType(
            "PaymentReconciliation",
            billing.reconciliation_rows,
            billing.reconciliation_resource,
            "updated_at",
            patient_rows=billing.reconciliation_rows_for_patient,
        ),
    )
}


def ndjson_line(resource: dict) -> str:
    """One resource as a line of an NDJSON file (Bulk Data's format)."""
    return json.dumps(resource, ensure_ascii=False, separators=(",", ":")) + "\n"


def _stream(rows) -> Iterator:
    return rows.iterator(chunk_size=CHUNK_SIZE) if isinstance(rows, QuerySet) else iter(rows)


def organization_resources(organization, type_name: str) -> Iterator[dict]:
    """Every resource of one type the organization holds, streamed chunk by
    chunk (a constant number of queries per chunk). Never message text."""
    fhir_type = TYPES[type_name]
    for row in _stream(fhir_type.rows(organization)):
        yield fhir_type.to_resource(row)


def patient_resources(user) -> Iterator[dict]:
    """Every resource about one patient across organizations, with what
    only they may take away (their messages' text)."""
    for fhir_type in TYPES.values():
        if fhir_type.patient_rows is None:
            continue
        for row in _stream(fhir_type.patient_rows(user)):
            yield fhir_type.to_resource(row, with_text=True)
