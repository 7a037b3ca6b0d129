import pytest
from allauth.socialaccount.models import SocialApp
from django.core import mail
from django.core.exceptions import ValidationError

from core.models import JourneyEvent
from organizations import selectors, services
from organizations.models import Membership, TermsAcceptance
from tests.accounts.factories import UserFactory
from tests.conftest import member

pytestmark = pytest.mark.django_db


def test_publishing_numbers_versions_per_document(org):
    first = services.terms_publish(organization=org, kind="terms", title="Terms", body="One")
    services.terms_publish(organization=org, kind="privacy", title="Privacy", body="P")
    second = services.terms_publish(organization=org, kind="terms", title="Terms", body="Two")
    assert (first.version, second.version) == (1, 2)
    first.refresh_from_db()
    assert first.body == "One"  # the old version is untouched
    assert [d.version for d in selectors.terms_current_for_organization(organization=org)] == [2, 1]


def test_publishing_without_text_is_refused(org):
    with pytest.raises(ValidationError):
        services.terms_publish(organization=org, kind="terms", title="Terms", body="   ")


def test_a_new_version_is_pending_until_accepted(org):
    user = member(org, Membership.Role.PATIENT)
    old = services.terms_publish(organization=org, kind="terms", title="Terms", body="One")
    services.terms_accept(user=user, documents=[old], ip_address="192.0.2.1", user_agent="ua")
    assert selectors.terms_pending_for_user(user=user) == []
    new = services.terms_publish(organization=org, kind="terms", title="Terms", body="Two")
    assert selectors.terms_pending_for_user(user=user) == [new]


def test_accepting_twice_records_once(org):
    user = member(org, Membership.Role.PATIENT)
    document = services.terms_publish(organization=org, kind="terms", title="Terms", body="One")
    services.terms_accept(user=user, documents=[document], ip_address=None, user_agent="")
    services.terms_accept(user=user, documents=[document], ip_address=None, user_agent="")
    assert TermsAcceptance.objects.filter(user=user).count() == 1


def test_granting_a_role_is_idempotent_and_revoking_reactivates_cleanly(org):
    user = UserFactory()
    first = services.membership_grant(organization=org, user=user, role=Membership.Role.SPECIALIST)
    again = services.membership_grant(organization=org, user=user, role=Membership.Role.SPECIALIST)
    assert first.pk == again.pk
    services.membership_revoke(membership=first, by=None)
    restored = services.membership_grant(organization=org, user=user, role=Membership.Role.SPECIALIST)
    assert restored.pk == first.pk and restored.is_active
    verbs = list(JourneyEvent.objects.filter(object_public_id=first.public_id).values_list("verb", flat=True))
    assert sorted(verbs) == ["membership.granted", "membership.granted", "membership.revoked"]


def test_the_last_admin_cannot_be_removed(org):
    admin = member(org, Membership.Role.ADMIN)
    membership = Membership.objects.get(user=admin)
    with pytest.raises(ValidationError, match="at least one admin"):
        services.membership_revoke(membership=membership, by=admin)
    membership.refresh_from_db()
    assert membership.is_active


def test_inviting_a_new_email_creates_a_passwordless_account(org, django_capture_on_commit_callbacks):
    admin = member(org, Membership.Role.ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        membership = services.member_invite(
            organization=org,
            email="New.Person@Example.test",
            role=Membership.Role.SPECIALIST,
            by=admin,
            sign_in_url="http://testserver/accounts/login/code/",
        )
    assert membership.user.email == "new.person@example.test"
    assert not membership.user.has_usable_password()
    assert len(mail.outbox) == 1
    assert "http://testserver/accounts/login/code/" in mail.outbox[0].body


def test_configuring_sso_creates_one_oidc_app_per_organization(org):
    admin = member(org, Membership.Role.ADMIN)
    services.organization_configure_sso(
        organization=org,
        by=admin,
        issuer_url="https://id.example.test/realms/staff/",
        client_id="abc",
        client_secret="s3cret",
    )
    services.organization_configure_sso(
        organization=org,
        by=admin,
        issuer_url="https://id.example.test/realms/staff",
        client_id="abc2",
        client_secret="",
    )
    app = SocialApp.objects.get()
    assert (app.provider, app.provider_id, app.client_id, app.secret) == (
        "openid_connect",
        f"org-{org.slug}",
        "abc2",
        "s3cret",
    )
    assert app.settings == {"server_url": "https://id.example.test/realms/staff"}
    services.organization_remove_sso(organization=org, by=admin)
    assert not SocialApp.objects.exists()


def test_a_new_sso_user_becomes_a_patient_of_that_organization(org, other_org, rf):
    from allauth.socialaccount.models import SocialAccount, SocialLogin

    from organizations.adapter import SocialAccountAdapter

    admin = member(other_org, Membership.Role.ADMIN)
    services.organization_configure_sso(
        organization=other_org, by=admin, issuer_url="https://id.example.test", client_id="c", client_secret="s"
    )
    user = UserFactory.build(email="sso@example.test")
    sociallogin = SocialLogin(user=user, account=SocialAccount(provider=f"org-{other_org.slug}", uid="42"))
    request = rf.get("/")
    request.session = {}
    SocialAccountAdapter().save_user(request, sociallogin)
    assert Membership.objects.get(user__email="sso@example.test").organization == other_org


def test_portal_accesses_list_each_administered_organization(org, other_org):
    user = member(org, Membership.Role.ADMIN)
    services.membership_grant(organization=other_org, user=user, role=Membership.Role.ADMIN)
    labels = [access.label for access in selectors.portal_accesses_for_user(user)]
    assert labels == sorted([org.name, other_org.name])
