import pytest

from care.models import CareRelationship
from care.services import care_relationship_end, care_relationship_start
from core.models import JourneyEvent
from tests.accounts.factories import UserFactory
from tests.specialists.factories import SpecialistProfileFactory

pytestmark = pytest.mark.django_db


def test_starting_twice_keeps_one_active_relationship():
    patient, profile = UserFactory(), SpecialistProfileFactory()
    first = care_relationship_start(patient=patient, specialist=profile, source="chosen")
    second = care_relationship_start(patient=patient, specialist=profile, source="matched")
    assert first == second
    assert CareRelationship.objects.count() == 1
    assert JourneyEvent.objects.filter(verb="care.started").count() == 1


def test_after_ending_a_new_relationship_can_start():
    patient, profile = UserFactory(), SpecialistProfileFactory()
    first = care_relationship_start(patient=patient, specialist=profile, source="chosen")
    care_relationship_end(relationship=first, by=patient)
    second = care_relationship_start(patient=patient, specialist=profile, source="chosen")
    assert second != first and second.status == "active"


def test_the_database_refuses_two_active_relationships_for_one_pair():
    from django.db import IntegrityError, transaction

    patient, profile = UserFactory(), SpecialistProfileFactory()
    care_relationship_start(patient=patient, specialist=profile, source="chosen")
    with pytest.raises(IntegrityError), transaction.atomic():
        CareRelationship.objects.create(patient=patient, specialist=profile, source="chosen")
