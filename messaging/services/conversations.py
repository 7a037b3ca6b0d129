from django.db import transaction
from guardian.shortcuts import assign_perm, remove_perm

from care.models import CareRelationship
from core.services import journey_event_record

from ..models import Conversation, ReadMarker
from ..realtime import broadcast, tell_user

VIEW = "messaging.view_conversation"
POST = "messaging.post_in_conversation"


@transaction.atomic
def conversation_open(*, relationship: CareRelationship) -> Conversation:
    """The pair's one conversation (created once), readable and writable by
    both of them. Idempotent: a relationship started again reopens it."""
    conversation, created = Conversation.objects.get_or_create(relationship=relationship)
    for user in (relationship.patient, relationship.specialist.user):
        assign_perm(VIEW, user, conversation)
        assign_perm(POST, user, conversation)
        ReadMarker.objects.get_or_create(conversation=conversation, user=user)
    if created:
        journey_event_record(actor=None, verb="conversation.opened", obj=conversation)
        people = (relationship.patient_id, relationship.specialist.user_id)

        def announce():
            # Their open navigation sockets count this conversation from now on.
            for user_id in people:
                tell_user(user_id, {"type": "unread.changed", "conversations": True})

        transaction.on_commit(announce)
    return conversation


@transaction.atomic
def conversation_close(*, relationship: CareRelationship) -> Conversation | None:
    """The relationship ended: both sides keep the history to read, neither
    posts any more (the thread's panel arranges nothing either), and every
    open socket of the conversation is told to close at once.
    """
    conversation = Conversation.objects.filter(relationship=relationship).first()
    if conversation is None:
        return None
    for user in (relationship.patient, relationship.specialist.user):
        remove_perm(POST, user, conversation)
    journey_event_record(actor=None, verb="conversation.closed", obj=conversation)
    transaction.on_commit(lambda: broadcast(conversation, {"type": "conversation.closed"}))
    return conversation
