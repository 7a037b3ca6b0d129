"""Authoring helpers for tests: documents and forms made through the
services, so their versions follow the real rules."""

from consents.models import ConsentSettings
from consents.services import authoring
from organizations.models import Membership
from specialists.services import specialist_profile_get_or_create
from tests.conftest import member


def admin_of(organization):
    return member(organization, Membership.Role.ADMIN, staff=True)


def specialist_of(organization):
    user = member(organization, Membership.Role.SPECIALIST, staff=True)
    return specialist_profile_get_or_create(user=user)


def allow_specialists(organization, allowed=True):
    ConsentSettings.objects.update_or_create(organization=organization, defaults={"specialists_may_write": allowed})


def published_document(organization, by, *, title="Consent to treatment", specialist=None, **settings):
    document = authoring.consent_document_create(
        organization=organization, by=by, title=title, specialist=specialist, **settings
    )
    authoring.consent_draft_save(
        document=document, by=by, summary="You agree to treatment.", body="# Treatment\n\nText."
    )
    authoring.consent_publish(document=document, by=by)
    return document


def draft_form(organization, by, *, specialist=None, template_key="", title="Intake"):
    return authoring.intake_form_create(
        organization=organization, by=by, title=title, specialist=specialist, template_key=template_key
    )


def question(label="How are you?", kind="short_text", **fields):
    return authoring.build_question(kind=kind, label=label, **fields)
