import factory

from organizations.models import Membership, Organization, Program, TermsDocument
from tests.accounts.factories import UserFactory


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Clinic {n}")
    slug = factory.Sequence(lambda n: f"clinic-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Membership.Role.PATIENT


class TermsDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TermsDocument

    organization = factory.SubFactory(OrganizationFactory)
    kind = TermsDocument.Kind.TERMS
    version = factory.Sequence(lambda n: n + 1)
    title = "Terms of Service"
    body = "Be kind."


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Program {n}")
    enrolment_code = factory.Sequence(lambda n: f"CODE{n:04d}")
