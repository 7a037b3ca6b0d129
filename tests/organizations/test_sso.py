"""Single sign-on end to end, with the identity provider's HTTP answers faked."""

from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse

from accounts.models import User
from organizations import services
from organizations.adapter import SocialAccountAdapter
from organizations.models import Membership
from tests.conftest import member

pytestmark = pytest.mark.django_db

ISSUER = "https://id.example.test/realms/staff"
DISCOVERY = {
    "issuer": ISSUER,
    "authorization_endpoint": f"{ISSUER}/authorize",
    "token_endpoint": f"{ISSUER}/token",
    "userinfo_endpoint": f"{ISSUER}/userinfo",
    "token_endpoint_auth_methods_supported": ["client_secret_post"],
}


class FakeResponse:
    def __init__(self, data):
        self.data = data
        self.status_code = 200
        self.text = ""
        self.headers = {"content-type": "application/json"}

    def json(self):
        return self.data

    def raise_for_status(self):
        return None


class FakeIdentityProvider:
    """Answers discovery, token and userinfo requests like a real OIDC provider."""

    def __init__(self, userinfo):
        self.userinfo = userinfo
        self.requests = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def get(self, url, **kwargs):
        self.requests.append(("GET", url))
        if url.endswith("/.well-known/openid-configuration"):
            return FakeResponse(DISCOVERY)
        assert url == DISCOVERY["userinfo_endpoint"]
        assert kwargs["headers"]["Authorization"] == "Bearer access-token"
        return FakeResponse(self.userinfo)

    def post(self, url, **kwargs):
        self.requests.append(("POST", url))
        assert url == DISCOVERY["token_endpoint"]
        assert kwargs["data"]["code"] == "auth-code"
        assert kwargs["data"]["code_verifier"]  # PKCE
        return FakeResponse({"access_token": "access-token", "token_type": "Bearer", "expires_in": 300})

    def request(self, method, url, **kwargs):
        return self.get(url, **kwargs) if method.upper() == "GET" else self.post(url, **kwargs)


@pytest.fixture
def identity_provider(monkeypatch, other_org):
    admin = member(other_org, Membership.Role.ADMIN)
    services.organization_configure_sso(
        organization=other_org, by=admin, issuer_url=ISSUER, client_id="daraport", client_secret="s3cret"
    )
    services.terms_publish(organization=other_org, kind="terms", title="Terms", body="Other clinic terms.")
    provider = FakeIdentityProvider(
        {"sub": "staff-42", "email": "kim@other.example.test", "email_verified": True, "name": "Kim Park"}
    )
    monkeypatch.setattr(SocialAccountAdapter, "get_requests_session", lambda self: provider)
    return provider


def test_the_sign_in_page_offers_the_organizations_identity_provider(client, identity_provider, other_org):
    html = client.get(reverse("account_login")).content.decode()
    assert f"Continue with {other_org.name}" in html


def test_a_new_person_signs_in_through_their_organizations_provider(client, identity_provider, other_org):
    login_url = reverse("openid_connect_login", kwargs={"provider_id": f"org-{other_org.slug}"})
    redirect = client.post(login_url, {"process": "login"})
    assert redirect.status_code == 302
    authorize = urlparse(redirect["Location"])
    assert f"{authorize.scheme}://{authorize.netloc}{authorize.path}" == DISCOVERY["authorization_endpoint"]
    query = parse_qs(authorize.query)
    assert query["client_id"] == ["daraport"]
    assert query["code_challenge_method"] == ["S256"]

    callback = reverse("openid_connect_callback", kwargs={"provider_id": f"org-{other_org.slug}"})
    response = client.get(callback, {"code": "auth-code", "state": query["state"][0]})

    user = User.objects.get(email="kim@other.example.test")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert Membership.objects.get(user=user).organization == other_org
    # The organization's terms come first: every page leads to them.
    assert client.get(reverse("core:patient-home"))["Location"].split("?")[0] == reverse("organizations:terms-accept")
    assert response.status_code == 302


def test_a_forged_state_signs_nobody_in(client, identity_provider, other_org):
    login_url = reverse("openid_connect_login", kwargs={"provider_id": f"org-{other_org.slug}"})
    client.post(login_url, {"process": "login"})
    callback = reverse("openid_connect_callback", kwargs={"provider_id": f"org-{other_org.slug}"})
    client.get(callback, {"code": "auth-code", "state": "forged"})
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(email="kim@other.example.test").exists()
