"""Deactivating a patient of the organization (care.organization.patient_deactivate
and its confirmation page)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from allauth.usersessions.models import UserSession
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse

from booking.models import AppointmentEvent
from care.organization import patient_deactivate
from core import events
from core.models import AuditLog, JourneyEvent
from organizations.models import Membership
from tests.booking.factories import AppointmentFactory
from tests.conftest import member
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
def patient(org):
    return member(org, Membership.Role.PATIENT, full_name="Alex Doe")


@pytest.fixture
def offering(org):
    return OfferingFactory(specialist=SpecialistProfileFactory(organization=org))


def appointment(patient, offering, days, **traits):
    return AppointmentFactory(patient=patient, offering=offering, starts_at=NOW + timedelta(days=days), **traits)


def membership_of(patient, org):
    return Membership.objects.get(user=patient, organization=org, role=Membership.Role.PATIENT)


def url(org, patient):
    return reverse("care:org-patient-deactivate", args=[org.slug, patient.public_id])


def test_deactivation_cancels_coming_sessions_and_closes_a_single_membership_account(
    org, admin, patient, offering, django_capture_on_commit_callbacks
):
    confirmed = appointment(patient, offering, 2, confirmed=True)
    requested = appointment(patient, offering, 3)
    proposed = appointment(patient, offering, 4, proposed=True)
    past = appointment(patient, offering, -2, completed=True)
    cancelled_before = appointment(patient, offering, 5, cancelled=True)
    told = []

    def listener(sender, appointment_id, **kwargs):
        told.append(appointment_id)

    events.appointment_cancelled.connect(listener, dispatch_uid="test.deactivate")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            membership = patient_deactivate(membership=membership_of(patient, org), by=admin)
    finally:
        events.appointment_cancelled.disconnect(dispatch_uid="test.deactivate")
    assert membership.is_active is False
    for item in (confirmed, requested, proposed):
        item.refresh_from_db()
        assert item.status == "cancelled"
        assert item.cancelled_by == admin
        assert item.is_late_cancellation is False
        assert item.cancellation_reason
    assert sorted(told) == sorted([confirmed.pk, requested.pk, proposed.pk])
    assert AppointmentEvent.objects.filter(appointment=confirmed, to_status="cancelled", actor=admin).exists()
    past.refresh_from_db()
    cancelled_before.refresh_from_db()
    assert past.status == "completed"
    assert cancelled_before.cancelled_by == patient
    patient.refresh_from_db()
    assert patient.is_active is False
    journey = JourneyEvent.objects.get(verb="patient.deactivated")
    assert journey.actor == admin
    assert journey.data == {"sessions_cancelled": 3, "account_closed": True}
    assert AuditLog.objects.filter(actor=admin, action=AuditLog.Action.WRITE, object_public_id=membership.public_id)


def test_sessions_with_another_organizations_specialists_are_left_alone(org, other_org, admin, patient):
    member_elsewhere = Membership.objects.create(user=patient, organization=other_org, role=Membership.Role.PATIENT)
    theirs = appointment(patient, OfferingFactory(specialist=SpecialistProfileFactory(organization=other_org)), 2)
    patient_deactivate(membership=membership_of(patient, org), by=admin)
    theirs.refresh_from_db()
    assert theirs.status == "requested"
    patient.refresh_from_db()
    assert patient.is_active is True  # still a patient of the other organization
    member_elsewhere.refresh_from_db()
    assert member_elsewhere.is_active is True
    assert JourneyEvent.objects.get(verb="patient.deactivated").data["account_closed"] is False


def test_deactivating_twice_is_refused_and_changes_nothing(org, admin, patient):
    membership = patient_deactivate(membership=membership_of(patient, org), by=admin)
    with pytest.raises(ValidationError, match="already deactivated"):
        patient_deactivate(membership=membership, by=admin)
    assert JourneyEvent.objects.filter(verb="patient.deactivated").count() == 1


def test_the_closed_account_is_signed_out(client, org, admin, patient):
    client.force_login(patient)
    UserSession.objects.create(
        user=patient, session_key=client.session.session_key, ip="203.0.113.9", user_agent="test"
    )
    assert client.get(reverse("core:patient-home")).status_code == 200
    patient_deactivate(membership=membership_of(patient, org), by=admin)
    response = client.get(reverse("core:patient-home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not UserSession.objects.filter(user=patient).exists()


def test_the_page_asks_for_confirmation_first(admin_client, org, patient, offering):
    coming = appointment(patient, offering, 2, confirmed=True)
    response = admin_client.get(url(org, patient))
    assert response.status_code == 200
    assert "Deactivate Alex Doe?" in response.content.decode()
    coming.refresh_from_db()
    assert coming.status == "confirmed"
    assert membership_of(patient, org).is_active


def test_posting_deactivates_and_returns_to_the_patient_page_with_a_message(admin_client, org, patient, offering):
    coming = appointment(patient, offering, 2, confirmed=True)
    response = admin_client.post(url(org, patient))
    assert response.status_code == 302
    assert response["Location"] == reverse("care:org-patient", args=[org.slug, patient.public_id])
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Alex Doe was deactivated."]
    coming.refresh_from_db()
    assert coming.status == "cancelled"
    assert not membership_of(patient, org).is_active
    page = admin_client.get(response["Location"])
    assert "Deactivated" in page.content.decode()


def test_posting_again_says_so_and_changes_nothing(admin_client, org, patient):
    admin_client.post(url(org, patient))
    response = admin_client.post(url(org, patient))
    assert [str(m) for m in get_messages(response.wsgi_request)][-1] == "This patient was already deactivated."
    assert JourneyEvent.objects.filter(verb="patient.deactivated").count() == 1


def test_another_organizations_admin_cannot_deactivate(client, org, other_org, patient):
    client.force_login(member(other_org, Membership.Role.ADMIN, staff=True))
    assert client.post(url(org, patient)).status_code == 404
    assert client.post(url(other_org, patient)).status_code == 404
    assert membership_of(patient, org).is_active


def test_anonymous_posting_is_sent_to_sign_in(client, org, patient):
    response = client.post(url(org, patient))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert membership_of(patient, org).is_active
