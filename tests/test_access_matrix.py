"""The access matrix: every URL pattern of the project, for every persona.

SECURITY.md asks for one table, walked by a test, that says what each of the
people in the `personas` fixture gets from a GET of each route. Adding a route
without adding it here fails `test_every_route_of_the_project_is_in_the_matrix`.

A cell is a status code or a `Redirect` (a 3xx whose Location path is the
named page). Route kwargs and redirect targets name entries of the `samples`
fixture, so the table stays free of database ids.
"""

import importlib
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount, SocialToken
from allauth.usersessions.models import UserSession
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.urls import URLResolver, get_resolver

from organizations import services
from organizations.models import Membership, Organization, TermsAcceptance
from tests.access import (
    ADMIN_INDEX,
    HOME,
    LOGIN,
    NEEDS_REAUTHENTICATION,
    ORG_PORTAL,
    PERSONAS,
    PLATFORM_STAFF_ONLY,
    PUBLIC,
    REAUTHENTICATE,
    SCOPED_TO_ORGANIZATION,
    SIGNED_IN,
    SIGNED_OUT_ONLY,
    STAFF,
    Redirect,
    Route,
    admin_model,
    admin_page,
    portal_home,
    row,
)
from tests.organizations.factories import ProgramFactory, TermsDocumentFactory

pytestmark = pytest.mark.django_db


def legacy_social(old: str, to: str) -> dict[str, Route]:
    """allauth keeps /accounts/social/… as permanent redirects to /accounts/3rdparty/…."""
    pattern = f"accounts/social/{old}"
    return {pattern: Route(row(Redirect(to, status=301)), path=f"/{pattern}")}


