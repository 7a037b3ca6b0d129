"""A patient's copy of their record (`DataExport`) and their request to be
forgotten (`DeletionRequest`). What erasure removes and keeps is written in
`privacy.services.deletion`."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel
from core.storage import PrivateStorage

_export_storage = PrivateStorage("data-exports")


def export_storage() -> PrivateStorage:
    """Where the zips are kept (a callable, so migrations keep a reference)."""
    return _export_storage


def export_upload_to(instance, filename):
    # A random name: the file is reachable only through the owner's
    # download view, never by URL.
    return f"{instance.public_id}/{uuid.uuid4().hex}.zip"


class DataExport(BaseModel):
    """One "download my data" zip, built in the background and kept until
    `expires_at`, when the sweep deletes the file."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        BUILDING = "building", _("Being prepared")
        READY = "ready", _("Ready to download")
        FAILED = "failed", _("Could not be prepared")
        EXPIRED = "expired", _("Expired")

    IN_PROGRESS = (Status.QUEUED, Status.BUILDING)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    # Progress for the page: parts of the zip written out of all parts.
    steps_done = models.PositiveSmallIntegerField(default=0)
    steps_total = models.PositiveSmallIntegerField(default=0)
    file = models.FileField(upload_to=export_upload_to, storage=export_storage, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "building", "ready", "failed", "expired"]),
                name="data_export_status_valid",
            ),
            # One zip in the making per person: a double click starts one.
            models.UniqueConstraint(
                fields=["user"], condition=Q(status__in=["queued", "building"]), name="data_export_one_in_progress"
            ),
        ]

    def __str__(self):
        return f"Data export {self.public_id} ({self.status})"

    @property
    def is_in_progress(self) -> bool:
        return self.status in self.IN_PROGRESS

    @property
    def percent(self) -> int:
        if not self.steps_total:
            return 0
        return min(100, round(100 * self.steps_done / self.steps_total))


class DeletionRequest(BaseModel):
    """A patient asked for their account to be deleted. The account is
    deactivated at once; their personal data is erased after `erase_after`
    (the longest record retention of their organizations)."""

    # PROTECT: the request outlives the erasure, as its proof.
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="deletion_request")
    retention_years = models.PositiveSmallIntegerField()
    erase_after = models.DateTimeField(db_index=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Deletion request {self.public_id}"
