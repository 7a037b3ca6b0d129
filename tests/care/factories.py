import factory

from care.models import CareRelationship
from tests.accounts.factories import UserFactory
from tests.specialists.factories import SpecialistProfileFactory


class CareRelationshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CareRelationship

    patient = factory.SubFactory(UserFactory)
    specialist = factory.SubFactory(SpecialistProfileFactory)
    source = CareRelationship.Source.CHOSEN
