"""API tokens of an organization's systems and its bulk FHIR exports.

A token's secret is shown once, when it is made; only its SHA-256 hash is
kept, with a short prefix that lets people tell their tokens apart. Export
files live in private storage (no URL serves them) and are handed out by
the download view only, through signed links that expire.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel
from core.storage import PrivateStorage
from organizations.models import Organization

_export_storage = PrivateStorage("fhir-exports")


def export_storage() -> PrivateStorage:
    """A callable, so migrations keep a reference rather than a path."""
    return _export_storage


class ApiToken(BaseModel):
    """Read-only access to one organization's FHIR API for one system."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    # The token's first characters, shown so people recognise it.
    prefix = models.CharField(max_length=16)
    secret_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class BulkExport(BaseModel):
    """One export of everything an organization holds, one NDJSON file per
    FHIR resource type (the FHIR Bulk Data convention)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")  # waiting for a worker
        RUNNING = "running", _("Running")  # files being written
        DONE = "done", _("Ready")  # every file written
        FAILED = "failed", _("Failed")  # stopped; files written so far removed
        EXPIRED = "expired", _("Expired")  # files deleted after the keeping period

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="bulk_exports")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A token that asked for it through the API's $export (else a person did).
    api_token = models.ForeignKey(ApiToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    types_total = models.PositiveSmallIntegerField(default=0)
    types_done = models.PositiveSmallIntegerField(default=0)
    # When the export began reading: the Bulk Data manifest's transactionTime.
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    files_deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "running", "done", "failed", "expired"]),
                name="bulkexport_status_valid",
            ),
            # One export at a time per organization, kept by the database.
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(status__in=["queued", "running"]),
                name="bulkexport_one_active_per_organization",
            ),
        ]

    def __str__(self):
        return f"{self.organization} export {self.created_at:%Y-%m-%d %H:%M} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE


class BulkExportFile(BaseModel):
    """The NDJSON file of one resource type in an export."""

    export = models.ForeignKey(BulkExport, on_delete=models.CASCADE, related_name="files")
    type_name = models.CharField(max_length=64)
    position = models.PositiveSmallIntegerField()
    file = models.FileField(storage=export_storage, max_length=200, blank=True)
    count = models.PositiveIntegerField(default=0)
    size_bytes = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["export", "type_name"], name="bulkexportfile_one_per_type"),
        ]

    def __str__(self):
        return f"{self.type_name}.ndjson ({self.count})"
