"""Messaging reacts to the care relationship: its start opens the pair's
conversation, its end leaves both sides read-only. Signing out closes the
session's sockets."""

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from care.models import CareRelationship
from core import events

from .realtime import end_session
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


@receiver(user_logged_out, dispatch_uid="messaging.sign_out")
def close_sockets(sender, request, user, **kwargs):
    """Signing out closes the session's open sockets at once."""
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if session_key:
        end_session(session_key)
