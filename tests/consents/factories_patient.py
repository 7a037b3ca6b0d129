"""Factories for the patient's flow tests: published documents and forms,
signatures and responses, written directly (the authoring services have
their own tests)."""

import copy

import factory
from django.utils import timezone

from consents.models import (
    CareContext,
    ConsentDocument,
    ConsentSignature,
    ConsentVersion,
    FormResponse,
    FormVersion,
    IntakeForm,
)
from consents.services import content_hash
from tests.accounts.factories import UserFactory
from tests.organizations.factories import OrganizationFactory
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

SIMPLE_SCHEMA = {
    "sections": [
        {
            "title": "About you",
            "questions": [
                {"id": "reason", "type": "long_text", "label": "What brings you here?", "required": True},
                {"id": "sleep", "type": "scale", "label": "How well do you sleep?", "required": False},
                {"id": "first", "type": "yes_no", "label": "Is this your first time in therapy?", "required": True},
                {
                    "id": "topics",
                    "type": "multiple_choice",
                    "label": "Topics",
                    "required": False,
                    "options": ["Work", "Family", "Sleep"],
                },
            ],
        }
    ]
}


class ConsentDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsentDocument

    organization = factory.SubFactory(OrganizationFactory)
    title = factory.Sequence(lambda n: f"Consent {n:03d}")
    kind = ConsentDocument.Kind.TREATMENT


class ConsentVersionFactory(factory.django.DjangoModelFactory):
    """A published version (pass `published_at=None` for a draft)."""

    class Meta:
        model = ConsentVersion

    document = factory.SubFactory(ConsentDocumentFactory)
    number = factory.Sequence(lambda n: n + 1)
    summary = "We treat you with care; you can stop at any time."
    body = "## Your treatment\n\nYou agree to **online sessions**.\n\n- Point one\n- Point two"
    published_at = factory.LazyFunction(timezone.now)
    content_hash = factory.LazyAttribute(lambda o: content_hash(o.summary, o.body) if o.published_at else "")


def published_document(*, summary=None, body=None, **document_fields) -> ConsentVersion:
    """A document in use with one published version 1; returns the version."""
    texts = {name: value for name, value in (("summary", summary), ("body", body)) if value is not None}
    return ConsentVersionFactory(document=ConsentDocumentFactory(**document_fields), number=1, **texts)


class ConsentSignatureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsentSignature

    patient = factory.SubFactory(UserFactory)
    version = factory.SubFactory(ConsentVersionFactory)
    typed_name = factory.SelfAttribute("patient.full_name")
    signed_at = factory.LazyFunction(timezone.now)
    ip_address = "203.0.113.7"
    content_hash = factory.SelfAttribute("version.content_hash")


class IntakeFormFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IntakeForm

    organization = factory.SubFactory(OrganizationFactory)
    title = factory.Sequence(lambda n: f"Intake form {n:03d}")


class FormVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FormVersion

    form = factory.SubFactory(IntakeFormFactory)
    number = 1
    schema = factory.LazyFunction(lambda: copy.deepcopy(SIMPLE_SCHEMA))
    published_at = factory.LazyFunction(timezone.now)


def published_form(**form_fields) -> FormVersion:
    return FormVersionFactory(form=IntakeFormFactory(**form_fields))


class FormResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FormResponse

    patient = factory.SubFactory(UserFactory)
    version = factory.SubFactory(FormVersionFactory)
    specialist = factory.SubFactory(SpecialistProfileFactory)
    answers = ""


class CareContextFactory(factory.django.DjangoModelFactory):
    """The patient booked `offering` (as booking's receiver records it)."""

    class Meta:
        model = CareContext

    patient = factory.SubFactory(UserFactory)
    offering = factory.SubFactory(OfferingFactory)
    specialist = factory.SelfAttribute("offering.specialist")
