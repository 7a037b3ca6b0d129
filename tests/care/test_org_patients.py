"""The organization's patients list and patient page (care/organization.py,
care/views/organization.py)."""

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from care.models import NoteAccessGrant
from core.models import AuditLog
from organizations.models import Membership
from tests.booking.factories import AppointmentFactory
from tests.care.factories import CareRelationshipFactory
from tests.conftest import member
from tests.consents.factories_patient import (
    CareContextFactory,
    ConsentSignatureFactory,
    FormResponseFactory,
    published_document,
    published_form,
)
from tests.organizations.factories import ProgramFactory
from tests.payments.factories import PaymentFactory
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
SECRET_ANSWER = "my private answer about sleep"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def admin(org):
    return member(org, Membership.Role.ADMIN, staff=True)


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


@pytest.fixture
def lena(org):
    return SpecialistProfileFactory(organization=org, display_name="Lena Berg")


@pytest.fixture
def omar(org):
    return SpecialistProfileFactory(organization=org, display_name="Omar Said")


def session(patient, specialist, days, status="confirmed"):
    offering = OfferingFactory(specialist=specialist, name="Talk session")
    traits = {} if status == "requested" else {status: True}
    appointment = AppointmentFactory(patient=patient, offering=offering, starts_at=NOW + timedelta(days=days), **traits)
    CareContextFactory(patient=patient, offering=offering)
    return appointment


@pytest.fixture
def world(org, other_org, lena, omar):
    """Alex (Students, with Lena) is blocked by the telehealth consent; Bea
    signed it and is ready; Cem has nothing booked; Dan was deactivated."""
    alex = member(org, Membership.Role.PATIENT, full_name="Alex Doe", email="alex@example.test")
    bea = member(org, Membership.Role.PATIENT, full_name="Bea Roe", email="bea@example.test")
    cem = member(org, Membership.Role.PATIENT, full_name="Cem Poe", email="cem@example.test")
    dan = member(org, Membership.Role.PATIENT, full_name="Dan Loe", email="dan@example.test")
    Membership.objects.filter(user=dan).update(is_active=False)
    telehealth = published_document(organization=org, title="Telehealth consent")
    ConsentSignatureFactory(patient=bea, version=telehealth)
    program = ProgramFactory(organization=org, name="Students")
    program.enrolments.create(patient=alex, via="code")
    CareRelationshipFactory(patient=alex, specialist=lena, program=program)
    CareRelationshipFactory(patient=bea, specialist=omar)
    stranger = member(other_org, Membership.Role.PATIENT, full_name="Eve Elsewhere")
    return {
        "alex": alex,
        "bea": bea,
        "cem": cem,
        "dan": dan,
        "program": program,
        "telehealth": telehealth,
        "stranger": stranger,
        "alex_past": session(alex, lena, -10, status="completed"),
        "alex_next": session(alex, lena, 2),
        "bea_next": session(bea, omar, 3),
        "stranger_next": session(stranger, SpecialistProfileFactory(organization=other_org), 2),
    }


def list_url(org, **query):
    url = reverse("care:org-patients", args=[org.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def patient_url(org, patient, name="care:org-patient"):
    return reverse(name, args=[org.slug, patient.public_id])


def names(response):
    return [row.patient.full_name for row in response.context["rows"]]


# --- The list --------------------------------------------------------------------------


def test_the_list_shows_the_organizations_active_patients_with_their_care(admin_client, org, world):
    response = admin_client.get(list_url(org))
    assert response.status_code == 200
    assert sorted(names(response)) == ["Alex Doe", "Bea Roe", "Cem Poe"]
    rows = {row.patient.full_name: row for row in response.context["rows"]}
    alex = rows["Alex Doe"]
    assert [program.name for program in alex.programs] == ["Students"]
    assert [profile.display_name for profile in alex.specialists] == ["Lena Berg"]
    assert alex.last_session_at == world["alex_past"].starts_at
    assert alex.next_session == world["alex_next"]
    assert [item.title for item in alex.next_session.readiness.blockers] == ["Telehealth consent"]
    assert rows["Bea Roe"].next_session.readiness.is_ready
    assert rows["Cem Poe"].next_session is None
    body = response.content.decode()
    assert "Missing: Telehealth consent" in body
    assert "Eve Elsewhere" not in body
    assert response["Cache-Control"].count("no-store") == 1


def test_the_list_is_audited_as_a_read(admin_client, org, world, admin):
    admin_client.get(list_url(org))
    assert AuditLog.objects.filter(actor=admin, action=AuditLog.Action.READ, object_public_id=org.public_id).exists()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "alex"}, ["Alex Doe"]),
        ({"q": "bea@example"}, ["Bea Roe"]),
        ({"program": "PROGRAM"}, ["Alex Doe"]),
        ({"specialist": "OMAR"}, ["Bea Roe"]),
        ({"status": "deactivated"}, ["Dan Loe"]),
        ({"status": "all", "q": "oe"}, ["Alex Doe", "Bea Roe", "Cem Poe", "Dan Loe"]),
        ({"readiness": "blocked"}, ["Alex Doe"]),
        ({"readiness": "ready"}, ["Bea Roe"]),
        ({"readiness": "none"}, ["Cem Poe"]),
    ],
)
def test_search_and_filters_narrow_the_list(admin_client, org, world, omar, query, expected):
    values = {"PROGRAM": str(world["program"].public_id), "OMAR": str(omar.public_id)}
    query = {key: values.get(value, value) for key, value in query.items()}
    response = admin_client.get(list_url(org, **query))
    assert sorted(names(response)) == expected
    assert response.context["filters"].notices == []


