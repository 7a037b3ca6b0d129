import logging
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from core import ratelimit

from ..models import MESSAGE_MAX_LENGTH, Conversation, Message, ReadMarker
from ..realtime import broadcast, tell_user
from .conversations import POST

logger = logging.getLogger(__name__)

# A person writes a few messages a minute; more than this is a script.
SEND_LIMIT = 20
SEND_WINDOW_SECONDS = 60


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


def _within_send_limit(author) -> bool:
    """Count one message of `author` against SEND_LIMIT per window.

    With the cache down the message goes through: losing messages for the
    length of an outage would hurt more than a burst that is not slowed.
    """
    try:
        return ratelimit.allow(f"message:{author.pk}", limit=SEND_LIMIT, window_seconds=SEND_WINDOW_SECONDS)
    except RedisError as error:
        logger.warning("message rate limit not checked: cache unavailable (%s)", type(error).__name__)
        return True


def message_post(
    *, conversation: Conversation, author, text: str, client_id: uuid.UUID | None = None, attachment=None
) -> Message:
    """A participant's message: plain text (up to 10,000 characters) and/or
    one checked attachment (`messaging.attachments.checked_upload`).

    Each sender may post SEND_LIMIT messages a minute, over HTTP and the
    socket together; beyond that a ValidationError with code
    "rate_limited" is raised and nothing is stored.
    """
    if not author.has_perm(POST, conversation):
        raise PermissionDenied(_("You can no longer write in this conversation."))
    text = (text or "").strip()
    if not text and attachment is None:
        raise ValidationError({"text": _("Write a message or attach a file.")})
    if len(text) > MESSAGE_MAX_LENGTH:
        raise ValidationError({"text": _("Please keep a message under %(n)d characters.") % {"n": MESSAGE_MAX_LENGTH}})
    if not _within_send_limit(author):
        raise ValidationError(
            _("You are sending messages very quickly. Please wait a minute, then send again."), code="rate_limited"
        )
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
