"""API tokens: hashing, revocation and the organization portal's token pages."""

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.models import AuditLog
from records.models import ApiToken
from records.services import api_token_authenticate, api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(personas):
    return personas["org_admin"]


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def tokens_url(org):
    return reverse("records:org-api-tokens", args=[org.slug])


def revoke_url(token):
    return reverse("records:org-api-token-revoke", args=[token.organization.slug, token.public_id])


# --- Services -----------------------------------------------------------------------


def test_only_the_hash_and_a_short_prefix_of_a_token_are_stored(org, admin):
    token, raw = api_token_create(organization=org, by=admin, name="  Records sync ")
    assert raw.startswith("drp_") and len(raw) > 40
    assert token.name == "Records sync"
    assert token.secret_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert token.prefix == raw[:12]
    assert not any(raw in str(value) for value in ApiToken.objects.filter(pk=token.pk).values().get().values())


def test_a_token_authenticates_until_it_is_revoked(org, admin):
    token, raw = api_token_create(organization=org, by=admin, name="Sync")
    assert api_token_authenticate(raw=raw) == token
    assert api_token_authenticate(raw=raw[:-1] + ("a" if raw[-1] != "a" else "b")) is None
    api_token_revoke(token=token, by=admin)
    assert api_token_authenticate(raw=raw) is None
    token.refresh_from_db()
    assert token.revoked_by == admin and token.revoked_at is not None


def test_revoking_twice_keeps_the_first_revocation(org, admin, personas):
    token, _raw = api_token_create(organization=org, by=admin, name="Sync")
    first = api_token_revoke(token=token, by=admin).revoked_at
    again = api_token_revoke(token=token, by=personas["other_org_admin"])
    assert again.revoked_at == first and again.revoked_by == admin


def test_a_token_needs_a_name(org, admin):
    with pytest.raises(ValidationError):
        api_token_create(organization=org, by=admin, name="   ")
    assert not ApiToken.objects.exists()


# --- Pages --------------------------------------------------------------------------


def test_the_admin_creates_a_token_and_sees_its_secret_once(admin_client, org, other_org, personas):
    api_token_create(organization=other_org, by=personas["other_org_admin"], name="Their sync")
    response = admin_client.post(tokens_url(org), {"name": "Records sync"})
    assert response.status_code == 201
    token = ApiToken.objects.get(organization=org)
    raw = response.context["raw_token"]
    assert token.secret_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw in response.content.decode()
    assert AuditLog.objects.filter(action="write", object_public_id=token.public_id).exists()
    page = admin_client.get(tokens_url(org)).content.decode()
    assert "Records sync" in page and token.prefix in page
    assert raw not in page
    assert "Their sync" not in page


def test_a_token_without_a_name_is_refused(admin_client, org):
    response = admin_client.post(tokens_url(org), {"name": " "})
    assert response.status_code == 422
    assert not ApiToken.objects.exists()


def test_revoking_asks_first_then_stops_the_token(admin_client, org, admin):
    token, raw = api_token_create(organization=org, by=admin, name="Sync")
    confirm = admin_client.get(revoke_url(token))
    assert confirm.status_code == 200
    assert "Revoke “Sync”?" in confirm.content.decode()
    token.refresh_from_db()
    assert token.is_active
    response = admin_client.post(revoke_url(token), follow=True)
    assert response.redirect_chain[-1][0] == tokens_url(org)
    assert api_token_authenticate(raw=raw) is None
    assert AuditLog.objects.filter(action="write", object_public_id=token.public_id).exists()
    again = admin_client.post(revoke_url(token), follow=True)
    assert "was already revoked" in again.content.decode()


def test_another_organizations_token_cannot_be_revoked(admin_client, org, other_org, personas):
    theirs, raw = api_token_create(organization=other_org, by=personas["other_org_admin"], name="Theirs")
    through_own_org = reverse("records:org-api-token-revoke", args=[org.slug, theirs.public_id])
    assert admin_client.post(through_own_org).status_code == 404
    assert admin_client.post(revoke_url(theirs)).status_code == 404
    assert api_token_authenticate(raw=raw) == theirs


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("specialist", 403), ("patient_a", 403), ("affiliate", 403), ("other_org_admin", 404)],
)
def test_only_the_organizations_admins_reach_the_token_pages(client, org, personas, persona, expected):
    token, _raw = api_token_create(organization=org, by=personas["org_admin"], name="Sync")
    client.force_login(personas[persona])
    assert client.get(tokens_url(org)).status_code == expected
    assert client.post(tokens_url(org), {"name": "Mine"}).status_code == expected
    assert client.post(revoke_url(token)).status_code == expected
    assert ApiToken.objects.get().is_active and ApiToken.objects.count() == 1


def test_anonymous_people_are_sent_to_sign_in(client, org):
    response = client.get(tokens_url(org))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
