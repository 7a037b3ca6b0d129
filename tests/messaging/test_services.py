"""Conversations open with the care relationship, close for both sides
when it ends; messages are checked, stored once and announced after commit."""

import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from care.services import care_relationship_end, care_relationship_start
from messaging import selectors, services
from messaging.models import MESSAGE_MAX_LENGTH, Conversation, Message
from tests.accounts.factories import UserFactory
from tests.specialists.factories import SpecialistProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(django_capture_on_commit_callbacks):
    patient, specialist = UserFactory(), SpecialistProfileFactory()
    with django_capture_on_commit_callbacks(execute=True):
        relationship = care_relationship_start(patient=patient, specialist=specialist, source="chosen")
    return relationship


def test_starting_care_opens_one_conversation_both_may_read_and_write(pair):
    conversation = Conversation.objects.get(relationship=pair)
    for user in (pair.patient, pair.specialist.user):
        assert user.has_perm("messaging.view_conversation", conversation)
        assert user.has_perm("messaging.post_in_conversation", conversation)
    outsider = UserFactory()
    assert not outsider.has_perm("messaging.view_conversation", conversation)
    assert list(selectors.conversations_for(outsider)) == []


def test_ending_care_leaves_both_sides_read_only(pair, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        care_relationship_end(relationship=pair, by=pair.specialist.user)
    conversation = Conversation.objects.get(relationship=pair)
    for user in (pair.patient, pair.specialist.user):
        person = type(user).objects.get(pk=user.pk)  # a fresh permission cache
        assert person.has_perm("messaging.view_conversation", conversation)
        assert not person.has_perm("messaging.post_in_conversation", conversation)
        with pytest.raises(PermissionDenied):
            services.message_post(conversation=conversation, author=person, text="Hello?")
    assert not Message.objects.exists()


@pytest.mark.parametrize(("text", "field"), [("   ", "text"), ("x" * (MESSAGE_MAX_LENGTH + 1), "text")])
def test_an_empty_or_over_long_message_is_refused_and_nothing_stored(pair, text, field):
    conversation = Conversation.objects.get(relationship=pair)
    with pytest.raises(ValidationError) as caught:
        services.message_post(conversation=conversation, author=pair.patient, text=text)
    assert field in caught.value.message_dict
    assert not Message.objects.exists()


def test_a_retried_send_is_stored_once_and_unread_counts_follow_read_markers(pair):
    conversation = Conversation.objects.get(relationship=pair)
    client_id = uuid.uuid4()
    first = services.message_post(conversation=conversation, author=pair.patient, text="Hi", client_id=client_id)
    again = services.message_post(conversation=conversation, author=pair.patient, text="Hi", client_id=client_id)
    assert first == again and Message.objects.count() == 1
    specialist = pair.specialist.user
    assert selectors.unread_total(specialist) == 1
    assert selectors.unread_total(pair.patient) == 0  # their own message
    services.conversation_mark_read(conversation=conversation, user=specialist)
    assert selectors.unread_total(specialist) == 0
    conversation.refresh_from_db()
    assert conversation.last_message_at == first.created_at
