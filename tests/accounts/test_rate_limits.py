"""Too many tries never end on a bare page: a new email code asked for too
soon answers the same page with the wait (accounts.views.ConfirmEmailCodeView,
accounts/ratelimits.py); every other allauth limit answers templates/429.html,
inside the site, with a way on; refused sign-ins say so in plain words."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from organizations.models import Membership
from tests.accounts.factories import PASSWORD
from tests.conftest import member

pytestmark = pytest.mark.django_db

CONFIRM = reverse("account_email_verification_sent")
SIGN_UP = {
    "full_name": "Maria Silva",
    "email": "maria@example.test",
    "password1": "a-long-and-unusual-passphrase",
    "timezone": "Europe/Lisbon",
}


@pytest.fixture
def clock():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


@pytest.fixture
def signed_up(client, org, clock):
    """Just signed up: the first code went out a moment ago."""
    assert client.post(reverse("account_signup"), SIGN_UP)["Location"] == CONFIRM
    mail.outbox.clear()
    clock.shift(timedelta(seconds=3))
    return client


def test_a_new_code_asked_for_too_soon_answers_the_same_page_with_the_wait(signed_up):
    response = signed_up.post(CONFIRM, {"action": "resend"})

    assert response.status_code == 429
    assert response["Retry-After"] == "7"
    html = response.content.decode()
    assert "You can ask for a new code in 7 seconds." in html
    assert "The code we just sent still works." in html
    assert "<h1>Confirm your email address</h1>" in html
    assert 'name="code"' in html and "maria@example.test" in html  # the page itself, ready for the code
    assert 'class="site-header"' in html
    assert mail.outbox == []


def test_once_the_wait_is_over_the_new_code_goes_out(signed_up, clock):
    signed_up.post(CONFIRM, {"action": "resend"})
    clock.shift(timedelta(seconds=8))

    response = signed_up.post(CONFIRM, {"action": "resend"})

    assert response.status_code == 302
    assert [message.to for message in mail.outbox] == [["maria@example.test"]]
    assert "You can ask for a new code" not in signed_up.get(CONFIRM).content.decode()


def test_the_code_sent_before_the_wait_still_confirms_the_address(signed_up):
    code = signed_up.session["account_email_verification_code"]["code"]
    assert signed_up.post(CONFIRM, {"action": "resend"}).status_code == 429

    response = signed_up.post(CONFIRM, {"code": code})

    assert response.status_code == 302
    assert signed_up.session.get("_auth_user_id")


def test_too_many_password_reset_requests_answer_a_page_of_the_site_with_a_way_on(client, org):
    user = member(org, Membership.Role.PATIENT)
    reset = reverse("account_reset_password")
    for _ in range(5):
        assert client.post(reset, {"email": user.email}).status_code == 302

    response = client.post(reset, {"email": user.email})

    assert response.status_code == 429
    html = response.content.decode()
    assert "Too Many Requests" not in html
    assert "<h1>Too many tries in a row</h1>" in html
    assert "Please wait a minute, then try again." in html
    assert f'<a href="{reset}" role="button">Try again</a>' in html
    assert 'class="site-header"' in html


def test_too_many_failed_sign_ins_say_so_in_plain_words(client, org):
    user = member(org, Membership.Role.PATIENT)
    wrong = client.post(reverse("account_login"), {"login": user.email, "password": "wrong-wrong"})
    assert "The email or password is not right." in wrong.content.decode()
    for _ in range(4):
        client.post(reverse("account_login"), {"login": user.email, "password": "wrong-wrong"})

    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})

    assert response.status_code == 422
    assert "Too many tries in a row. Please wait a few minutes, then try again." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_too_many_code_requests_for_one_address_say_so_in_plain_words(client, org):
    user = member(org, Membership.Role.PATIENT)
    for _ in range(3):
        client.post(reverse("account_request_login_code"), {"email": user.email})
        client.logout()

    response = client.post(reverse("account_request_login_code"), {"email": user.email})

    assert response.status_code == 422
    assert "Too many tries in a row." in response.content.decode()
