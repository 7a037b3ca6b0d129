"""Emails go out in the recipient's language, whoever's request sends them."""

import pytest
from django.core import mail
from django.utils import translation

from organizations.models import Membership
from organizations.services import member_invite
from tests.accounts.factories import UserFactory
from tests.conftest import member

pytestmark = pytest.mark.django_db


@pytest.fixture
def rendered_in(monkeypatch):
    """The language each email template was rendered in."""
    import organizations.services

    languages = []
    render = organizations.services.render_to_string

    def spy(name, context=None, *args, **kwargs):
        languages.append(translation.get_language())
        return render(name, context, *args, **kwargs)

    monkeypatch.setattr(organizations.services, "render_to_string", spy)
    return languages


def test_an_invitation_is_in_the_invited_persons_language_not_the_inviters(
    org, rendered_in, django_capture_on_commit_callbacks
):
    admin = member(org, Membership.Role.ADMIN, locale="en")
    invited = UserFactory(locale="es")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        member_invite(organization=org, email=invited.email, role=Membership.Role.SPECIALIST, by=admin, sign_in_url="/")
    assert rendered_in == ["es"]
    assert len(mail.outbox) == 1


def test_a_new_account_starts_in_its_inviters_language(org, rendered_in, django_capture_on_commit_callbacks):
    admin = member(org, Membership.Role.ADMIN, locale="de")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        membership = member_invite(
            organization=org, email="neu@example.test", role=Membership.Role.SPECIALIST, by=admin, sign_in_url="/"
        )
    assert membership.user.locale == "de"
    assert rendered_in == ["de"]


def test_an_unsupported_stored_language_falls_back_to_the_sites():
    assert UserFactory.build(locale="pt").language == "en"
    assert UserFactory.build(locale="").language == "en"
    assert UserFactory.build(locale="de").language == "de"
