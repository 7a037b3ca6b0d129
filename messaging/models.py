"""One conversation per care relationship: its messages (people's and the
system's notices), attachments and each participant's read marker.

Who may read and post is decided by django-guardian object permissions,
granted and revoked only by `messaging.services` (a relationship that ends
leaves both sides read-only).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedTextField

from care.models import CareRelationship
from core.models import BaseModel

from .attachments import private_storage, stored_extension

MESSAGE_MAX_LENGTH = 10_000


class Conversation(BaseModel):
    relationship = models.OneToOneField(CareRelationship, on_delete=models.PROTECT, related_name="conversation")
    # Denormalised for the inbox's order; set with every new message.
    last_message_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        permissions = [("post_in_conversation", "Can post in the conversation")]

    def __str__(self):
        return f"Conversation of {self.relationship_id}"


def attachment_upload_to(instance, filename):
    # Never the uploaded name as a path: a random one, with the extension
    # of the type the content proved, kept out of the public media.
    name = f"{uuid.uuid4().hex}{stored_extension(instance.attachment_type)}"
    return f"private/messages/{instance.conversation.public_id}/{name}"


class Message(BaseModel):
    class Kind(models.TextChoices):
        TEXT = "text", _("Message")
        NOTICE = "notice", _("Notice")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.TEXT)
    # The writer of a message, or who caused a notice (None: the system).
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Health data: encrypted at rest. NULL when empty (an attachment alone).
    text = EncryptedTextField(blank=True, null=True, default="")
    # Notices: what happened ("appointment.confirmed"), for styling and tests.
    verb = models.CharField(max_length=64, blank=True)
    # The sender's own id for the message: a retried send is stored once.
    client_id = models.UUIDField(null=True, blank=True)
    # Kept outside MEDIA_ROOT and served only by the participants' download view.
    attachment = models.FileField(upload_to=attachment_upload_to, storage=private_storage, blank=True)
    attachment_name = models.CharField(max_length=200, blank=True)
    attachment_type = models.CharField(max_length=64, blank=True)
    attachment_size = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["conversation", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "author", "client_id"],
                condition=Q(client_id__isnull=False),
                name="message_client_id_once",
            ),
            models.CheckConstraint(condition=Q(kind__in=["text", "notice"]), name="message_kind_valid"),
        ]

    def __str__(self):
        return f"{self.kind} in {self.conversation_id} at {self.created_at:%Y-%m-%d %H:%M}"


class ReadMarker(models.Model):
    """How far one participant has read: everything created at or before
    `read_up_to` (and their own messages) counts as read."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="read_markers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_up_to = models.DateTimeField(null=True, blank=True)
    # The unread-message email: when the last one was sent (a burst sends one).
    emailed_at = models.DateTimeField(null=True, blank=True)
    # Set while one is being sent, committed before it goes out: a worker
    # killed mid-send leaves it set, and that email is never sent again.
    email_claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["conversation", "user"], name="read_marker_once")]

    def __str__(self):
        return f"{self.user_id} read {self.conversation_id} up to {self.read_up_to}"
