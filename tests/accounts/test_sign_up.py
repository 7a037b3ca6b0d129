import pytest
import time_machine
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.urls import reverse

from accounts.models import User
from organizations.models import Membership, TermsAcceptance
from organizations.services import terms_publish
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def documents(org):
    return [
        terms_publish(organization=org, kind="terms", title="Terms of Service", body="Terms."),
        terms_publish(organization=org, kind="privacy", title="Privacy Notice", body="Privacy."),
    ]


def _form(documents, **overrides):
    data = {
        "full_name": "Maria Silva",
        "email": "maria@example.test",
        "password1": "a-long-and-unusual-passphrase",
        "timezone": "America/Sao_Paulo",
        "accept_terms": "on",
        "shown_documents": ",".join(str(d.public_id) for d in documents),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_signing_up_makes_a_patient_who_accepted_these_exact_versions(client, org, documents):
    response = client.post(
        reverse("account_signup"), _form(documents), HTTP_USER_AGENT="Firefox/140", REMOTE_ADDR="198.51.100.4"
    )
    assert response.status_code == 302
    user = User.objects.get(email="maria@example.test")
    assert (user.full_name, user.timezone) == ("Maria Silva", "America/Sao_Paulo")
    assert Membership.objects.get(user=user).role == Membership.Role.PATIENT
    accepted = TermsAcceptance.objects.filter(user=user).order_by("document__kind")
    assert [(a.document.kind, a.document.version, a.ip_address) for a in accepted] == [
        ("privacy", 1, "198.51.100.4"),
        ("terms", 1, "198.51.100.4"),
    ]
    assert accepted[0].user_agent == "Firefox/140"
    assert "verification" in mail.outbox[-1].subject.lower() or "confirm" in mail.outbox[-1].subject.lower()


def test_sign_up_without_accepting_the_terms_is_refused_and_stores_nothing(client, org, documents):
    response = client.post(reverse("account_signup"), _form(documents, accept_terms=None))
    assert response.status_code == 422
    assert "Please accept the Terms of Service" in response.content.decode()
    assert not User.objects.exists()


def test_an_invalid_time_zone_is_refused(client, org, documents):
    response = client.post(reverse("account_signup"), _form(documents, timezone="Mars/Olympus"))
    assert response.status_code == 422
    assert "is not a time zone we know" in response.content.decode()
    assert not User.objects.exists()


def test_terms_changed_while_signing_up_must_be_read_again(client, org, documents):
    form = _form(documents)
    terms_publish(organization=org, kind="terms", title="Terms of Service", body="New terms.")
    response = client.post(reverse("account_signup"), form)
    assert response.status_code == 422
    assert "terms were updated" in response.content.decode()
    assert not User.objects.exists()


def test_a_duplicate_email_looks_like_success_and_stores_nothing(client, org, documents):
    with time_machine.travel("2026-03-01 10:00Z"):
        client.post(reverse("account_signup"), _form(documents))
        client.logout()
    mail.outbox.clear()
    with time_machine.travel("2026-03-01 10:05Z"):  # past the per-address email cool-down
        fresh = client.post(reverse("account_signup"), _form(documents, email="new@example.test"))
        client.logout()
        duplicate = client.post(reverse("account_signup"), _form(documents, full_name="Someone Else"))
    assert duplicate.status_code == fresh.status_code == 302
    assert duplicate["Location"] == fresh["Location"]
    assert User.objects.filter(email="maria@example.test").get().full_name == "Maria Silva"
    assert User.objects.count() == 2
    assert any("maria@example.test" in message.to for message in mail.outbox)


def test_weak_passwords_are_refused(client, org, documents):
    response = client.post(reverse("account_signup"), _form(documents, password1="password"))
    assert response.status_code == 422
    assert not User.objects.exists()


def test_an_email_with_an_account_costs_the_same_work_as_a_new_one(client, org, documents, monkeypatch):
    """Both answers hash a password once and send one email: the time they
    take does not tell which emails have an account (bench/signup.py
    measures it)."""
    UserFactory(email="known@example.test")
    hashed = []
    encode = MD5PasswordHasher.encode

    def counting(self, password, salt):
        hashed.append(password)
        return encode(self, password, salt)

    monkeypatch.setattr(MD5PasswordHasher, "encode", counting)
    work = {}
    for email in ("known@example.test", "new@example.test"):
        hashed.clear()
        mail.outbox.clear()
        response = client.post(reverse("account_signup"), _form(documents, email=email))
        client.logout()
        work[email] = (response.status_code, response["Location"], len(hashed), [m.to for m in mail.outbox])
    assert work["known@example.test"] == (302, reverse("account_email_verification_sent"), 1, [["known@example.test"]])
    assert work["new@example.test"] == (302, reverse("account_email_verification_sent"), 1, [["new@example.test"]])
    assert User.objects.filter(email="known@example.test").count() == 1
