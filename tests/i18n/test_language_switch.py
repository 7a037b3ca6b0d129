"""The language switcher, the choice stored on the account, and its use on every request."""

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from organizations.services import terms_publish
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

COOKIE = settings.LANGUAGE_COOKIE_NAME


def switch(client, language, next_url="/"):
    return client.post(reverse("accounts:language"), {"language": language, "next": next_url})


def test_every_page_offers_the_switcher_in_each_languages_own_name(client):
    page = client.get(reverse("account_login")).content.decode()
    assert f'action="{reverse("accounts:language")}"' in page
    for code, name in [("en", "English"), ("de", "Deutsch"), ("es", "Español")]:
        assert f'value="{code}" lang="{code}"' in page
        assert name in page


def test_a_visitor_choice_lives_in_the_cookie(client):
    response = switch(client, "de", next_url=reverse("account_login"))
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login")
    assert response.cookies[COOKIE].value == "de"
    page = client.get(reverse("account_login"))
    assert page["Content-Language"] == "de"
    assert '<html lang="de"' in page.content.decode()


def test_a_signed_in_choice_is_stored_on_the_account_and_applied_on_every_request(client):
    user = UserFactory(locale="en")
    client.force_login(user)
    assert switch(client, "es", next_url=reverse("accounts:settings")).status_code == 302
    user.refresh_from_db()
    assert user.locale == "es"
    # Another device, with a browser asking for German and no cookie: the account wins.
    other = client.__class__(HTTP_ACCEPT_LANGUAGE="de")
    other.force_login(user)
    page = other.get(reverse("accounts:settings"))
    assert page["Content-Language"] == "es"
    assert '<html lang="es"' in page.content.decode()
    # … and that device's cookie follows the account, for after signing out.
    assert page.cookies[COOKIE].value == "es"


def test_signing_in_applies_the_stored_language_over_the_cookie(client):
    user = UserFactory(locale="de")
    client.cookies[COOKIE] = "es"
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.cookies[COOKIE].value == "de"
    assert client.get(reverse("accounts:settings"))["Content-Language"] == "de"


def test_signing_up_stores_the_language_signed_up_in(client, org):
    documents = [
        terms_publish(organization=org, kind="terms", title="Terms of Service", body="Terms."),
        terms_publish(organization=org, kind="privacy", title="Privacy Notice", body="Privacy."),
    ]
    switch(client, "es")
    response = client.post(
        reverse("account_signup"),
        {
            "full_name": "Lucía Pérez",
            "email": "lucia@example.test",
            "password1": "a-long-and-unusual-passphrase",
            "timezone": "Europe/Madrid",
            "accept_terms": "on",
            "shown_documents": ",".join(str(d.public_id) for d in documents),
        },
    )
    assert response.status_code == 302
    assert User.objects.get(email="lucia@example.test").locale == "es"


@pytest.mark.parametrize("language", ["fr", "", "de\x00"])
def test_an_unknown_language_is_refused_and_nothing_changes(client, language):
    user = UserFactory(locale="de")
    client.force_login(user)
    response = switch(client, language)
    assert response.status_code == 400
    assert COOKIE not in response.cookies or response.cookies[COOKIE].value == "de"
    user.refresh_from_db()
    assert user.locale == "de"


def test_the_switcher_only_goes_back_to_our_own_pages(client):
    response = switch(client, "de", next_url="https://evil.example/phish")
    assert response["Location"] == "/"


def test_the_switcher_takes_posts_only(client):
    assert client.get(reverse("accounts:language")).status_code == 405


def test_a_password_reset_email_goes_out_in_the_account_language_not_the_visitors(client, monkeypatch):
    from allauth.account.adapter import DefaultAccountAdapter

    rendered_in = []
    render_mail = DefaultAccountAdapter.render_mail

    def spy(self, template_prefix, email, context, headers=None):
        rendered_in.append(translation.get_language())
        return render_mail(self, template_prefix, email, context, headers=headers)

    monkeypatch.setattr(DefaultAccountAdapter, "render_mail", spy)
    user = UserFactory(locale="de")
    switch(client, "es")
    client.post(reverse("account_reset_password"), {"email": user.email})
    assert len(mail.outbox) == 1
    assert rendered_in == ["de"]