MATRIX: dict[str, Route] = {
    # --- core ---------------------------------------------------------------
    "core:landing": Route(PUBLIC),
    "core:healthz": Route(PUBLIC),
    "core:home": Route(
        row(
            None,
            anonymous=LOGIN,
            patient_a=Redirect("core:patient-home"),
            patient_b=Redirect("core:patient-home"),
            specialist=Redirect("core:specialist-home"),
            other_specialist=Redirect("core:specialist-home"),
            org_admin=Redirect("organizations:home", (("org_slug", "org_slug"),)),
            other_org_admin=Redirect("organizations:home", (("org_slug", "other_org_slug"),)),
            affiliate=Redirect("affiliates:home"),
        )
    ),
    # Staff with a second factor are sent on; others may read why it is needed.
    "core:mfa-required": Route(row(200, anonymous=LOGIN, **dict.fromkeys(STAFF, HOME))),
    "core:patient-home": Route(portal_home("patient_a", "patient_b"), private=True),
    "core:specialist-home": Route(portal_home("specialist", "other_specialist"), private=True),
    "affiliates:home": Route(portal_home("affiliate"), private=True),
    # --- organization portal and terms ----------------------------------------
    # An admin of one organization goes straight to it (several: a chooser).
    "organizations:chooser": Route(
        row(
            403,
            anonymous=LOGIN,
            org_admin=Redirect("organizations:home", (("org_slug", "org_slug"),)),
            other_org_admin=Redirect("organizations:home", (("org_slug", "other_org_slug"),)),
        )
    ),
    "organizations:home": Route(ORG_PORTAL, {"org_slug": "org_slug"}, private=True),
    "organizations:brand": Route(ORG_PORTAL, {"org_slug": "org_slug"}, private=True),
    "organizations:terms": Route(ORG_PORTAL, {"org_slug": "org_slug"}, private=True),
    "organizations:members": Route(ORG_PORTAL, {"org_slug": "org_slug"}, private=True),
    "organizations:sso": Route(ORG_PORTAL, {"org_slug": "org_slug"}, private=True),
    "organizations:retention": Route(ORG_PORTAL, {"org_slug": "org_slug"}, private=True),
    "organizations:programs": Route(ORG_PORTAL, {"org_slug": "org_slug"}, private=True),
    "organizations:program": Route(
        ORG_PORTAL, {"org_slug": "org_slug", "public_id": "program_public_id"}, private=True
    ),
    "organizations:member-revoke": Route(row(405), {"org_slug": "org_slug", "public_id": "membership_public_id"}),
    "organizations:terms-accept": Route(row(HOME, anonymous=LOGIN)),  # nothing pending: carry on
    "organizations:terms-document": Route(PUBLIC, {"public_id": "terms_public_id"}),
    # --- accounts (ours) --------------------------------------------------------
    "accounts:settings": Route(SIGNED_IN, private=True),
    "accounts:sign-out-everywhere": Route(row(405, anonymous=LOGIN)),
    "accounts:magic-link": Route(row(400), {"token": "bad_token"}),
    "accounts:language": Route(row(405)),  # the switcher's POST, for everyone
    # allauth's "confirm your email address" page, served by accounts (same address).
    "accounts:confirm-email": Route(row(Redirect("account_email"), anonymous=LOGIN)),
    # --- allauth: account -------------------------------------------------------
    "account_login": Route(SIGNED_OUT_ONLY),
    "account_logout": Route(row(200, anonymous=Redirect("core:landing"))),
    "account_inactive": Route(PUBLIC),
    "account_signup": Route(SIGNED_OUT_ONLY),
    "account_reauthenticate": Route(SIGNED_IN),
    "account_email": Route(SIGNED_IN),
    "account_email_verification_sent": Route(row(Redirect("account_email"), anonymous=LOGIN)),
    "account_change_password": Route(SIGNED_IN),
    "account_set_password": Route(row(Redirect("account_change_password"), anonymous=LOGIN)),
    "account_reset_password": Route(PUBLIC),
    "account_reset_password_done": Route(PUBLIC),
    "account_reset_password_from_key": Route(PUBLIC, {"uidb36": "bad_uidb36", "key": "bad_token"}),  # "bad link" page
    "account_reset_password_from_key_done": Route(PUBLIC),
    "account_request_login_code": Route(SIGNED_OUT_ONLY),
    "account_confirm_login_code": Route(row(HOME, anonymous=Redirect("account_request_login_code"))),
    # --- allauth: second factor ---------------------------------------------------
    "mfa_index": Route(SIGNED_IN),
    "mfa_authenticate": Route(row(HOME, anonymous=LOGIN)),  # no sign-in in progress
    "mfa_reauthenticate": Route(row(REAUTHENTICATE, anonymous=LOGIN, **dict.fromkeys(STAFF, 200))),
    "mfa_activate_totp": Route(NEEDS_REAUTHENTICATION),
    "mfa_deactivate_totp": Route(row(404, anonymous=LOGIN, **dict.fromkeys(STAFF, REAUTHENTICATE))),
    "mfa_view_recovery_codes": Route(row(404, anonymous=LOGIN)),
    "mfa_generate_recovery_codes": Route(NEEDS_REAUTHENTICATION),
    "mfa_download_recovery_codes": Route(row(404, anonymous=LOGIN)),
    "mfa_list_webauthn": Route(SIGNED_IN),
    "mfa_add_webauthn": Route(NEEDS_REAUTHENTICATION),
    "mfa_reauthenticate_webauthn": Route(NEEDS_REAUTHENTICATION),
    "mfa_remove_webauthn": Route(NEEDS_REAUTHENTICATION, {"pk": "authenticator_pk"}),
    "mfa_edit_webauthn": Route(NEEDS_REAUTHENTICATION, {"pk": "authenticator_pk"}),
    # --- allauth: sessions and third-party sign-in ----------------------------------
    "usersessions_list": Route(SIGNED_IN),
    "socialaccount_connections": Route(SIGNED_IN),
    "socialaccount_login_cancelled": Route(PUBLIC),
    "socialaccount_login_error": Route(row(401)),
    "socialaccount_signup": Route(row(LOGIN)),  # no third-party sign-in in progress
    "openid_connect_login": Route(PUBLIC, {"provider_id": "sso_provider_id"}),  # a "continue" button; POST starts it
    "openid_connect_callback": Route(row(401), {"provider_id": "sso_provider_id"}),  # no state: an error page
    **legacy_social("login/cancelled/", "socialaccount_login_cancelled"),
    **legacy_social("login/error/", "socialaccount_login_error"),
    **legacy_social("signup/", "socialaccount_signup"),
    **legacy_social("connections/", "socialaccount_connections"),
    # --- Django admin -----------------------------------------------------------------
    "admin:index": Route(admin_page(200), private=True),
    # The admin has no sign-in form of its own: it sends people to the one sign-in page.
    "admin:login": Route(row(403, anonymous=LOGIN, org_admin=ADMIN_INDEX, other_org_admin=ADMIN_INDEX)),
    "admin:logout": Route(row(ADMIN_INDEX, org_admin=405, other_org_admin=405)),  # POST only
    "admin:password_change": Route(admin_page(200)),
    "admin:password_change_done": Route(admin_page(200)),
    "admin:autocomplete": Route(admin_page(403)),  # no field to complete
    "admin:jsi18n": Route(admin_page(200)),
    "admin:view_on_site": Route(
        admin_page(404), {"content_type_id": "organization_content_type_id", "object_id": "organization_pk"}
    ),  # organizations have no public page
    "admin:app_list": Route(admin_page(200), {"app_label": "organizations_app_label"}, private=True),
    "admin/(?P<url>.*)$": Route(admin_page(404), path="/admin/no-such-page/"),
    "admin:auth_user_password_change": Route(admin_page(403), {"id": "user_pk"}),
    **admin_model("accounts", "user", "user_pk", PLATFORM_STAFF_ONLY),
    **admin_model("auth", "group", "group_pk", PLATFORM_STAFF_ONLY),
    **admin_model("account", "emailaddress", "email_address_pk", PLATFORM_STAFF_ONLY),
    **admin_model("mfa", "authenticator", "authenticator_pk", PLATFORM_STAFF_ONLY),
    **admin_model("usersessions", "usersession", "user_session_pk", PLATFORM_STAFF_ONLY),
    **admin_model("socialaccount", "socialapp", "social_app_pk", PLATFORM_STAFF_ONLY),
    **admin_model("socialaccount", "socialaccount", "social_account_pk", PLATFORM_STAFF_ONLY),
    **admin_model("socialaccount", "socialtoken", "social_token_pk", PLATFORM_STAFF_ONLY),
    **admin_model("organizations", "organization", "organization_pk", SCOPED_TO_ORGANIZATION),
    **admin_model("organizations", "membership", "membership_pk", SCOPED_TO_ORGANIZATION),
    **admin_model("organizations", "termsdocument", "terms_pk", SCOPED_TO_ORGANIZATION),
    **admin_model("organizations", "termsacceptance", "terms_acceptance_pk", SCOPED_TO_ORGANIZATION),
}


