import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import MESSAGE_MAX_LENGTH, Conversation, Message, ReadMarker
from ..realtime import broadcast, tell_user
from .conversations import POST


def _participants(conversation: Conversation) -> list[int]:
    relationship = conversation.relationship
    return [relationship.patient_id, relationship.specialist.user_id]


def _announce(message: Message) -> None:
    """After commit: the message to everyone watching the conversation, and
    a nudge to each participant's other pages (their unread counts)."""
    conversation = message.conversation

    def send():
        broadcast(conversation, {"type": "message.new", "message_id": message.pk})
        for user_id in _participants(conversation):
            tell_user(user_id, {"type": "unread.changed"})

    transaction.on_commit(send)


def _store(message: Message) -> Message:
    conversation = message.conversation
    with transaction.atomic():
        try:
            with transaction.atomic():
                message.save()
        except IntegrityError:
            # The same client id again (a retried send): the first one stands.
            return Message.objects.get(conversation=conversation, author=message.author, client_id=message.client_id)
        Conversation.objects.filter(pk=conversation.pk).update(last_message_at=message.created_at)
        _announce(message)
    return message


def message_post(
    *, conversation: Conversation, author, text: str, client_id: uuid.UUID | None = None, attachment=None
) -> Message:
    """A participant's message: plain text (up to 10,000 characters) and/or
    one checked attachment (`messaging.attachments.checked_upload`)."""
    if not author.has_perm(POST, conversation):
        raise PermissionDenied(_("You can no longer write in this conversation."))
    text = (text or "").strip()
    if not text and attachment is None:
        raise ValidationError({"text": _("Please write a message.")})
    if len(text) > MESSAGE_MAX_LENGTH:
        raise ValidationError({"text": _("Please keep a message under %(n)d characters.") % {"n": MESSAGE_MAX_LENGTH}})
    message = Message(conversation=conversation, author=author, text=text, client_id=client_id)
    if attachment is not None:
        message.attachment = attachment.file
        message.attachment_name = attachment.name
        message.attachment_type = attachment.content_type
        message.attachment_size = attachment.size
    return _store(message)


def notice_post(*, conversation: Conversation, verb: str, text: str, caused_by=None) -> Message:
    """A short system notice ("Session on Tue 24 Nov confirmed"), styled apart;
    unread for the side that did not cause it."""
    return _store(Message(conversation=conversation, kind=Message.Kind.NOTICE, verb=verb, text=text, author=caused_by))


def conversation_mark_read(*, conversation: Conversation, user, up_to=None) -> ReadMarker:
    """`user` has seen everything up to `up_to` (default: now). Never moves back."""
    up_to = up_to or timezone.now()
    marker, _created = ReadMarker.objects.get_or_create(conversation=conversation, user=user)
    if marker.read_up_to is None or up_to > marker.read_up_to:
        marker.read_up_to = up_to
        marker.save(update_fields=["read_up_to"])

        def send():
            # The other side sees "Seen"; the reader's other pages drop the badge.
            broadcast(conversation, {"type": "read.changed", "user_id": user.pk, "read_up_to": up_to.isoformat()})
            tell_user(user.pk, {"type": "unread.changed"})

        transaction.on_commit(send)
    return marker
