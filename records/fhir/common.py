"""Small builders the FHIR mappers share: ids, references, instants, money.

Every resource's id is its row's `public_id`, so a reference such as
"Patient/<uuid>" means the same thing in an export, the API and a patient's
own download.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from core.money import Money

# Our own extensions live under one fixed namespace, the same in every
# deployment, so exports from two installations read alike.
EXTENSION_BASE = "https://daraport.org/fhir/StructureDefinition/"
BCP47 = "urn:ietf:bcp:47"


def extension_url(name: str) -> str:
    return f"{EXTENSION_BASE}{name}"


def instant(value: datetime | None) -> str | None:
    """An aware datetime as a FHIR instant/dateTime, always in UTC."""
    return value.astimezone(UTC).isoformat() if value else None


def day(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    return (value.astimezone(UTC).date() if isinstance(value, datetime) else value).isoformat()


def ref(resource_type: str, public_id) -> dict:
    return {"reference": f"{resource_type}/{public_id}"}


def canonical(public_id) -> str:
    """The canonical URL of a resource that others point at by canonical
    (a Questionnaire): stable and deployment-independent."""
    return f"urn:uuid:{public_id}"


def base(resource_type: str, row, *, last_updated: datetime | None = None) -> dict:
    return {
        "resourceType": resource_type,
        "id": str(row.public_id),
        "meta": {"lastUpdated": instant(last_updated or row.updated_at)},
    }


def money(amount_minor: int, currency: str) -> dict:
    """FHIR Money: a decimal in major units, exact for the currency's exponent."""
    value = Money(amount_minor, currency).decimal
    return {"value": int(value) if value == value.to_integral_value() else float(value), "currency": currency}


def language(code: str, text: str = "") -> dict:
    concept = {"coding": [{"system": BCP47, "code": code}]}
    if text:
        concept["text"] = text
    return concept


def email_telecom(email: str) -> list[dict]:
    return [{"system": "email", "value": email}] if email else []


def prune(resource: dict) -> dict:
    """Drop keys whose value is empty: FHIR forbids empty elements."""
    return {key: value for key, value in resource.items() if value not in (None, "", [], {})}