# Each app's own routes: tests/<app>/access.py (or access_<part>.py, one per
# part of a larger app) defines ROUTES and samples().
APP_ACCESS = [
    importlib.import_module(f"tests.{path.parent.name}.{path.stem}")
    for path in sorted(Path(__file__).parent.glob("*/access*.py"))
]
for module in APP_ACCESS:
    assert not set(module.ROUTES) & set(MATRIX), f"{module.__name__} repeats routes"
    MATRIX.update(module.ROUTES)


def project_routes(resolver=None, namespaces=(), prefix="") -> set[str]:
    """Every URL pattern: "namespace:name" when named, else its full pattern."""
    found = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            namespace = (pattern.namespace,) if pattern.namespace else ()
            found |= project_routes(pattern, namespaces + namespace, prefix + str(pattern.pattern))
        elif pattern.name:
            found.add(":".join((*namespaces, pattern.name)))
        else:
            found.add(prefix + str(pattern.pattern))
    return found


@pytest.fixture
def samples(personas, org, other_org):
    """The objects the matrix's routes point at, all belonging to `org` unless noted."""
    document = TermsDocumentFactory(organization=org)
    for name in ["patient_a", "patient_b", "specialist", "org_admin", "affiliate"]:
        # Accepted, so the terms gate stays out of the way of this table.
        TermsAcceptance.objects.create(user=personas[name], document=document)
    sso = services.organization_configure_sso(
        organization=org,
        by=personas["org_admin"],
        issuer_url="https://idp.example.test",
        client_id="daraport",
        client_secret="s3cret",
    )
    patient = personas["patient_a"]
    social_account = SocialAccount.objects.create(user=patient, provider=sso.provider_id, uid="patient-a")
    samples = {
        "org_slug": org.slug,
        "other_org_slug": other_org.slug,
        "membership_public_id": Membership.objects.get(user=personas["patient_b"]).public_id,
        "membership_pk": Membership.objects.get(user=patient).pk,
        "terms_public_id": document.public_id,
        "terms_pk": document.pk,
        "terms_acceptance_pk": TermsAcceptance.objects.get(user=personas["org_admin"]).pk,
        "organization_pk": org.pk,
        "organization_content_type_id": ContentType.objects.get_for_model(Organization).pk,
        "organizations_app_label": "organizations",
        "user_pk": patient.pk,
        "group_pk": Group.objects.create(name="sample group").pk,
        "email_address_pk": patient.emailaddress_set.get().pk,
        "authenticator_pk": Authenticator.objects.get(user=personas["specialist"]).pk,
        "user_session_pk": UserSession.objects.create(
            user=patient, ip="192.0.2.1", session_key="sample-session", user_agent="test"
        ).pk,
        "social_app_pk": sso.pk,
        "social_account_pk": social_account.pk,
        "social_token_pk": SocialToken.objects.create(app=sso, account=social_account, token="t").pk,
        "sso_provider_id": sso.provider_id,
        "bad_token": "not-a-real-token",
        "bad_uidb36": "1",
        "program_public_id": ProgramFactory(organization=org).public_id,
    }
    for module in APP_ACCESS:
        samples.update(module.samples(personas, org))
    return samples