def test_joined_dates_narrow_the_list_in_the_admins_time_zone(admin_client, org, world, admin):
    admin.timezone = "America/New_York"
    admin.save()
    late = member(org, Membership.Role.PATIENT, full_name="Fay Later")
    # 03:00 UTC on the 22nd is still the evening of the 21st in New York.
    Membership.objects.filter(user=late).update(created_at=datetime(2026, 11, 22, 3, tzinfo=UTC))
    response = admin_client.get(list_url(org, joined_from="2026-11-21", joined_to="2026-11-21"))
    assert names(response) == ["Fay Later"]
    response = admin_client.get(list_url(org, joined_to="2026-11-20"))
    assert sorted(names(response)) == ["Alex Doe", "Bea Roe", "Cem Poe"]
    response = admin_client.get(list_url(org, joined_from="2026-11-22"))
    assert names(response) == []


@pytest.mark.parametrize(
    "query",
    [
        {"joined_from": "2026-13-45"},
        {"joined_to": "99999-01-01"},
        {"program": "not-a-uuid"},
        {"specialist": "00000000-0000-0000-0000-000000000000"},
        {"status": "everyone"},
        {"readiness": "soon"},
        {"joined_from": "2026-11-10", "joined_to": "2026-11-01"},
    ],
)
def test_unreadable_filters_are_ignored_with_a_notice(admin_client, org, world, query):
    response = admin_client.get(list_url(org, **query))
    assert response.status_code == 200
    assert response.context["filters"].notices
    assert len(names(response)) == 3


def test_another_organizations_program_is_not_a_filter(admin_client, org, other_org, world):
    theirs = ProgramFactory(organization=other_org)
    response = admin_client.get(list_url(org, program=theirs.public_id))
    assert response.context["filters"].notices
    assert len(names(response)) == 3


def test_the_list_is_paged_by_fifty(admin_client, org):
    for _ in range(51):
        member(org, Membership.Role.PATIENT)
    first = admin_client.get(list_url(org))
    assert len(first.context["rows"]) == 50
    second = admin_client.get(list_url(org, page=2))
    assert len(second.context["rows"]) == 1


@pytest.mark.parametrize("query", [{}, {"readiness": "blocked"}])
def test_the_list_costs_the_same_for_one_patient_or_many(
    admin_client, org, lena, omar, query, django_assert_num_queries
):
    published_document(organization=org, title="Telehealth consent")
    program = ProgramFactory(organization=org)

    def patient():
        person = member(org, Membership.Role.PATIENT)
        program.enrolments.create(patient=person, via="code")
        CareRelationshipFactory(patient=person, specialist=lena)
        session(person, lena, -5, status="completed")
        session(person, lena, 1 + len(names_seen))
        names_seen.append(person)

    names_seen = []
    patient()
    admin_client.get(list_url(org, **query))
    with CaptureQueriesContext(connection) as one:
        admin_client.get(list_url(org, **query))
    for _ in range(6):
        patient()
    CareRelationshipFactory(patient=names_seen[-1], specialist=omar)
    with django_assert_num_queries(len(one)):
        response = admin_client.get(list_url(org, **query))
    assert len(response.context["rows"]) == 7


# --- One patient -------------------------------------------------------------------------


@pytest.fixture
def alex_file(org, world, lena):
    alex = world["alex"]
    intake = published_form(organization=org, title="Sleep diary")
    FormResponseFactory(
        patient=alex,
        version=intake,
        specialist=lena,
        status="submitted",
        submitted_at=NOW - timedelta(days=3),
        answers=SECRET_ANSWER,
        score={"total": 4321},
    )
    theirs = published_document(organization=world["stranger_next"].specialist.organization, title="Their consent")
    ConsentSignatureFactory(patient=alex, version=theirs)
    ConsentSignatureFactory(
        patient=alex, version=world["telehealth"], withdrawn_at=NOW - timedelta(days=1), signed_at=NOW - timedelta(9)
    )
    PaymentFactory(appointment=world["alex_past"], amount_minor=9000)
    return alex


