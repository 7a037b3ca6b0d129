"""Organization access to clinical notes: an admin grants and revokes read
access to named admins; granted admins read the notes, read only; everyone
else gets 404. Grants, revocations and reads are audited."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from care.models import NoteAccessGrant
from care.notes import note_access_grant, note_access_revoke, note_draft_save, note_sign
from core.models import AuditLog, JourneyEvent
from organizations.models import Membership
from tests.accounts.factories import enable_totp
from tests.booking.factories import AppointmentFactory
from tests.care import record_fixtures
from tests.care.factories import CareRelationshipFactory
from tests.care.record_fixtures import session
from tests.conftest import member

pytestmark = pytest.mark.django_db

# The shared fixtures (tests/care/record_fixtures.py).
profile = record_fixtures.profile

SECRET = "Only for the treating specialist and granted readers"


@pytest.fixture
def reader(org):
    """A second admin of `org`, who will be given access."""
    return member(org, Membership.Role.ADMIN, staff=True, full_name="Reader Admin")


@pytest.fixture
def note(personas, profile):
    patient = personas["patient_a"]
    CareRelationshipFactory(patient=patient, specialist=profile)
    appointment = session(profile, patient, days=-2, status="completed")
    draft = note_draft_save(appointment=appointment, by=profile.user, template="free", sections={"body": SECRET})
    return note_sign(note=draft, by=profile.user)


def _membership(user, org):
    return Membership.objects.get(user=user, organization=org, role=Membership.Role.ADMIN)


def _access_url(org):
    return reverse("care:org-clinical-access", args=[org.slug])


def _grant(client, admin, org, target, action="grant"):
    client.force_login(admin)
    return client.post(_access_url(org), {"membership": _membership(target, org).public_id, "action": action})


def test_an_admin_grants_access_and_it_is_audited_and_recorded(client, org, personas, reader):
    response = _grant(client, personas["org_admin"], org, reader)
    assert response.status_code == 302
    membership = _membership(reader, org)
    grant = NoteAccessGrant.objects.get(membership=membership)
    assert grant.granted_by == personas["org_admin"]
    assert AuditLog.objects.filter(action="write", object_public_id=membership.public_id).count() == 1
    assert JourneyEvent.objects.filter(verb="note_access.granted", object_public_id=membership.public_id).exists()
    page = client.get(_access_url(org)).content.decode()
    assert "since" in page and "Revoke access" in page


def test_a_granted_admin_reads_the_list_and_a_note_read_only_and_each_read_is_audited(
    client, org, personas, reader, note
):
    _grant(client, personas["org_admin"], org, reader)
    client.force_login(reader)
    listing = client.get(reverse("care:org-notes", args=[org.slug]))
    assert listing.status_code == 200
    assert personas["patient_a"].display_name in listing.content.decode()
    assert SECRET not in listing.content.decode()
    page = client.get(reverse("care:org-note", args=[org.slug, note.public_id]))
    body = page.content.decode()
    assert page.status_code == 200 and SECRET in body
    assert "<textarea" not in body and "Add amendment" not in body
    assert AuditLog.objects.filter(actor=reader, action="read", object_public_id=note.public_id).count() == 1
    assert AuditLog.objects.filter(actor=reader, action="read", object_public_id=org.public_id).count() == 1


def test_without_a_grant_admins_get_404_and_a_denial_row(client, org, personas, note):
    admin = personas["org_admin"]
    client.force_login(admin)
    assert client.get(reverse("care:org-notes", args=[org.slug])).status_code == 404
    assert client.get(reverse("care:org-note", args=[org.slug, note.public_id])).status_code == 404
    assert AuditLog.objects.filter(actor=admin, action="denied").count() == 2
    assert client.get(_access_url(org)).status_code == 200  # the access page itself is every admin's


def test_revoking_closes_the_notes_again(client, org, personas, reader, note):
    _grant(client, personas["org_admin"], org, reader)
    response = _grant(client, personas["org_admin"], org, reader, action="revoke")
    assert response.status_code == 302 and not NoteAccessGrant.objects.exists()
    assert JourneyEvent.objects.filter(verb="note_access.revoked").count() == 1
    assert AuditLog.objects.filter(action="write", object_public_id=_membership(reader, org).public_id).count() == 2
    client.force_login(reader)
    assert client.get(reverse("care:org-note", args=[org.slug, note.public_id])).status_code == 404


@pytest.mark.parametrize("target", ["patient_a", "specialist", "other_org_admin"])
def test_only_admins_of_the_organization_can_be_granted(client, org, personas, target):
    membership = Membership.objects.filter(user=personas[target]).first()
    client.force_login(personas["org_admin"])
    response = client.post(_access_url(org), {"membership": membership.public_id, "action": "grant"})
    assert response.status_code == 422 and "Choose one of the organization" in response.content.decode()
    assert not NoteAccessGrant.objects.exists()


@pytest.mark.parametrize("data", [{"membership": "not-a-uuid", "action": "grant"}, {"action": "grant"}, {}])
def test_malformed_posts_are_refused(client, org, personas, reader, data):
    client.force_login(personas["org_admin"])
    assert client.post(_access_url(org), data).status_code == 422
    assert not NoteAccessGrant.objects.exists()


def test_the_services_refuse_non_admins_and_non_admin_memberships(org, personas, reader):
    with pytest.raises(PermissionDenied):
        note_access_grant(membership=_membership(reader, org), by=personas["specialist"])
    patient_membership = Membership.objects.get(user=personas["patient_a"])
    with pytest.raises(ValidationError):
        note_access_grant(membership=patient_membership, by=personas["org_admin"])
    note_access_revoke(membership=_membership(reader, org), by=personas["org_admin"])  # nothing to revoke
    assert not NoteAccessGrant.objects.exists() and not JourneyEvent.objects.exists()


def test_another_organizations_admin_gets_404(client, org, personas, note):
    client.force_login(personas["other_org_admin"])
    for url in (
        _access_url(org),
        reverse("care:org-notes", args=[org.slug]),
        reverse("care:org-note", args=[org.slug, note.public_id]),
    ):
        assert client.get(url).status_code == 404


def test_a_granted_reader_cannot_open_another_organizations_note(client, org, personas, reader, other_org):
    _grant(client, personas["org_admin"], org, reader)
    elsewhere = AppointmentFactory(status="completed", starts_at=timezone.now() - timedelta(days=1))
    CareRelationshipFactory(patient=elsewhere.patient, specialist=elsewhere.specialist)
    enable_totp(elsewhere.specialist.user)
    foreign = note_draft_save(
        appointment=elsewhere, by=elsewhere.specialist.user, template="free", sections={"body": "x"}
    )
    client.force_login(reader)
    assert client.get(reverse("care:org-note", args=[org.slug, foreign.public_id])).status_code == 404


@pytest.mark.parametrize("persona, status", [("specialist", 403), ("patient_a", 403)])
def test_other_roles_get_the_portals_403(client, org, personas, persona, status):
    client.force_login(personas[persona])
    assert client.get(reverse("care:org-notes", args=[org.slug])).status_code == status


def test_the_list_filters_by_specialist_patient_and_dates(client, org, personas, reader, note, profile):
    _grant(client, personas["org_admin"], org, reader)
    client.force_login(reader)
    url = reverse("care:org-notes", args=[org.slug])
    name = personas["patient_a"].display_name
    assert name in client.get(url, {"specialist": profile.public_id}).content.decode()
    assert name not in client.get(url, {"patient": "nobody-by-this-name"}).content.decode()
    today = timezone.localdate()
    assert name in client.get(url, {"start_on": today - timedelta(days=3), "end_on": today}).content.decode()
    assert name not in client.get(url, {"start_on": today + timedelta(days=1)}).content.decode()
    refused = client.get(url, {"start_on": today, "end_on": today - timedelta(days=1)})
    assert refused.status_code == 422 and "The end comes before the start." in refused.content.decode()
