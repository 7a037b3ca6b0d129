"""Reads of messaging, already narrowed to what the user may see."""

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from guardian.shortcuts import get_objects_for_user

from booking.models import Appointment
from care.models import CareRelationship
from core.selectors import get_for_user

from .models import Conversation, Message, ReadMarker

PAGE_SIZE = 30


def conversations_for(user) -> QuerySet[Conversation]:
    """The conversations `user` may read (guardian object permissions)."""
    return get_objects_for_user(user, "messaging.view_conversation", Conversation, accept_global_perms=False)


def conversation_get_for_user(*, user, public_id) -> Conversation:
    queryset = conversations_for(user).select_related(
        "relationship__patient", "relationship__specialist__user", "relationship__specialist__organization"
    )
    return get_for_user(queryset, public_id)


def conversation_for_appointment(*, user, appointment_public_id) -> Conversation:
    """The conversation of an appointment's pair, for its patient or its
    specialist while their care lasts (the chat beside a video call); 404
    for anyone else, and once care ended."""
    appointment = get_for_user(
        Appointment.objects.filter(Q(patient=user) | Q(specialist__user=user)).only(
            "public_id", "patient_id", "specialist_id"
        ),
        appointment_public_id,
    )
    conversation = (
        conversations_for(user)
        .filter(
            relationship__patient_id=appointment.patient_id,
            relationship__specialist_id=appointment.specialist_id,
            relationship__status=CareRelationship.Status.ACTIVE,
        )
        .select_related("relationship__patient", "relationship__specialist__user")
        .first()
    )
    if conversation is None:
        raise Http404
    return conversation


def conversation_open_between(*, patient, specialist) -> Conversation | None:
    """The pair's conversation while their care lasts (both may write)."""
    return (
        Conversation.objects.filter(
            relationship__patient=patient,
            relationship__specialist=specialist,
            relationship__status=CareRelationship.Status.ACTIVE,
        )
        .only("public_id")
        .first()
    )


def unread_counts(user, conversation_ids) -> dict[int, int]:
    """Unread messages per conversation: one query."""
    marker = ReadMarker.objects.filter(conversation=OuterRef("conversation"), user=user).values("read_up_to")[:1]
    rows = (
        Message.objects.filter(conversation_id__in=list(conversation_ids))
        .exclude(author=user)
        .annotate(marker=Subquery(marker))
        .filter(Q(marker__isnull=True) | Q(created_at__gt=F("marker")))
        .values("conversation_id")
        .annotate(n=Count("pk"))
        .values_list("conversation_id", "n")
    )
    return dict(rows)


def unread_total(user) -> int:
    """All of `user`'s unread messages (the nav badge): two queries."""
    return sum(unread_counts(user, conversations_for(user).values_list("pk", flat=True)).values())


def inbox_for(user) -> list[Conversation]:
    """`user`'s conversations, latest activity first, each with
    `unread` set: a fixed number of queries."""
    conversations = list(
        conversations_for(user)
        .select_related("relationship__patient", "relationship__specialist__user")
        .order_by(F("last_message_at").desc(nulls_last=True), "-created_at")
    )
    counts = unread_counts(user, [conversation.pk for conversation in conversations])
    for conversation in conversations:
        conversation.unread = counts.get(conversation.pk, 0)
    return conversations


def messages_page(conversation: Conversation, *, before=None, limit: int = PAGE_SIZE) -> list[Message]:
    """The latest `limit` messages (before a message's time, to page back),
    oldest first."""
    queryset = conversation.messages.select_related("author")
    if before is not None:
        queryset = queryset.filter(created_at__lt=before)
    return list(reversed(queryset.order_by("-created_at", "-id")[:limit]))


def messages_after(conversation: Conversation, *, after, limit: int | None = None) -> list[Message]:
    """What a reconnecting client missed: the first `limit` of it, when given."""
    queryset = conversation.messages.select_related("author").filter(created_at__gt=after).order_by("created_at", "id")
    return list(queryset[:limit])
