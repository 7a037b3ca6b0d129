import uuid

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .taxonomy import tag_name


class BaseModel(models.Model):
    """Timestamps and a UUID `public_id`: the only id that appears in URLs."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class AppendOnlyQuerySet(models.QuerySet):
    """Rows are facts: the database refuses UPDATE and DELETE (see migrations)."""

    def update(self, **kwargs):
        raise TypeError(f"{self.model.__name__} is append-only")

    def delete(self):
        raise TypeError(f"{self.model.__name__} is append-only")


class JourneyEvent(models.Model):
    """One step of someone's journey: who did what to which object, and when.

    Feeds timelines, thread notices and funnels. Objects are referred to by
    content type and public id, so any app can record here without core
    knowing its models.
    """

    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    # PROTECT: people with a history are deactivated, never deleted.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verb = models.CharField(max_length=64, db_index=True)
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT)
    object_public_id = models.UUIDField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_public_id"])]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.verb}"


class AuditLog(models.Model):
    """Who touched which health-data object, how, when and from where.

    Append-only. Never holds the data itself: only references to it.
    """

    class Action(models.TextChoices):
        READ = "read", _("Read")
        WRITE = "write", _("Write")
        DOWNLOAD = "download", _("Download")
        EXPORT = "export", _("Export")
        DENIED = "denied", _("Denied")

    at = models.DateTimeField(default=timezone.now, db_index=True)
    # PROTECT: people with a history are deactivated, never deleted.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT)
    object_public_id = models.UUIDField(null=True, blank=True)
    path = models.CharField(max_length=512, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=256, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_public_id"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=["read", "write", "download", "export", "denied"]),
                name="auditlog_action_valid",
            )
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.content_type_id}:{self.object_public_id}"


class Tag(models.Model):
    """The managed taxonomy specialists are described with and patients ask
    for: no free text, so filters and matching compare like with like.

    Reference data shared by patients and specialists (who may not import
    each other), so it lives here, below both.
    """

    class Kind(models.TextChoices):
        SPECIALIZATION = "specialization", _("Specialization")
        APPROACH = "approach", _("Approach")
        LANGUAGE = "language", _("Language")
        MODALITY = "modality", _("Modality")
        JURISDICTION = "jurisdiction", _("Licence jurisdiction")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    slug = models.SlugField(max_length=40)
    name = models.CharField(max_length=80)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [models.UniqueConstraint(fields=["kind", "slug"], name="tag_unique_slug_per_kind")]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the reader's language (core.taxonomy)."""
        return tag_name(self.name)


def portal_choices():
    """The portals a notification can belong to (`core.portals.Portal`).

    A callable, read lazily: `core.portals` imports this module, so this
    module cannot import it while loading.
    """
    from .portals import Portal

    return Portal.choices


class Notification(BaseModel):
    """One line in someone's inbox for one portal: "Your session on Tue 24
    Nov, 09:00 was confirmed", with a link to the page it is about.

    Any app above core may write here. `text` is a plain sentence that never
    carries health details; `url` is a path inside the site.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    portal = models.CharField(max_length=16, choices=portal_choices)
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=500, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "portal", "read_at"])]

    def __str__(self):
        return self.text

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class QueuedTask(models.Model):
    """One piece of follow-up work: a Celery task and its arguments, kept
    until the broker has taken it (`core.outbox`).

    Written in the transaction of the change that calls for it, so a broker
    outage or a crash after the commit cannot lose it; published after the
    commit, and by a once-a-minute sweep while that fails. `args` holds ids
    and short words only, never health data.
    """

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # Why the last publish failed (the broker's error, never task data).
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"], condition=models.Q(dispatched_at__isnull=True), name="core_queuedtask_pending"
            ),
            models.Index(fields=["dispatched_at"], name="core_queuedtask_dispatched"),
        ]

    def __str__(self):
        return f"{self.task}{tuple(self.args)}"
