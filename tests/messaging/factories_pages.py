"""People in care with a conversation, for the page tests."""

from accounts.models import User
from messaging.models import Conversation
from messaging.services import conversation_open
from organizations.models import Membership
from tests.accounts.factories import UserFactory, enable_totp
from tests.care.factories import CareRelationshipFactory
from tests.organizations.factories import MembershipFactory
from tests.specialists.factories import SpecialistProfileFactory


def patient_of(organization, **user_fields) -> User:
    user = UserFactory(**user_fields)
    MembershipFactory(user=user, organization=organization, role=Membership.Role.PATIENT)
    return user


def specialist_of(organization, *, user=None, **profile_fields):
    """An approved specialist profile of `organization` whose user has a second factor."""
    fields = {"organization": organization, **profile_fields}
    if user is not None:
        fields["user"] = user
    profile = SpecialistProfileFactory(**fields)
    enable_totp(profile.user)
    return profile


def conversation_between(patient, specialist) -> Conversation:
    """An active care relationship of the pair and its open conversation."""
    relationship = CareRelationshipFactory(patient=patient, specialist=specialist)
    return conversation_open(relationship=relationship)
