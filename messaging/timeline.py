"""The conversation on a patient's record (core.timeline): how many
messages each side wrote and when the last one came; never their text.
Also the record's "Message" link while the pair's care is active."""

from __future__ import annotations

from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import timeline

from .models import Conversation, Message
from .selectors import conversation_open_between


def summary(scope: timeline.Scope):
    text = Q(messages__kind=Message.Kind.TEXT)
    conversations = Conversation.objects.filter(
        relationship__patient=scope.patient, relationship__specialist=scope.specialist
    ).annotate(
        from_patient=Count("messages", filter=text & Q(messages__author=scope.patient)),
        from_specialist=Count("messages", filter=text & Q(messages__author=scope.specialist.user_id)),
        last_at=Max("messages__created_at", filter=text),
    )
    for conversation in conversations:
        if conversation.last_at is None:
            continue
        from_patient = ngettext(
            "%(count)d message from the patient", "%(count)d messages from the patient", conversation.from_patient
        ) % {"count": conversation.from_patient}
        from_you = ngettext("%(count)d from you", "%(count)d from you", conversation.from_specialist) % {
            "count": conversation.from_specialist
        }
        yield timeline.Entry(
            at=conversation.last_at,
            kind="conversation",
            title=_("Last message in the conversation"),
            body=f"{from_patient} · {from_you}",
            url=reverse("messaging:specialist-thread", args=[conversation.public_id]),
        )


def message_link(scope: timeline.Scope):
    if not scope.is_current:
        return
    conversation = conversation_open_between(patient=scope.patient, specialist=scope.specialist)
    if conversation is not None:
        yield timeline.Link(_("Message"), reverse("messaging:specialist-thread", args=[conversation.public_id]), 10)


def register() -> None:
    timeline.register(summary)
    timeline.register_links(message_link)
