import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from organizations.models import Membership
from tests.accounts.factories import PASSWORD, enable_totp, totp_code
from tests.conftest import member

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^/\s]+(/accounts/login/link/[^\s]+/)")
CODE_RE = re.compile(r"^\s*([A-Z0-9]{4}-?[A-Z0-9]{4}|\d{6})\s*$", re.M)


def _request_code(client, email):
    return client.post(reverse("account_request_login_code"), {"email": email})


def _emailed_code_and_link():
    body = mail.outbox[-1].body
    return CODE_RE.search(body).group(1), LINK.search(body).group(1)


def test_password_sign_in_lands_on_the_portal(client, org):
    user = member(org, Membership.Role.PATIENT)
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/patient/"


def test_wrong_password_and_unknown_email_get_the_same_422_answer(client, org):
    user = member(org, Membership.Role.PATIENT)
    wrong = client.post(reverse("account_login"), {"login": user.email, "password": "not-the-password"})
    unknown = client.post(reverse("account_login"), {"login": "nobody@example.test", "password": "not-the-password"})
    assert wrong.status_code == unknown.status_code == 422
    assert wrong.context["form"].errors == unknown.context["form"].errors
    assert "_auth_user_id" not in client.session


def test_repeated_failed_sign_ins_are_throttled(client, org):
    user = member(org, Membership.Role.PATIENT)
    for _ in range(5):
        client.post(reverse("account_login"), {"login": user.email, "password": "wrong-wrong"})
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert response.status_code in (422, 429)


def test_code_requests_answer_the_same_for_known_and_unknown_emails(client, org):
    user = member(org, Membership.Role.PATIENT)
    known = _request_code(client, user.email)
    client.logout()
    unknown = _request_code(client, "nobody@example.test")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]


def test_signing_in_with_an_emailed_code(client, org):
    user = member(org, Membership.Role.PATIENT)
    _request_code(client, user.email)
    code, _ = _emailed_code_and_link()
    response = client.post(reverse("account_confirm_login_code"), {"code": code}, follow=True)
    assert response.redirect_chain[-1][0] == "/patient/"
    assert mail.outbox[-1].subject.startswith("Daraport")
    assert "code" in mail.outbox[-1].subject.lower()


def test_a_wrong_code_is_refused_with_422_and_three_strikes_end_the_attempt(client, org):
    user = member(org, Membership.Role.PATIENT)
    _request_code(client, user.email)
    code, _ = _emailed_code_and_link()
    assert client.post(reverse("account_confirm_login_code"), {"code": "AAAA-AAAA"}).status_code == 422
    client.post(reverse("account_confirm_login_code"), {"code": "AAAA-AAAA"})
    client.post(reverse("account_confirm_login_code"), {"code": "AAAA-AAAA"})
    client.post(reverse("account_confirm_login_code"), {"code": code})
    assert "_auth_user_id" not in client.session


def test_the_magic_link_signs_in_only_the_browser_that_asked(client, org):
    from django.test import Client

    user = member(org, Membership.Role.PATIENT)
    _request_code(client, user.email)
    code, link = _emailed_code_and_link()

    elsewhere = Client().get(link)
    assert elsewhere.status_code == 400
    assert "Open the link where you asked for it" in elsewhere.content.decode()

    page = client.get(link)
    assert page.status_code == 200
    assert f'value="{code}"' in page.content.decode()
    assert "_auth_user_id" not in client.session  # opening the link alone changes nothing
    response = client.post(reverse("account_confirm_login_code"), {"code": code}, follow=True)
    assert response.redirect_chain[-1][0] == "/patient/"


def test_a_magic_link_works_once(client, org):
    user = member(org, Membership.Role.PATIENT)
    _request_code(client, user.email)
    code, link = _emailed_code_and_link()
    client.post(reverse("account_confirm_login_code"), {"code": code})
    client.logout()
    assert client.get(link).status_code == 400


def test_an_expired_or_forged_magic_link_is_refused(client, org):
    user = member(org, Membership.Role.PATIENT)
    with time_machine.travel("2026-03-01 10:00Z", tick=False):
        _request_code(client, user.email)
        _, link = _emailed_code_and_link()
    with time_machine.travel("2026-03-01 10:06Z", tick=False):
        response = client.get(link)
    assert response.status_code == 400
    assert "no longer works" in response.content.decode()
    assert client.get(link[:-6] + "xxxxx/").status_code == 400


def test_staff_with_a_second_factor_must_enter_it_after_the_password(client, org):
    user = member(org, Membership.Role.SPECIALIST)
    secret = enable_totp(user)
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    assert client.post(reverse("mfa_authenticate"), {"code": "000000"}).status_code == 422
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)}, follow=True)
    assert response.redirect_chain[-1][0] == "/specialist/"


def test_a_password_reset_does_not_sign_anyone_in(client, org):
    user = member(org, Membership.Role.SPECIALIST, staff=True)
    client.post(reverse("account_reset_password"), {"email": user.email})
    assert "_auth_user_id" not in client.session
    assert len(mail.outbox) == 1


def test_the_session_id_changes_at_sign_in(client, org):
    user = member(org, Membership.Role.PATIENT)
    session = client.session  # an anonymous visitor's session
    session["seen_landing"] = True
    session.save()
    client.cookies["sessionid"] = before = session.session_key
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.cookies["sessionid"].value != before


def test_a_session_cookie_replayed_after_sign_out_lands_on_the_sign_in_page(client, org):
    from django.test import Client

    user = member(org, Membership.Role.PATIENT)
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    stolen = client.cookies["sessionid"].value
    client.post(reverse("account_logout"))
    replay = Client()
    replay.cookies["sessionid"] = stolen
    response = replay.get(reverse("core:patient-home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_signing_out_needs_a_post(client, org):
    user = member(org, Membership.Role.PATIENT)
    client.force_login(user)
    client.get(reverse("account_logout"))
    assert client.get(reverse("core:patient-home")).status_code == 200