def test_the_patient_page_shows_what_the_organization_may_see(admin_client, org, alex_file, admin):
    response = admin_client.get(patient_url(org, alex_file))
    assert response.status_code == 200
    body = response.content.decode()
    for fact in ("alex@example.test", "Students", "Lena Berg", "Talk session", "Telehealth consent", "version 1"):
        assert fact in body
    assert "withdrawn" in body
    assert "Sleep diary" in body
    assert "90.00" in body
    assert SECRET_ANSWER not in body
    assert "4321" not in body.split("Forms completed")[1].split("Payments")[0]
    assert "Their consent" not in body
    assert "FHIR" in body
    assert reverse("care:org-notes", args=[org.slug]) not in body  # no grant, no way to the notes
    assert AuditLog.objects.filter(
        actor=admin, action=AuditLog.Action.READ, object_public_id=alex_file.public_id
    ).exists()
    assert response["Cache-Control"].count("no-store") == 1


def test_an_admin_with_a_note_grant_gets_a_link_to_the_notes(admin_client, org, alex_file, admin):
    membership = Membership.objects.get(user=admin, organization=org, role=Membership.Role.ADMIN)
    NoteAccessGrant.objects.create(membership=membership, granted_by=admin)
    response = admin_client.get(patient_url(org, alex_file))
    assert reverse("care:org-notes", args=[org.slug]) in response.content.decode()


@pytest.mark.parametrize("who", ["stranger", "specialist", "nobody"])
def test_someone_who_is_not_the_organizations_patient_is_a_404(admin_client, org, world, lena, who):
    person = {"stranger": world["stranger"], "specialist": lena.user}.get(who)
    public_id = person.public_id if person else "00000000-0000-0000-0000-000000000000"
    for name in ("care:org-patient", "care:org-patient-export", "care:org-patient-deactivate"):
        assert admin_client.get(reverse(name, args=[org.slug, public_id])).status_code == 404


def test_another_organizations_admin_gets_404(client, org, other_org, world):
    client.force_login(member(other_org, Membership.Role.ADMIN, staff=True))
    assert client.get(list_url(org)).status_code == 404
    assert client.get(patient_url(org, world["alex"])).status_code == 404
    # Nor can they reach this organization's patient through their own organization.
    assert client.get(patient_url(other_org, world["alex"])).status_code == 404


@pytest.mark.parametrize("name", ["care:org-patient", "care:org-patient-export", "care:org-patient-deactivate"])
def test_anonymous_is_sent_to_sign_in_and_a_patient_is_refused(client, org, world, name):
    url = patient_url(org, world["alex"], name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    client.force_login(world["bea"])
    assert client.get(url).status_code == 403


# --- The export ------------------------------------------------------------------------


def test_the_export_is_a_json_file_of_the_same_facts_audited_as_an_export(admin_client, org, alex_file, admin):
    response = admin_client.get(patient_url(org, alex_file, "care:org-patient-export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == f'attachment; filename="patient-{alex_file.public_id}.json"'
    data = json.loads(response.content)
    assert data["patient"]["email"] == "alex@example.test"
    assert [program["name"] for program in data["programs"]] == ["Students"]
    assert {session["status"] for session in data["sessions"]} == {"completed", "confirmed"}
    assert [(c["title"], c["version"]) for c in data["consents"]] == [("Telehealth consent", 1)]
    assert data["consents"][0]["withdrawn_at"]
    assert [form["title"] for form in data["forms"]] == ["Sleep diary"]
    assert len(data["payments"]) == 1
    assert SECRET_ANSWER not in response.content.decode()
    assert "score" not in response.content.decode()
    assert AuditLog.objects.filter(
        actor=admin, action=AuditLog.Action.EXPORT, object_public_id=alex_file.public_id
    ).exists()


def test_the_patient_page_costs_the_same_for_a_short_or_long_history(
    admin_client, org, world, lena, omar, django_assert_num_queries
):
    alex = world["alex"]
    PaymentFactory(appointment=world["alex_past"])
    admin_client.get(patient_url(org, alex))
    with CaptureQueriesContext(connection) as short:
        admin_client.get(patient_url(org, alex))
    for days in range(1, 7):
        PaymentFactory(appointment=session(alex, omar if days % 2 else lena, -days - 20, status="completed"))
        ConsentSignatureFactory(patient=alex, version=published_document(organization=org))
        FormResponseFactory(
            patient=alex,
            version=published_form(organization=org),
            specialist=lena,
            status="submitted",
            submitted_at=NOW,
        )
    CareRelationshipFactory(patient=alex, specialist=omar)
    with django_assert_num_queries(len(short)):
        response = admin_client.get(patient_url(org, alex))
    assert len(response.context["file"].sessions) == 8
