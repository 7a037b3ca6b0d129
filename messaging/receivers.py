"""Messaging reacts to the care relationship: its start opens the pair's
conversation, its end leaves both sides read-only."""

from django.dispatch import receiver

from care.models import CareRelationship
from core import events

from .services import conversation_close, conversation_open


@receiver(events.care_relationship_started, dispatch_uid="messaging.open")
def open_conversation(sender, care_relationship_id, **kwargs):
    conversation_open(
        relationship=CareRelationship.objects.select_related("specialist__user").get(pk=care_relationship_id)
    )


@receiver(events.care_relationship_ended, dispatch_uid="messaging.close")
def close_conversation(sender, care_relationship_id, **kwargs):
    conversation_close(
        relationship=CareRelationship.objects.select_related("specialist__user").get(pk=care_relationship_id)
    )
