"""The organization's readiness board and its CSV (booking/views/organization.py)."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import AuditLog
from organizations.models import Membership
from tests.booking.factories import AppointmentFactory
from tests.conftest import member
from tests.consents.factories_patient import (
    CareContextFactory,
    ConsentSignatureFactory,
    published_document,
    published_form,
)
from tests.organizations.factories import ProgramFactory
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


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
    offering = OfferingFactory(specialist=specialist)
    traits = {} if status == "requested" else {status: True}
    appointment = AppointmentFactory(patient=patient, offering=offering, starts_at=NOW + timedelta(days=days), **traits)
    if status == "confirmed":
        CareContextFactory(patient=patient, offering=offering)
    return appointment


@pytest.fixture
def world(org, other_org, lena, omar):
    """Alex is blocked by the telehealth consent; Bea signed it (ready)."""
    alex = member(org, Membership.Role.PATIENT, full_name="Alex Doe", email="alex@example.test")
    bea = member(org, Membership.Role.PATIENT, full_name="=Bea Formula", email="bea@example.test")
    telehealth = published_document(organization=org, title="Telehealth consent")
    ConsentSignatureFactory(patient=bea, version=telehealth)
    published_document(organization=other_org, title="Not ours")
    program = ProgramFactory(organization=org, name="Students")
    program.enrolments.create(patient=bea, via="code")
    return {
        "alex": alex,
        "bea": bea,
        "program": program,
        "alex_soon": session(alex, lena, 2),
        "bea_soon": session(bea, omar, 3, status="awaiting_payment"),
        "alex_later": session(alex, lena, 20),
        "requested": session(bea, lena, 4, status="requested"),
        "elsewhere": session(
            member(other_org, Membership.Role.PATIENT), SpecialistProfileFactory(organization=other_org), 2
        ),
    }


def board_url(org, **query):
    url = reverse("booking:org-readiness", args=[org.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_the_board_lists_the_next_14_days_with_what_blocks_each(admin_client, org, world):
    response = admin_client.get(board_url(org))
    assert response.status_code == 200
    rows = response.context["board"].rows
    assert [row.appointment for row in rows] == [world["alex_soon"], world["bea_soon"]]
    assert [item.title for item in rows[0].blockers] == ["Telehealth consent"]
    assert rows[1].is_ready
    html = response.content.decode()
    assert "Alex Doe" in html and "Telehealth consent" in html and "Ready" in html
    assert "Not ours" not in html
    assert AuditLog.objects.filter(actor=response.wsgi_request.user, action=AuditLog.Action.READ).exists()


def test_the_summary_counts_completed_and_pending_patients(admin_client, org, world):
    summary = admin_client.get(board_url(org)).context["board"].summary
    assert [(row.title, row.completed, row.pending) for row in summary] == [("Telehealth consent", 1, 1)]


def test_the_board_shows_who_has_completed_what(admin_client, org, world):
    response = admin_client.get(board_url(org))
    patients = response.context["board"].patients
    assert [(row.patient.display_name, row.cells) for row in patients] == [
        ("=Bea Formula", [True]),
        ("Alex Doe", [False]),
    ]
    html = response.content.decode()
    assert "Who has completed what" in html


def test_filters_by_program_specialist_and_dates(admin_client, org, world, lena):
    by_program = admin_client.get(board_url(org, program=world["program"].public_id)).context["board"]
    assert [row.appointment for row in by_program.rows] == [world["bea_soon"]]
    assert [(row.completed, row.pending) for row in by_program.summary] == [(1, 0)]
    by_specialist = admin_client.get(board_url(org, specialist=lena.public_id)).context["board"]
    assert [row.appointment for row in by_specialist.rows] == [world["alex_soon"]]
    later = admin_client.get(board_url(org, **{"from": "2026-12-01", "to": "2026-12-31"})).context["board"]
    assert [row.appointment for row in later.rows] == [world["alex_later"]]


@pytest.mark.parametrize(
    "query",
    [
        {"from": "tomorrow"},
        {"to": "2026-13-01"},
        {"program": "nope"},
        {"specialist": "6f1c1a52-8c1e-4a34-9a2b-0d3e0a1b2c3d"},
    ],
)
def test_unreadable_filters_are_ignored_with_a_notice(admin_client, org, world, query):
    response = admin_client.get(board_url(org, **query))
    assert response.status_code == 200
    assert response.context["filters"].notices
    assert "We ignored" in response.content.decode()
    assert len(response.context["board"].rows) == 2  # the default view


def test_another_organizations_program_is_ignored(admin_client, org, other_org, world):
    elsewhere = ProgramFactory(organization=other_org)
    response = admin_client.get(board_url(org, program=elsewhere.public_id))
    assert response.context["filters"].program is None
    assert response.context["filters"].notices


def test_another_organizations_admin_gets_404(client, org, other_org, world):
    client.force_login(member(other_org, Membership.Role.ADMIN, staff=True))
    assert client.get(board_url(org)).status_code == 404
    assert client.get(reverse("booking:org-readiness-csv", args=[org.slug])).status_code == 404


def test_the_csv_has_the_same_rows_and_is_audited_as_an_export(admin_client, org, world, admin):
    response = admin_client.get(reverse("booking:org-readiness-csv", args=[org.slug]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == f'attachment; filename="readiness-{org.slug}.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["patient", "email", "specialist", "starts_at_utc", "status", "ready", "blocking"]
    assert rows[1] == [
        "Alex Doe",
        "alex@example.test",
        "Lena Berg",
        "2026-11-22T12:00:00+00:00",
        "confirmed",
        "no",
        "Telehealth consent",
    ]
    assert rows[2][0] == "'=Bea Formula"  # never a spreadsheet formula
    assert rows[2][4:] == ["awaiting_payment", "yes", ""]
    assert len(rows) == 3
    assert AuditLog.objects.filter(
        actor=admin, action=AuditLog.Action.EXPORT, content_type__isnull=True, path__endswith="readiness.csv"
    ).exists()


def test_the_csv_follows_the_filters(admin_client, org, world, lena):
    url = reverse("booking:org-readiness-csv", args=[org.slug]) + f"?specialist={lena.public_id}"
    rows = list(csv.reader(io.StringIO(admin_client.get(url).content.decode())))
    assert [row[0] for row in rows[1:]] == ["Alex Doe"]


def test_the_board_costs_the_same_for_more_sessions_and_patients(
    admin_client, org, world, lena, django_assert_num_queries
):
    published_form(organization=org, title="Goals")
    admin_client.get(board_url(org))
    with CaptureQueriesContext(connection) as first:
        admin_client.get(board_url(org))
    for days in (1, 5, 9):
        session(member(org, Membership.Role.PATIENT), lena, days)
    published_form(organization=org, title="Intake")
    with django_assert_num_queries(len(first)):
        response = admin_client.get(board_url(org))
    assert len(response.context["board"].rows) == 5
