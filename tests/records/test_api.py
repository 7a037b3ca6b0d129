"""The read-only FHIR API (records/views_api.py): auth, read, search, paging."""

import uuid
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome

from booking.models import Appointment
from core.models import AuditLog
from records.models import ApiToken
from records.services import api_token_create, api_token_revoke
from tests.booking.factories import AppointmentFactory
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(personas):
    return personas["org_admin"]


@pytest.fixture
def raw_token(org, admin):
    return api_token_create(organization=org, by=admin, name="Records sync")[1]


@pytest.fixture
def offering(org):
    return OfferingFactory(specialist=SpecialistProfileFactory(organization=org))


def book(offering, days: int, **fields) -> Appointment:
    start = (timezone.now() + timedelta(days=days)).replace(hour=10, minute=0, second=0, microsecond=0)
    return AppointmentFactory(offering=offering, starts_at=start, **fields)


def api(client, path: str, token: str | None, **params):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(f"/fhir/R4/{path}", params, headers=headers)


def issue(response) -> dict:
    body = response.json()
    OperationOutcome.model_validate(body)
    return body["issue"][0]


# --- Authentication -----------------------------------------------------------------


def test_the_capability_statement_needs_no_token_and_is_valid_fhir(client):
    response = client.get(reverse("fhir:metadata"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    statement = response.json()
    CapabilityStatement.model_validate(statement)
    types = {resource["type"]: resource for resource in statement["rest"][0]["resource"]}
    assert {"Patient", "Practitioner", "Appointment"} <= set(types)
    assert {"name": "date", "type": "date"} in types["Appointment"]["searchParam"]
    assert {"name": "_lastUpdated", "type": "date"} in types["Patient"]["searchParam"]


def test_a_request_without_a_token_gets_401_with_a_bearer_challenge(client, offering):
    appointment = book(offering, 3)
    response = api(client, f"Patient/{appointment.patient.public_id}", None)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="fhir"'
    assert issue(response)["code"] == "login"
    assert appointment.patient.email not in response.content.decode()


@pytest.mark.parametrize(
    "header", ["Bearer drp_" + "x" * 43, "Bearer not-even-a-token", "Basic dXNlcjpwYXNz", "Bearer"]
)
def test_a_forged_or_malformed_token_gets_401_and_leaks_nothing(client, offering, header):
    appointment = book(offering, 3)
    response = client.get(f"/fhir/R4/Patient/{appointment.patient.public_id}", headers={"Authorization": header})
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith('Bearer realm="fhir"')
    assert appointment.patient.email not in response.content.decode()


def test_a_revoked_token_gets_the_same_401_as_a_forged_one(client, org, admin, offering, raw_token):
    appointment = book(offering, 3)
    api_token_revoke(token=ApiToken.objects.get(), by=admin)
    revoked = api(client, f"Patient/{appointment.patient.public_id}", raw_token)
    forged = api(client, f"Patient/{appointment.patient.public_id}", "drp_" + "y" * 43)
    assert revoked.status_code == forged.status_code == 401
    assert revoked.content == forged.content
    assert revoked["WWW-Authenticate"] == forged["WWW-Authenticate"] == 'Bearer realm="fhir", error="invalid_token"'
    assert AuditLog.objects.filter(action=AuditLog.Action.DENIED, path__startswith="/fhir/R4/").count() == 2


def test_a_signed_in_session_is_not_a_token(client, personas, offering):
    appointment = book(offering, 3)
    client.force_login(personas["org_admin"])
    response = api(client, f"Patient/{appointment.patient.public_id}", None)
    assert response.status_code == 401


def test_the_api_is_read_only(client, raw_token):
    response = client.post("/fhir/R4/Patient", {}, headers={"Authorization": f"Bearer {raw_token}"})
    assert response.status_code == 405
    assert issue(response)["code"] == "not-supported"


def test_many_wrong_tokens_from_one_address_are_throttled(client):
    statuses = [api(client, "Patient", f"drp_{n:043d}").status_code for n in range(22)]
    assert statuses[:20] == [401] * 20
    assert statuses[-1] == 429


# --- Read ----------------------------------------------------------------------------


def test_a_token_reads_its_organizations_patient_and_the_read_is_audited(client, offering, raw_token):
    appointment = book(offering, 3)
    before = AuditLog.objects.count()
    response = api(client, f"Patient/{appointment.patient.public_id}", raw_token)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    assert body["resourceType"] == "Patient"
    assert body["id"] == str(appointment.patient.public_id)
    rows = list(AuditLog.objects.order_by("id")[before:])
    assert [(row.action, row.actor, row.object_public_id) for row in rows] == [
        ("read", None, ApiToken.objects.get().public_id),
        ("read", None, appointment.patient.public_id),
    ]
    assert {row.path for row in rows} == {f"/fhir/R4/Patient/{appointment.patient.public_id}"}
    assert ApiToken.objects.get().last_used_at is not None


def test_another_organizations_record_is_not_found(client, other_org, raw_token):
    theirs = book(OfferingFactory(specialist=SpecialistProfileFactory(organization=other_org)), 3)
    for path in (f"Patient/{theirs.patient.public_id}", f"Appointment/{theirs.public_id}"):
        response = api(client, path, raw_token)
        assert response.status_code == 404
        assert issue(response)["code"] == "not-found"
        assert theirs.patient.email not in response.content.decode()


@pytest.mark.parametrize(
    "path", ["Patient/not-a-uuid", f"Patient/{uuid.uuid4()}", f"Unicorn/{uuid.uuid4()}", "Unicorn"]
)
def test_unknown_types_and_ids_are_not_found(client, raw_token, path):
    response = api(client, path, raw_token)
    assert response.status_code == 404
    assert issue(response)["code"] == "not-found"


# --- Search and paging -------------------------------------------------------------------


def test_appointments_are_searched_by_date_range(client, offering, raw_token):
    soon, later, much_later = book(offering, 2), book(offering, 10), book(offering, 30)
    start = (timezone.now() + timedelta(days=5)).date().isoformat()
    end = (timezone.now() + timedelta(days=20)).date().isoformat()
    response = client.get(
        f"/fhir/R4/Appointment?date=ge{start}&date=lt{end}", headers={"Authorization": f"Bearer {raw_token}"}
    )
    assert response.status_code == 200
    bundle = response.json()
    Bundle.model_validate(bundle)
    assert bundle["type"] == "searchset"
    assert bundle["total"] == 1
    assert [entry["resource"]["id"] for entry in bundle["entry"]] == [str(later.public_id)]
    assert bundle["entry"][0]["fullUrl"] == f"http://testserver/fhir/R4/Appointment/{later.public_id}"
    assert soon and much_later


def test_a_day_means_the_whole_day(client, offering, raw_token):
    appointment = book(offering, 4)
    response = api(client, "Appointment", raw_token, date=appointment.starts_at.date().isoformat())
    assert [entry["resource"]["id"] for entry in response.json()["entry"]] == [str(appointment.public_id)]


def test_last_updated_finds_what_changed_since(client, offering, raw_token):
    old, recent = book(offering, 2), book(offering, 3)
    Appointment.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=40))
    since = (timezone.now() - timedelta(days=1)).date().isoformat()
    response = api(client, "Appointment", raw_token, _lastUpdated=f"ge{since}")
    assert response.json()["total"] == 1
    assert response.json()["entry"][0]["resource"]["id"] == str(recent.public_id)


