"""The organization portal (organizations/views.py), tried as each kind of person."""

import io
import uuid
from pathlib import Path

import pytest
from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from organizations import services
from organizations.models import Membership, Organization, TermsAcceptance, TermsDocument
from tests.accounts.factories import PASSWORD, UserFactory
from tests.conftest import member
from tests.organizations.factories import TermsDocumentFactory

pytestmark = pytest.mark.django_db

User = get_user_model()

PORTAL_VIEWS = [
    "organizations:home",
    "organizations:brand",
    "organizations:terms",
    "organizations:members",
    "organizations:sso",
    "organizations:retention",
]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Uploaded logos land in a throwaway folder."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def org_admin_client(client, personas):
    client.force_login(personas["org_admin"])
    return client


def url(name, org, *args):
    return reverse(name, args=[org.slug, *args])


def png(size=(8, 8), *, pad_to=0, name="logo.png") -> SimpleUploadedFile:
    """A real PNG; `pad_to` appends bytes after the image data to make it that big."""
    buffer = io.BytesIO()
    Image.new("RGB", size, "#2F6F6A").save(buffer, format="PNG")
    data = buffer.getvalue()
    data += b"\0" * max(0, pad_to - len(data))
    return SimpleUploadedFile(name, data, content_type="image/png")


def brand_data(**overrides):
    return {"name": "Harbour Clinic", "tagline": "Care, calmly.", "primary_color": "#123abc", **overrides}


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def snapshot(org):
    org.refresh_from_db()
    return (org.name, org.tagline, org.primary_color, org.logo.name, org.sso_app_id)


# --- Who gets in ---------------------------------------------------------------


@pytest.mark.parametrize("name", PORTAL_VIEWS)
def test_the_organizations_admin_opens_each_portal_page(client, personas, org, name):
    client.force_login(personas["org_admin"])
    response = client.get(url(name, org))
    assert response.status_code == 200
    assert response.context["organization"] == org
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("name", PORTAL_VIEWS)
@pytest.mark.parametrize("persona", ["patient_a", "specialist", "affiliate"])
def test_people_with_another_role_get_the_friendly_403_page(client, personas, org, name, persona):
    client.force_login(personas[persona])
    response = client.get(url(name, org))
    assert response.status_code == 403
    assert "portals/no_access.html" in [template.name for template in response.templates]


@pytest.mark.parametrize("name", PORTAL_VIEWS)
def test_an_admin_of_another_organization_gets_404(client, personas, org, name):
    client.force_login(personas["other_org_admin"])
    assert client.get(url(name, org)).status_code == 404


@pytest.mark.parametrize("name", PORTAL_VIEWS)
def test_anonymous_visitors_are_sent_to_sign_in(client, org, name):
    response = client.get(url(name, org))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={url(name, org)}"


def test_an_unknown_organization_is_404_even_for_an_admin(org_admin_client):
    assert org_admin_client.get(reverse("organizations:home", args=["no-such-clinic"])).status_code == 404


@pytest.mark.parametrize("persona", ["patient_a", "specialist", "other_org_admin"])
def test_nobody_but_the_admin_can_change_brand_terms_sso_or_members(client, personas, org, persona):
    client.force_login(personas[persona])
    before = snapshot(org)
    expected = 404 if persona == "other_org_admin" else 403
    assert client.post(url("organizations:brand", org), brand_data()).status_code == expected
    terms = {"kind": "terms", "title": "Terms", "body": "Text"}
    assert client.post(url("organizations:terms", org), terms).status_code == expected
    sso = {"issuer_url": "https://idp.example.test", "client_id": "x", "client_secret": "y"}
    assert client.post(url("organizations:sso", org), sso).status_code == expected
    assert client.post(url("organizations:members", org), {"email": "x@example.test", "role": "admin"}).status_code == (
        expected
    )
    assert snapshot(org) == before
    assert not TermsDocument.objects.exists()
    assert not SocialApp.objects.exists()
    assert not User.objects.filter(email="x@example.test").exists()


def test_anonymous_posts_change_nothing(client, org):
    before = snapshot(org)
    response = client.post(url("organizations:brand", org), brand_data())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert snapshot(org) == before


# --- Brand -------------------------------------------------------------------------


