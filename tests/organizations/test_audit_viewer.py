"""The organization's audit log viewer and its CSV (organizations/audit.py)."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import AuditLog
from organizations import audit
from organizations.models import Membership
from tests.conftest import member

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def admin(org):
    return member(org, Membership.Role.ADMIN, staff=True, full_name="Ada Admin", email="ada@example.test")


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def log(actor, *, action="read", obj=None, days=0, path="/s/patients/", ip="203.0.113.5", agent="Firefox"):
    return AuditLog.objects.create(
        actor=actor,
        action=action,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_public_id=getattr(obj, "public_id", None),
        path=path,
        ip_address=ip,
        user_agent=agent,
        at=NOW - timedelta(days=days),
    )


@pytest.fixture
def world(org, other_org):
    lena = member(org, Membership.Role.SPECIALIST, full_name="Lena Berg", email="lena@example.test")
    alex = member(org, Membership.Role.PATIENT, full_name="Alex Doe")
    former = member(org, Membership.Role.SPECIALIST, full_name="Fred Former")
    Membership.objects.filter(user=former).update(is_active=False)
    both = member(org, Membership.Role.ADMIN, full_name="Bo Both")
    Membership.objects.create(user=both, organization=other_org, role=Membership.Role.ADMIN)
    outsider = member(other_org, Membership.Role.SPECIALIST, full_name="Otto Outsider")
    return {
        "lena": lena,
        "alex": alex,
        "lena_read": log(lena, obj=alex, days=1),
        "lena_wrote": log(lena, action="write", obj=alex, days=5, path="/s/patients/x/note/"),
        "former_denied": log(former, action="denied", days=10, agent="=HYPERLINK(1)"),
        "both_here": log(both, obj=org, path=f"/org/{org.slug}/readiness/", days=2),
        "both_there": log(both, obj=other_org, path=f"/org/{other_org.slug}/readiness/", days=3),
        "outsider": log(outsider, obj=alex, days=1),
        "anonymous": log(None, action="denied", days=1),
    }


def audit_url(org, name="organizations:audit", **query):
    url = reverse(name, args=[org.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def entries(response):
    return [row.entry for row in response.context["rows"]]


def test_the_log_shows_its_members_rows_only_newest_first(admin_client, org, world):
    response = admin_client.get(audit_url(org))
    assert response.status_code == 200
    keys = ["lena_read", "both_here", "lena_wrote", "former_denied"]
    assert entries(response)[-4:] == [world[key] for key in keys]
    shown = set(entries(response))
    for key in ("both_there", "outsider", "anonymous"):
        assert world[key] not in shown
    body = response.content.decode()
    assert "Otto Outsider" not in body
    assert "lena@example.test" in body
    assert "Specialist" in body
    assert "203.0.113.5" in body
    assert response["Cache-Control"].count("no-store") == 1


def test_each_organization_sees_only_its_own(client, org, other_org, world):
    client.force_login(member(other_org, Membership.Role.ADMIN, staff=True))
    response = client.get(audit_url(other_org))
    shown = set(entries(response))
    assert world["outsider"] in shown
    assert world["both_there"] in shown
    for key in ("lena_read", "lena_wrote", "former_denied", "both_here"):
        assert world[key] not in shown
    assert client.get(audit_url(org)).status_code == 404


def test_a_patient_object_links_to_the_patient_page(admin_client, org, world):
    response = admin_client.get(audit_url(org, person="lena"))
    rows = {row.entry: row for row in response.context["rows"]}
    assert rows[world["lena_read"]].url == reverse("care:org-patient", args=[org.slug, world["alex"].public_id])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"person": "lena@"}, ["lena_read", "lena_wrote"]),
        ({"person": "fred"}, ["former_denied"]),
        ({"action": "write"}, ["lena_wrote"]),
        ({"action": "denied"}, ["former_denied"]),
        ({"from": "2026-11-15", "to": "2026-11-19"}, ["lena_read", "both_here", "lena_wrote"]),
    ],
)
def test_filters_narrow_the_log(admin_client, org, world, query, expected):
    response = admin_client.get(audit_url(org, **query))
    assert [entry for entry in entries(response) if entry.path != audit_url(org)] == [world[key] for key in expected]
    assert response.context["filters"].notices == []


def test_the_object_type_filter_offers_the_kinds_in_the_log(admin_client, org, world):
    response = admin_client.get(audit_url(org))
    kinds = {kind.model for kind in response.context["kinds"]}
    assert {"user", "organization"} <= kinds
    user_kind = next(kind for kind in response.context["kinds"] if kind.model == "user")
    narrowed = admin_client.get(audit_url(org, type=user_kind.pk))
    assert set(entries(narrowed)) == {world["lena_read"], world["lena_wrote"]}


@pytest.mark.parametrize(
    "query",
    [{"action": "delete"}, {"type": "999999"}, {"from": "yesterday"}, {"from": "2026-11-19", "to": "2026-11-01"}],
)
def test_unreadable_filters_are_ignored_with_a_notice(admin_client, org, world, query):
    response = admin_client.get(audit_url(org, **query))
    assert response.status_code == 200
    assert response.context["filters"].notices


def test_reading_the_log_is_itself_audited(admin_client, org, admin):
    admin_client.get(audit_url(org))
    assert AuditLog.objects.filter(actor=admin, action="read", object_public_id=org.public_id).exists()


def test_the_csv_has_the_filtered_rows_guarded_and_is_audited_as_an_export(admin_client, org, world, admin):
    response = admin_client.get(audit_url(org, "organizations:audit-csv", action="denied"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="audit-{org.slug}.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:5] == ["at_utc", "name", "email", "roles", "action"]
    assert len(rows) == 2
    assert rows[1][1] == "Fred Former"
    assert rows[1][3] == "Specialist"
    assert rows[1][8] == "'=HYPERLINK(1)"
    assert AuditLog.objects.filter(actor=admin, action="export", object_public_id=org.public_id).exists()


def test_the_csv_is_capped(admin_client, org, world, monkeypatch):
    monkeypatch.setattr(audit, "CSV_ROW_LIMIT", 2)
    rows = list(csv.reader(io.StringIO(admin_client.get(audit_url(org, "organizations:audit-csv")).content.decode())))
    assert len(rows) == 3


def test_the_log_costs_the_same_for_one_row_or_many(admin_client, org, world, django_assert_num_queries):
    admin_client.get(audit_url(org))
    with CaptureQueriesContext(connection) as first:
        admin_client.get(audit_url(org))
    for days in range(6):
        log(member(org, Membership.Role.SPECIALIST), obj=world["alex"], days=days)
        log(member(org, Membership.Role.PATIENT), obj=org, days=days)
    with django_assert_num_queries(len(first)):
        response = admin_client.get(audit_url(org))
    assert len(entries(response)) > 12


def test_the_log_is_paged_by_fifty(admin_client, org, world):
    for days in range(60):
        log(world["lena"], days=days)
    assert len(entries(admin_client.get(audit_url(org)))) == 50


@pytest.mark.parametrize("name", ["organizations:audit", "organizations:audit-csv"])
def test_anonymous_and_other_roles_are_kept_out(client, org, world, name):
    url = audit_url(org, name)
    assert client.get(url)["Location"].startswith(reverse("account_login"))
    client.force_login(world["lena"])
    assert client.get(url).status_code == 403