def test_an_empty_search_is_a_valid_bundle_without_entries(client, raw_token):
    response = api(client, "Appointment", raw_token)
    bundle = response.json()
    Bundle.model_validate(bundle)
    assert bundle["total"] == 0
    assert "entry" not in bundle


def test_results_come_in_pages_with_next_links(client, offering, raw_token):
    booked = [book(offering, day) for day in range(1, 6)]
    first = api(client, "Appointment", raw_token, _count="2").json()
    assert first["total"] == 5
    assert len(first["entry"]) == 2
    links = {link["relation"]: link["url"] for link in first["link"]}
    assert set(links) == {"self", "next"}
    seen = [entry["resource"]["id"] for entry in first["entry"]]
    url = links["next"]
    while url:
        parts = urlsplit(url)
        page = client.get(
            parts.path,
            {k: v[0] for k, v in parse_qs(parts.query).items()},
            headers={"Authorization": f"Bearer {raw_token}"},
        ).json()
        seen += [entry["resource"]["id"] for entry in page["entry"]]
        url = {link["relation"]: link["url"] for link in page["link"]}.get("next")
    assert sorted(seen) == sorted(str(appointment.public_id) for appointment in booked)
    assert len(page["entry"]) == 1 and "previous" in {link["relation"] for link in page["link"]}


def test_a_page_is_read_with_a_constant_number_of_queries(client, offering, raw_token, django_assert_max_num_queries):
    for day in range(1, 4):
        book(offering, day)
    api(client, "Appointment", raw_token)  # warm the content type cache
    with django_assert_max_num_queries(8) as few:
        api(client, "Appointment", raw_token)
    for day in range(4, 14):
        book(offering, day)
    with django_assert_max_num_queries(len(few.captured_queries)):
        api(client, "Appointment", raw_token)


def test_count_is_capped_at_200(client, offering, raw_token):
    book(offering, 2)
    bundle = api(client, "Appointment", raw_token, _count="5000").json()
    self_link = next(link["url"] for link in bundle["link"] if link["relation"] == "self")
    assert parse_qs(urlsplit(self_link).query)["_count"] == ["200"]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("Appointment", {"name": "Smith"}),
        ("Appointment", {"date:missing": "true"}),
        ("Patient", {"date": "ge2026-01-01"}),
        ("Appointment", {"date": "tomorrow"}),
        ("Appointment", {"date": "xx2026-01-01"}),
        ("Appointment", {"date": "2026-02-30"}),
        ("Appointment", {"date": "ge2026-01-01,lt2026-02-01"}),
        ("Appointment", {"_count": "0"}),
        ("Appointment", {"_count": "ten"}),
        ("Appointment", {"_page": "-1"}),
        ("Appointment", {"_format": "xml"}),
    ],
)
def test_unknown_parameters_and_bad_values_get_400(client, raw_token, path, params):
    response = api(client, path, raw_token, **params)
    assert response.status_code == 400
    assert issue(response)["code"] == "invalid"