def test_saving_the_brand_updates_name_tagline_colour_and_logo(org_admin_client, org):
    response = org_admin_client.post(url("organizations:brand", org), brand_data(logo=png()))
    assert response.status_code == 302
    assert response["Location"] == url("organizations:brand", org)
    org.refresh_from_db()
    assert (org.name, org.tagline, org.primary_color) == ("Harbour Clinic", "Care, calmly.", "#123ABC")
    assert org.logo.name == f"brands/{org.public_id}/logo.png"
    assert Path(org.logo.path).read_bytes().startswith(b"\x89PNG")


def test_the_stored_logo_name_comes_from_its_content_not_the_uploaded_name(org_admin_client, org):
    org_admin_client.post(url("organizations:brand", org), brand_data(logo=png(name="../../evil.html")))
    org.refresh_from_db()
    assert org.logo.name == f"brands/{org.public_id}/logo.png"


def test_a_file_that_is_not_an_image_is_refused_with_422_and_nothing_is_stored(org_admin_client, org, _media):
    before = snapshot(org)
    fake = SimpleUploadedFile("logo.png", b"<script>alert(1)</script>", content_type="image/png")
    response = org_admin_client.post(url("organizations:brand", org), brand_data(logo=fake))
    assert response.status_code == 422
    assert response.context["form"].errors["logo"] == ["This file is not an image we can read."]
    assert snapshot(org) == before
    assert stored_files(_media) == []


def test_an_image_in_a_format_we_do_not_serve_is_refused_with_422(org_admin_client, org, _media):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, format="GIF")
    gif = SimpleUploadedFile("logo.png", buffer.getvalue(), content_type="image/png")
    response = org_admin_client.post(url("organizations:brand", org), brand_data(logo=gif))
    assert response.status_code == 422
    assert stored_files(_media) == []


def test_a_logo_over_2_mb_is_refused_with_413_a_clear_message_and_nothing_is_stored(org_admin_client, org, _media):
    before = snapshot(org)
    response = org_admin_client.post(url("organizations:brand", org), brand_data(logo=png(pad_to=3 * 1024 * 1024)))
    assert response.status_code == 413
    message = "This file is 3.0 MB; a logo can be at most 2.0 MB."
    assert [error.replace("\xa0", " ") for error in response.context["form"].errors["logo"]] == [message]
    assert message in response.content.decode().replace("\xa0", " ").replace("&nbsp;", " ")
    assert snapshot(org) == before
    assert stored_files(_media) == []


def test_the_size_cap_is_exact(org_admin_client, org):
    limit = settings.LOGO_MAX_BYTES
    over = org_admin_client.post(url("organizations:brand", org), brand_data(logo=png(pad_to=limit + 1)))
    assert over.status_code == 413
    at_limit = org_admin_client.post(url("organizations:brand", org), brand_data(logo=png(pad_to=limit)))
    assert at_limit.status_code == 302


@pytest.mark.parametrize("colour", ["red", "#12345", "#12345G", "#1234567", ""])
def test_a_colour_that_is_not_a_hex_code_is_refused_with_422_and_nothing_is_stored(org_admin_client, org, colour):
    before = snapshot(org)
    response = org_admin_client.post(url("organizations:brand", org), brand_data(primary_color=colour))
    assert response.status_code == 422
    assert "primary_color" in response.context["form"].errors
    assert snapshot(org) == before


def test_removing_the_logo_clears_it(org_admin_client, org):
    org_admin_client.post(url("organizations:brand", org), brand_data(logo=png()))
    org.refresh_from_db()
    assert org.logo
    org_admin_client.post(url("organizations:brand", org), brand_data(remove_logo="on"))
    org.refresh_from_db()
    assert not org.logo