def test_the_matrix_has_a_column_for_every_persona(personas):
    assert tuple(personas) == PERSONAS
    assert all(tuple(route.expect) == PERSONAS for route in MATRIX.values())


def test_every_route_of_the_project_is_in_the_matrix():
    missing = project_routes() - set(MATRIX)
    assert not missing, f"add these routes to the access matrix: {sorted(missing)}"


def test_the_matrix_lists_no_route_that_is_gone():
    gone = set(MATRIX) - project_routes()
    assert not gone, f"these routes no longer exist: {sorted(gone)}"


def test_the_matrix_never_expects_a_server_error():
    cells = [(name, persona, cell) for name, route in MATRIX.items() for persona, cell in route.expect.items()]
    assert all(cell is not None for _, _, cell in cells), [c for c in cells if c[2] is None]
    assert not [c for c in cells if isinstance(c[2], int) and c[2] >= 500]


def _walk_params():
    for name, route in sorted(MATRIX.items()):
        marks = [pytest.mark.xfail(reason=route.bug, strict=True)] if route.bug else []
        yield pytest.param(name, marks=marks, id=name)


@pytest.mark.parametrize("name", list(_walk_params()))
def test_each_persona_gets_what_the_matrix_says(name, client, personas, samples):
    route = MATRIX[name]
    url = route.url(name, samples)
    client.raise_request_exception = False  # a crash is a 500 to report, like any wrong cell
    problems = []
    for persona, expected in route.expect.items():
        client.logout()
        if personas[persona] is not None:
            client.force_login(personas[persona])
        response = client.get(url)
        got = f"{response.status_code} {response.get('Location', '')}".strip()
        if response.status_code >= 500:
            problems.append(f"{persona}: server error {got}")
        elif isinstance(expected, Redirect):
            target = expected.path(samples)
            location = urlsplit(response.get("Location", ""))
            back_to = parse_qs(location.query).get("next", [url])[0]
            if response.status_code != expected.status or location.path != target:
                problems.append(f"{persona}: expected {expected.status} to {target}, got {got}")
            elif expected == LOGIN and back_to != url:
                problems.append(f"{persona}: after signing in they would not come back here: {got}")
        elif response.status_code != expected:
            problems.append(f"{persona}: expected {expected}, got {got}")
        elif route.private and expected == 200 and "no-store" not in response.get("Cache-Control", ""):
            problems.append(f"{persona}: 200 without Cache-Control: no-store")
    assert not problems, f"GET {url}\n" + "\n".join(problems)


# Role-gated portal pages: the ones that turn some signed-in people away.
PORTAL_PAGES = sorted(
    name
    for name, route in MATRIX.items()
    if route.private and not name.startswith("admin:") and 403 in route.expect.values()
)


@pytest.mark.parametrize("name", PORTAL_PAGES)
def test_signed_in_people_without_the_role_get_the_friendly_403_page(name, client, personas, samples):
    route = MATRIX[name]
    refused = [persona for persona, cell in route.expect.items() if cell == 403]
    assert refused
    for persona in refused:
        client.force_login(personas[persona])
        response = client.get(route.url(name, samples))
        assert "portals/no_access.html" in [template.name for template in response.templates], persona
        assert "no-store" in response["Cache-Control"], persona
