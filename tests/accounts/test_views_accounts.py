"""Account pages: settings, sign out everywhere, and the second-factor gate for staff."""

import pytest
from django.test import Client
from django.urls import reverse

from organizations.models import Membership
from tests.accounts.factories import PASSWORD, enable_totp
from tests.conftest import member

pytestmark = pytest.mark.django_db


def settings_url():
    return reverse("accounts:settings")


def sign_in(client, user):
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
    return response


# --- Settings ------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["patient_a", "specialist", "org_admin", "affiliate"])
def test_every_signed_in_person_opens_their_settings(client, personas, persona):
    user = personas[persona]
    client.force_login(user)
    response = client.get(settings_url())
    assert response.status_code == 200
    assert response.context["form"].instance == user
    assert "no-store" in response["Cache-Control"]


def test_settings_send_anonymous_visitors_to_sign_in(client):
    response = client.get(settings_url())
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={settings_url()}"


def test_saving_the_profile_stores_names_and_time_zone(client, personas):
    user = personas["patient_a"]
    client.force_login(user)
    response = client.post(
        settings_url(), {"full_name": "  Ada Lovelace ", "preferred_name": "Ada", "timezone": "America/New_York"}
    )
    assert response.status_code == 302
    assert response["Location"] == settings_url()
    user.refresh_from_db()
    assert (user.full_name, user.preferred_name, user.timezone) == ("Ada Lovelace", "Ada", "America/New_York")


def test_an_unknown_time_zone_is_refused_with_422_and_nothing_is_stored(client, personas):
    user = personas["patient_a"]
    before = (user.full_name, user.preferred_name, user.timezone)
    client.force_login(user)
    response = client.post(settings_url(), {"full_name": "Changed", "preferred_name": "", "timezone": "Mars/Olympus"})
    assert response.status_code == 422
    assert "timezone" in response.context["form"].errors
    user.refresh_from_db()
    assert (user.full_name, user.preferred_name, user.timezone) == before


def test_a_profile_without_a_time_zone_is_refused_with_422(client, personas):
    user = personas["patient_a"]
    client.force_login(user)
    assert client.post(settings_url(), {"full_name": "Changed", "timezone": ""}).status_code == 422
    user.refresh_from_db()
    assert user.full_name != "Changed"


def test_extra_settings_fields_are_ignored(client, personas):
    user = personas["patient_a"]
    email = user.email
    client.force_login(user)
    client.post(
        settings_url(),
        {
            "full_name": "Ada",
            "timezone": "UTC",
            "email": "taken-over@example.test",
            "is_staff": "on",
            "is_superuser": "on",
            "is_active": "",
        },
    )
    user.refresh_from_db()
    assert user.full_name == "Ada"
    assert (user.email, user.is_staff, user.is_superuser, user.is_active) == (email, False, False, True)


# --- Sign out everywhere -----------------------------------------------------------------


def test_sign_out_everywhere_ends_this_session(client, personas):
    sign_in(client, personas["patient_a"])
    old_cookie = client.cookies["sessionid"].value
    response = client.post(reverse("accounts:sign-out-everywhere"))
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login")
    assert "_auth_user_id" not in client.session

    replay = Client()
    replay.cookies["sessionid"] = old_cookie
    response = replay.get("/patient/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_sign_out_everywhere_ends_the_sessions_on_other_devices_too(client, personas):
    patient = personas["patient_a"]
    laptop, phone = client, Client()
    sign_in(laptop, patient)
    sign_in(phone, patient)
    assert phone.get("/patient/").status_code == 200

    laptop.post(reverse("accounts:sign-out-everywhere"))
    response = phone.get("/patient/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_sign_out_everywhere_leaves_other_people_signed_in(client, personas):
    other = Client()
    sign_in(other, personas["patient_b"])
    sign_in(client, personas["patient_a"])
    client.post(reverse("accounts:sign-out-everywhere"))
    assert other.get("/patient/").status_code == 200


def test_sign_out_everywhere_needs_a_post(client, personas):
    sign_in(client, personas["patient_a"])
    assert client.get(reverse("accounts:sign-out-everywhere")).status_code == 405
    assert client.get("/patient/").status_code == 200


def test_sign_out_everywhere_sends_anonymous_visitors_to_sign_in(client):
    response = client.post(reverse("accounts:sign-out-everywhere"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_sign_out_everywhere_needs_the_csrf_token(personas):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(personas["patient_a"])
    assert browser.post(reverse("accounts:sign-out-everywhere")).status_code == 403
    assert browser.get("/patient/").status_code == 200


# --- The second-factor gate ---------------------------------------------------------------


def test_a_specialist_without_a_second_factor_is_sent_to_enrol_one(client, org):
    specialist = member(org, Membership.Role.SPECIALIST)
    client.force_login(specialist)
    response = client.get(reverse("core:specialist-home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("core:mfa-required")

    page = client.get(reverse("core:mfa-required"))
    assert page.status_code == 200
    assert reverse("mfa_activate_totp") in page.content.decode()
    assert "no-store" in page["Cache-Control"]


def test_a_specialist_gets_in_once_their_authenticator_is_enabled(client, org):
    specialist = member(org, Membership.Role.SPECIALIST)
    client.force_login(specialist)
    assert client.get(reverse("core:specialist-home"))["Location"] == reverse("core:mfa-required")

    enable_totp(specialist)
    assert client.get(reverse("core:specialist-home")).status_code == 200
    response = client.get(reverse("core:mfa-required"))
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")


def test_signing_in_with_a_password_does_not_skip_the_second_factor_gate(client, org):
    specialist = member(org, Membership.Role.SPECIALIST)
    response = client.post(reverse("account_login"), {"login": specialist.email, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("core:mfa-required")
    assert client.get(reverse("core:specialist-home"))["Location"] == reverse("core:mfa-required")


def test_an_org_admin_without_a_second_factor_is_sent_to_enrol_one(client, org):
    admin = member(org, Membership.Role.ADMIN)
    client.force_login(admin)
    response = client.get(reverse("organizations:members", args=[org.slug]))
    assert response.status_code == 302
    assert response["Location"] == reverse("core:mfa-required")
    admin_site = client.get(reverse("admin:index"), follow=True)
    assert admin_site.redirect_chain[-1][0] == reverse("core:mfa-required")


def test_patients_never_need_a_second_factor(client, personas):
    client.force_login(personas["patient_a"])
    assert client.get(reverse("core:patient-home")).status_code == 200


def test_the_two_factor_page_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(reverse("core:mfa-required"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