def test_a_new_logo_replaces_the_old_file(org_admin_client, org, _media, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        org_admin_client.post(url("organizations:brand", org), brand_data(logo=png()))
    with django_capture_on_commit_callbacks(execute=True):
        org_admin_client.post(url("organizations:brand", org), brand_data(logo=png(size=(16, 16))))
    org.refresh_from_db()
    assert stored_files(_media) == [Path(org.logo.path)]
    assert Image.open(org.logo.path).size == (16, 16)


def test_extra_brand_fields_are_ignored(org_admin_client, org, other_org):
    other_before = snapshot(other_org)
    response = org_admin_client.post(
        url("organizations:brand", org),
        brand_data(slug="hijacked", organization=other_org.slug, kind="employer", sso_app="1", is_staff="on"),
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.slug, org.kind, org.name) == (
        settings.DEFAULT_ORGANIZATION_SLUG,
        Organization.Kind.CLINIC,
        "Harbour Clinic",
    )
    assert snapshot(other_org) == other_before


# --- Terms -------------------------------------------------------------------------


def test_publishing_terms_creates_the_next_version(org_admin_client, org):
    TermsDocumentFactory(organization=org, kind="terms", version=3)
    response = org_admin_client.post(
        url("organizations:terms", org), {"kind": "terms", "title": "Terms v4", "summary": "Shorter.", "body": "New."}
    )
    assert response.status_code == 302
    newest = TermsDocument.objects.get(organization=org, kind="terms", version=4)
    assert (newest.title, newest.summary, newest.body) == ("Terms v4", "Shorter.", "New.")
    assert TermsDocument.objects.filter(organization=org).count() == 2


def test_the_first_privacy_notice_is_version_1_whatever_the_terms_are_at(org_admin_client, org):
    TermsDocumentFactory(organization=org, kind="terms", version=5)
    org_admin_client.post(url("organizations:terms", org), {"kind": "privacy", "title": "Privacy", "body": "We care."})
    assert TermsDocument.objects.get(organization=org, kind="privacy").version == 1


@pytest.mark.parametrize("body", ["", "   "])
def test_terms_without_a_body_are_refused_with_422_and_nothing_is_stored(org_admin_client, org, body):
    response = org_admin_client.post(url("organizations:terms", org), {"kind": "terms", "title": "Terms", "body": body})
    assert response.status_code == 422
    assert "body" in response.context["form"].errors
    assert not TermsDocument.objects.exists()


def test_extra_terms_fields_are_ignored(org_admin_client, org, other_org):
    org_admin_client.post(
        url("organizations:terms", org),
        {"kind": "terms", "title": "T", "body": "B", "organization": other_org.pk, "version": 99, "published_by": 1},
    )
    document = TermsDocument.objects.get()
    assert (document.organization, document.version) == (org, 1)


# --- Members -----------------------------------------------------------------------


def test_inviting_an_existing_person_gives_them_the_role_and_emails_them_once(
    org_admin_client, org, django_capture_on_commit_callbacks
):
    person = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = org_admin_client.post(
            url("organizations:members", org), {"email": person.email.upper(), "role": "specialist"}
        )
    assert response.status_code == 302
    assert Membership.objects.filter(user=person, organization=org, role="specialist", is_active=True).exists()
    assert User.objects.filter(email__iexact=person.email).count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [person.email]
    assert org.name in mail.outbox[0].subject


def test_inviting_a_new_email_creates_the_account_and_emails_them_once(
    org_admin_client, org, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = org_admin_client.post(
            url("organizations:members", org), {"email": "New.Person@Example.test", "role": "admin"}
        )
    assert response.status_code == 302
    person = User.objects.get(email="new.person@example.test")
    assert not person.has_usable_password()
    assert Membership.objects.filter(user=person, organization=org, role="admin", is_active=True).exists()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.person@example.test"]
    assert reverse("account_request_login_code") in mail.outbox[0].body


@pytest.mark.parametrize(
    "data", [{"email": "not-an-email", "role": "patient"}, {"email": "ok@example.test", "role": "superuser"}]
)
def test_a_bad_invitation_is_refused_with_422_and_nothing_is_stored_or_sent(
    org_admin_client, org, django_capture_on_commit_callbacks, data
):
    memberships = Membership.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = org_admin_client.post(url("organizations:members", org), data)
    assert response.status_code == 422
    assert Membership.objects.count() == memberships
    assert not User.objects.filter(email="ok@example.test").exists()
    assert mail.outbox == []


def test_extra_invitation_fields_are_ignored(org_admin_client, org, other_org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        org_admin_client.post(
            url("organizations:members", org),
            {"email": "x@example.test", "role": "patient", "organization": other_org.pk, "is_staff": "on"},
        )
    person = User.objects.get(email="x@example.test")
    assert not person.is_staff and not person.is_superuser
    assert list(person.memberships.values_list("organization__slug", flat=True)) == [org.slug]


def test_revoking_a_role_deactivates_it(org_admin_client, personas, org):
    membership = Membership.objects.get(user=personas["patient_b"])
    response = org_admin_client.post(url("organizations:member-revoke", org, membership.public_id))
    assert response.status_code == 302
    assert response["Location"] == url("organizations:members", org)
    membership.refresh_from_db()
    assert not membership.is_active


def test_revoking_the_last_admin_is_refused_with_409_and_nothing_changes(org_admin_client, personas, org):
    membership = Membership.objects.get(user=personas["org_admin"])
    response = org_admin_client.post(url("organizations:member-revoke", org, membership.public_id))
    assert response.status_code == 409
    assert "An organization needs at least one admin. Add another admin first." in response.content.decode()
    membership.refresh_from_db()
    assert membership.is_active


def test_one_of_two_admins_can_be_revoked(org_admin_client, personas, org):
    second = member(org, Membership.Role.ADMIN, staff=True)
    membership = Membership.objects.get(user=second)
    assert org_admin_client.post(url("organizations:member-revoke", org, membership.public_id)).status_code == 302
    membership.refresh_from_db()
    assert not membership.is_active


def test_revoking_another_organizations_membership_is_404_and_changes_nothing(org_admin_client, personas, org):
    theirs = Membership.objects.get(user=personas["other_specialist"])
    response = org_admin_client.post(url("organizations:member-revoke", org, theirs.public_id))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_active


def test_revoking_an_unknown_id_is_404(org_admin_client, org):
    assert org_admin_client.post(url("organizations:member-revoke", org, uuid.uuid4())).status_code == 404


def test_revoking_a_role_already_removed_is_404(org_admin_client, personas, org):
    membership = Membership.objects.get(user=personas["patient_b"])
    org_admin_client.post(url("organizations:member-revoke", org, membership.public_id))
    assert org_admin_client.post(url("organizations:member-revoke", org, membership.public_id)).status_code == 404


@pytest.mark.parametrize(("persona", "expected"), [("patient_a", 403), ("specialist", 403), ("other_org_admin", 404)])
def test_only_the_organizations_admin_can_revoke(client, personas, org, persona, expected):
    membership = Membership.objects.get(user=personas["patient_b"])
    client.force_login(personas[persona])
    assert client.post(url("organizations:member-revoke", org, membership.public_id)).status_code == expected
    membership.refresh_from_db()
    assert membership.is_active


def test_anonymous_revoke_is_sent_to_sign_in(client, personas, org):
    membership = Membership.objects.get(user=personas["patient_b"])
    response = client.post(url("organizations:member-revoke", org, membership.public_id))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    membership.refresh_from_db()
    assert membership.is_active


def test_revoke_answers_only_post(org_admin_client, personas, org):
    membership = Membership.objects.get(user=personas["patient_b"])
    assert org_admin_client.get(url("organizations:member-revoke", org, membership.public_id)).status_code == 405
    membership.refresh_from_db()
    assert membership.is_active


# --- Single sign-on ------------------------------------------------------------------


SSO = {"issuer_url": "https://login.example.test/realms/staff/", "client_id": "daraport", "client_secret": "s3cret"}


def test_configuring_sso_creates_the_organizations_own_app(org_admin_client, org):
    response = org_admin_client.post(url("organizations:sso", org), {**SSO, "action": "save"})
    assert response.status_code == 302
    app = SocialApp.objects.get()
    assert (app.provider, app.provider_id) == ("openid_connect", f"org-{org.slug}")
    assert (app.client_id, app.secret, app.name) == ("daraport", "s3cret", org.name)
    assert app.settings == {"server_url": "https://login.example.test/realms/staff"}
    org.refresh_from_db()
    assert org.sso_app == app


def test_the_sso_page_never_shows_the_client_secret_back(org_admin_client, org):
    org_admin_client.post(url("organizations:sso", org), SSO)
    page = org_admin_client.get(url("organizations:sso", org)).content.decode()
    assert "daraport" in page  # the client id is shown
    assert "s3cret" not in page


def test_saving_sso_again_with_an_empty_secret_keeps_the_app_and_its_secret(org_admin_client, org):
    org_admin_client.post(url("organizations:sso", org), SSO)
    org_admin_client.post(url("organizations:sso", org), {**SSO, "client_id": "renamed", "client_secret": ""})
    app = SocialApp.objects.get()
    assert (app.client_id, app.secret) == ("renamed", "s3cret")


@pytest.mark.parametrize(
    "data",
    [
        {**SSO, "issuer_url": "http://login.example.test"},
        {**SSO, "client_secret": ""},
        {**SSO, "client_id": ""},
    ],
)
def test_bad_sso_settings_are_refused_with_422_and_nothing_is_stored(org_admin_client, org, data):
    assert org_admin_client.post(url("organizations:sso", org), data).status_code == 422
    assert not SocialApp.objects.exists()


def test_removing_sso_deletes_the_app(org_admin_client, org):
    org_admin_client.post(url("organizations:sso", org), SSO)
    response = org_admin_client.post(url("organizations:sso", org), {"action": "remove"})
    assert response.status_code == 302
    assert not SocialApp.objects.exists()
    org.refresh_from_db()
    assert org.sso_app is None


def test_removing_sso_leaves_another_organizations_app_alone(org_admin_client, personas, org, other_org):
    theirs = services.organization_configure_sso(organization=other_org, by=personas["other_org_admin"], **SSO)
    org_admin_client.post(url("organizations:sso", org), {"action": "remove"})
    assert SocialApp.objects.filter(pk=theirs.pk).exists()


# --- The terms acceptance gate ------------------------------------------------------------


@pytest.fixture
def new_terms(personas, org):
    """`org` published a version nobody has accepted; the personas exist already."""
    return services.terms_publish(organization=org, by=personas["org_admin"], kind="terms", title="Terms", body="v2")


def sign_in(client, user):
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return response


GATED_PAGES = ["/", "/home/", "/patient/", "/accounts/settings/", "/accounts/email/", "/specialist/", "/admin/"]


@pytest.mark.parametrize("path", GATED_PAGES)
def test_after_new_terms_every_page_leads_to_the_terms_until_accepted(client, personas, new_terms, path):
    sign_in(client, personas["patient_a"])
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].split("?")[0] == reverse("organizations:terms-accept")


def test_signing_in_after_new_terms_lands_on_the_terms_page(client, personas, new_terms):
    response = client.post(
        reverse("account_login"), {"login": personas["patient_a"].email, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0].split("?")[0] == reverse("organizations:terms-accept")
    assert response.status_code == 200
    assert list(response.context["documents"]) == [new_terms]
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("path", ["/healthz", "legal"])
def test_the_terms_themselves_and_health_checks_stay_reachable_behind_the_gate(client, personas, new_terms, path):
    sign_in(client, personas["patient_a"])
    path = reverse("organizations:terms-document", args=[new_terms.public_id]) if path == "legal" else path
    assert client.get(path).status_code == 200


def test_posts_are_gated_too(client, personas, new_terms):
    patient = personas["patient_a"]
    sign_in(client, patient)
    response = client.post(reverse("accounts:settings"), {"full_name": "Changed", "timezone": "UTC"})
    assert response["Location"].split("?")[0] == reverse("organizations:terms-accept")
    patient.refresh_from_db()
    assert patient.full_name != "Changed"


def test_accepting_without_the_checkbox_is_refused_with_422_and_nothing_is_stored(client, personas, new_terms):
    sign_in(client, personas["patient_a"])
    response = client.post(reverse("organizations:terms-accept"), {"shown_documents": str(new_terms.public_id)})
    assert response.status_code == 422
    assert "accept_terms" in response.context["form"].errors
    assert not TermsAcceptance.objects.exists()
    assert client.get("/patient/")["Location"].split("?")[0] == reverse("organizations:terms-accept")


def test_accepting_stores_the_version_and_address_and_opens_the_portal(client, personas, new_terms):
    patient = personas["patient_a"]
    sign_in(client, patient)
    response = client.post(
        reverse("organizations:terms-accept"),
        # The address is the connection's: neither a form field nor a forged header changes it.
        {"accept_terms": "on", "shown_documents": str(new_terms.public_id), "ip_address": "203.0.113.9", "user": 1},
        HTTP_USER_AGENT="TestBrowser/1.0",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert response.status_code == 302
    acceptance = TermsAcceptance.objects.get()
    assert (acceptance.user, acceptance.document, acceptance.document.version) == (patient, new_terms, 1)
    assert acceptance.ip_address == "127.0.0.1"
    assert acceptance.user_agent == "TestBrowser/1.0"
    assert client.get("/patient/").status_code == 200


def test_accepting_terms_that_changed_while_the_page_was_open_is_refused(client, personas, org, new_terms):
    sign_in(client, personas["patient_a"])
    newer = services.terms_publish(organization=org, kind="terms", title="Terms", body="v3")
    response = client.post(
        reverse("organizations:terms-accept"), {"accept_terms": "on", "shown_documents": str(new_terms.public_id)}
    )
    assert response.status_code == 422
    assert not TermsAcceptance.objects.exists()
    assert newer.version == 2


def test_people_who_already_accepted_are_not_gated(client, personas, new_terms):
    TermsAcceptance.objects.create(user=personas["patient_a"], document=new_terms)
    sign_in(client, personas["patient_a"])
    assert client.get("/patient/").status_code == 200


def test_the_terms_page_with_nothing_pending_sends_people_home(client, personas):
    client.force_login(personas["patient_a"])
    response = client.get(reverse("organizations:terms-accept"))
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")


def test_the_terms_page_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(reverse("organizations:terms-accept"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_markup_in_published_terms_shows_as_inert_text(client, personas, org):
    document = services.terms_publish(
        organization=org, kind="terms", title="<b>T</b>", body='<script>alert(1)</script><a hx-get="/x">y</a>'
    )
    page = client.get(reverse("organizations:terms-document", args=[document.public_id])).content.decode()
    assert "<script>alert(1)" not in page
    assert '<a hx-get="/x">' not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;a hx-get=&quot;/x&quot;&gt;" in page


def test_a_published_document_is_public_and_an_unknown_one_is_404(client, new_terms):
    response = client.get(reverse("organizations:terms-document", args=[new_terms.public_id]))
    assert response.status_code == 200
    assert "v2" in response.content.decode()
    assert client.get(reverse("organizations:terms-document", args=[uuid.uuid4()])).status_code == 404


def test_after_accepting_people_carry_on_where_they_were(client, personas, new_terms):
    sign_in(client, personas["patient_a"])
    gate = client.get("/accounts/settings/")["Location"]
    assert gate == reverse("organizations:terms-accept") + "?next=%2Faccounts%2Fsettings%2F"
    response = client.post(gate, {"accept_terms": "on", "shown_documents": str(new_terms.public_id)})
    assert response["Location"] == "/accounts/settings/"


def test_the_gate_never_sends_people_to_another_site(client, personas, new_terms):
    sign_in(client, personas["patient_a"])
    response = client.post(
        reverse("organizations:terms-accept") + "?next=https://evil.example.test/",
        {"accept_terms": "on", "shown_documents": str(new_terms.public_id)},
    )
    assert response["Location"] == reverse("core:home")


# --- Record retention -------------------------------------------------------------


def test_the_admin_sets_how_long_records_stay_after_an_account_is_deleted(org_admin_client, org):
    assert org.record_retention_years == 10
    response = org_admin_client.post(url("organizations:retention", org), {"years": "12"}, follow=True)
    assert "Records are now kept for 12 years." in response.content.decode()
    org.refresh_from_db()
    assert org.record_retention_years == 12


@pytest.mark.parametrize("years", ["0", "31", "ten", "", "2.5"])
def test_a_retention_outside_one_to_thirty_years_is_refused_and_nothing_changes(org_admin_client, org, years):
    response = org_admin_client.post(url("organizations:retention", org), {"years": years})
    assert response.status_code == 422
    assert response.context["form"].errors["years"]
    org.refresh_from_db()
    assert org.record_retention_years == 10


@pytest.mark.parametrize("persona", ["patient_a", "specialist", "other_org_admin"])
def test_nobody_but_the_admin_changes_the_retention(client, personas, org, persona):
    client.force_login(personas[persona])
    expected = 404 if persona == "other_org_admin" else 403
    assert client.post(url("organizations:retention", org), {"years": "20"}).status_code == expected
    org.refresh_from_db()
    assert org.record_retention_years == 10
