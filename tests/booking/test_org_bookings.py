"""The organization's bookings list (booking.selectors.appointment_list_for_organization,
booking/views/organization.py)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from booking.selectors import agreed, appointment_list_for_organization
from booking.services.scheduling import appointment_hold_release
from core.models import AuditLog
from organizations.models import Membership
from tests.booking.factories import AppointmentFactory
from tests.conftest import member
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


def session(patient, specialist, days, *, booked_days=-30, **traits):
    appointment = AppointmentFactory(
        patient=patient, offering=OfferingFactory(specialist=specialist), starts_at=NOW + timedelta(days=days), **traits
    )
    type(appointment).objects.filter(pk=appointment.pk).update(created_at=NOW + timedelta(days=booked_days))
    return appointment


@pytest.fixture
def world(org, other_org, lena, omar):
    alex = member(org, Membership.Role.PATIENT, full_name="Alex Doe")
    bea = member(org, Membership.Role.PATIENT, full_name="Bea Roe")
    program = ProgramFactory(organization=org, name="Students")
    program.enrolments.create(patient=bea, via="code")
    return {
        "alex": alex,
        "program": program,
        "confirmed": session(alex, lena, 2, confirmed=True, booked_days=-1),
        "late": session(alex, lena, -1, cancelled=True, is_late_cancellation=True),
        "cancelled": session(bea, omar, -3, cancelled=True),
        "completed": session(bea, omar, -8, completed=True, booked_days=-20),
        "no_show": session(alex, omar, -15, no_show=True),
        "theirs": session(
            member(other_org, Membership.Role.PATIENT, full_name="Eve Elsewhere"),
            SpecialistProfileFactory(organization=other_org),
            1,
            confirmed=True,
        ),
    }


def bookings_url(org, **query):
    url = reverse("booking:org-bookings", args=[org.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def shown(response):
    return list(response.context["page"].object_list)


def test_the_list_has_every_appointment_of_the_organizations_specialists_newest_first(admin_client, org, world):
    response = admin_client.get(bookings_url(org))
    assert response.status_code == 200
    keys = ["confirmed", "late", "cancelled", "completed", "no_show"]
    assert shown(response) == [world[key] for key in keys]
    body = response.content.decode()
    assert "Eve Elsewhere" not in body
    # The same status words as the other portals, and each row leads to the patient.
    for label in ("Confirmed", "Cancelled", "Completed", "No-show", "Late"):
        assert label in body
    assert reverse("care:org-patient", args=[org.slug, world["alex"].public_id]) in body
    assert response["Cache-Control"].count("no-store") == 1


def test_the_list_is_audited_as_a_read(admin_client, org, world, admin):
    admin_client.get(bookings_url(org))
    assert AuditLog.objects.filter(actor=admin, action=AuditLog.Action.READ, object_public_id=org.public_id).exists()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "cancelled"}, ["late", "cancelled"]),
        ({"status": "no_show"}, ["no_show"]),
        ({"late": "1"}, ["late"]),
        ({"late": "0", "status": "cancelled"}, ["late", "cancelled"]),
        ({"program": "PROGRAM"}, ["cancelled", "completed"]),
        ({"specialist": "LENA"}, ["confirmed", "late"]),
        ({"from": "2026-11-17", "to": "2026-11-19"}, ["late", "cancelled"]),
        ({"from": "2026-11-20"}, ["confirmed"]),
        ({"booked_from": "2026-11-19"}, ["confirmed"]),
        ({"booked_from": "2026-10-31", "booked_to": "2026-10-31"}, ["completed"]),
    ],
)
def test_filters_narrow_the_list(admin_client, org, world, lena, query, expected):
    values = {"PROGRAM": str(world["program"].public_id), "LENA": str(lena.public_id)}
    query = {key: values.get(value, value) for key, value in query.items()}
    response = admin_client.get(bookings_url(org, **query))
    assert shown(response) == [world[key] for key in expected]
    assert response.context["notices"] == []


@pytest.mark.parametrize(
    "query",
    [
        {"status": "lost"},
        {"late": "yes"},
        {"from": "20-11-2026"},
        {"booked_to": "9999-12-31"},
        {"program": "nope"},
        {"specialist": "00000000-0000-0000-0000-000000000000"},
    ],
)
def test_unreadable_filters_are_ignored_with_a_notice(admin_client, org, world, query):
    response = admin_client.get(bookings_url(org, **query))
    assert response.status_code == 200
    assert response.context["notices"]
    assert len(shown(response)) == 5


def test_an_end_before_the_start_is_ignored_with_a_notice(admin_client, org, world):
    response = admin_client.get(bookings_url(org, **{"from": "2026-11-20", "to": "2026-11-01"}))
    assert response.context["notices"]
    assert shown(response) == [world["confirmed"]]


def test_another_organizations_specialist_is_not_a_filter(admin_client, org, world):
    response = admin_client.get(bookings_url(org, specialist=world["theirs"].specialist.public_id))
    assert response.context["notices"]
    assert world["theirs"] not in shown(response)


def test_the_selector_keeps_to_the_organization(org, other_org, world):
    assert world["theirs"] not in appointment_list_for_organization(org)
    assert list(appointment_list_for_organization(other_org)) == [world["theirs"]]


def test_the_list_is_paged_by_fifty(admin_client, org, lena):
    patient = member(org, Membership.Role.PATIENT)
    for day in range(51):
        session(patient, lena, -day - 1, completed=True)
    assert len(shown(admin_client.get(bookings_url(org)))) == 50
    assert len(shown(admin_client.get(bookings_url(org, page=2)))) == 1


def test_the_list_costs_the_same_for_one_appointment_or_many(admin_client, org, lena, omar, django_assert_num_queries):
    session(member(org, Membership.Role.PATIENT), lena, 1, confirmed=True)
    admin_client.get(bookings_url(org))
    with CaptureQueriesContext(connection) as one:
        admin_client.get(bookings_url(org))
    for day in range(8):
        session(member(org, Membership.Role.PATIENT), omar if day % 2 else lena, -day - 1, completed=True)
    with django_assert_num_queries(len(one)):
        response = admin_client.get(bookings_url(org))
    assert len(shown(response)) == 9


def test_another_organizations_admin_gets_404_and_others_are_kept_out(client, org, other_org, world):
    url = bookings_url(org)
    assert client.get(url)["Location"].startswith(reverse("account_login"))
    client.force_login(world["alex"])
    assert client.get(url).status_code == 403
    client.force_login(member(other_org, Membership.Role.ADMIN, staff=True))
    assert client.get(url).status_code == 404


def test_booked_means_agreed_a_hold_let_go_or_a_request_still_open_was_never_booked(org, lena):
    patient = member(org, Membership.Role.PATIENT)
    let_go = session(patient, lena, 4, held=True, booked_days=0)
    appointment_hold_release(appointment=let_go, by=patient)
    session(patient, lena, 5, booked_days=0)  # a request nobody answered yet
    booked = session(patient, lena, 6, confirmed=True, booked_days=0)

    assert list(agreed(appointment_list_for_organization(organization=org))) == [booked]
