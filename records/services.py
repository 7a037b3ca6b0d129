"""Writes of the records app: API tokens and bulk exports.

An export is written by a Celery task, one NDJSON file per FHIR resource
type, a line at a time straight from `records.fhir.organization_resources`,
so no file is ever held in memory. Files are kept `EXPORT_KEEP` and then
deleted by `bulk_exports_expire` (run by beat); a download link lasts
`DOWNLOAD_MAX_AGE`.
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core import outbox
from core.models import AuditLog
from core.services import audit_reads
from organizations.models import Organization

from . import fhir, tasks
from .models import ApiToken, BulkExport, BulkExportFile, export_storage
from .tokens import SHOWN_LENGTH, TOKEN_PREFIX, token_generate, token_hash

logger = logging.getLogger(__name__)

DOWNLOAD_MAX_AGE = timedelta(hours=1)
EXPORT_KEEP = timedelta(days=7)
# An export still queued or running after this lost its worker: it is
# marked failed so the organization can start another.
EXPORT_STALE = timedelta(hours=12)
# `last_used_at` is written at most this often per token, not per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ExportAlreadyRunning(ValidationError):
    def __init__(self):
        super().__init__(
            _("An export of this organization is already running. Wait for it to finish, then start another."),
            code="export_running",
        )


def api_token_create(*, organization: Organization, by, name: str) -> tuple[ApiToken, str]:
    """A new token and its secret, which is returned here and never again."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name, such as the system that will use it.")})
    raw = token_generate()
    with transaction.atomic():
        token = ApiToken.objects.create(
            organization=organization, name=name, prefix=raw[:SHOWN_LENGTH], secret_hash=token_hash(raw), created_by=by
        )
    return token, raw


def api_token_revoke(*, token: ApiToken, by) -> ApiToken:
    """Stop the token working from its next request. Revoking twice is a no-op."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.revoked_by = by
            token.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
    return token


def api_token_authenticate(*, raw: str) -> ApiToken | None:
    """The live token whose secret is `raw`, else None (unknown, forged or
    revoked: the caller cannot tell which)."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    token = (
        ApiToken.objects.select_related("organization")
        .filter(secret_hash=token_hash(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def api_reads_audit(*, request, token: ApiToken, rows) -> list[AuditLog]:
    """One insert per API request: a row naming the token that asked
    (actor None: no person did) and a read row per record it received.
    The rows share the request's path, address and client."""
    return audit_reads(request, [token, *rows])


def bulk_export_start(*, organization: Organization, by=None, api_token: ApiToken | None = None) -> BulkExport:
    """Queue an export of everything the organization holds.

    One export at a time: a second start while one is queued or running
    raises `ExportAlreadyRunning` (the database's partial unique
    constraint settles two simultaneous starts).
    """
    if BulkExport.objects.filter(organization=organization, status__in=BulkExport.ACTIVE).exists():
        raise ExportAlreadyRunning
    try:
        with transaction.atomic():
            export = BulkExport.objects.create(
                organization=organization, requested_by=by, api_token=api_token, types_total=len(fhir.TYPES)
            )
            outbox.enqueue(tasks.run_bulk_export, export.pk)
    except IntegrityError:
        raise ExportAlreadyRunning from None
    return export


def _file_name(export: BulkExport, type_name: str) -> str:
    return f"{export.public_id}/{type_name}.ndjson"


def _write_ndjson(export: BulkExport, type_name: str) -> tuple[str, int, int]:
    """Stream one type's resources to its file; (name, lines, bytes)."""
    storage = export_storage()
    name = _file_name(export, type_name)
    path = storage.path(name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    count = 0
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        for resource in fhir.organization_resources(export.organization, type_name):
            handle.write(fhir.ndjson_line(resource))
            count += 1
    return name, count, os.path.getsize(path)


def bulk_export_run(*, export_id: int) -> BulkExport | None:
    """Write the export's files, one type after the other, counting
    progress as it goes. Runs once: a second delivery of the task finds
    the export no longer queued and returns None."""
    now = timezone.now()
    if not BulkExport.objects.filter(pk=export_id, status=BulkExport.Status.QUEUED).update(
        status=BulkExport.Status.RUNNING, started_at=now, updated_at=now
    ):
        return None
    export = BulkExport.objects.select_related("organization").get(pk=export_id)
    try:
        for position, type_name in enumerate(fhir.TYPES):
            name, count, size = _write_ndjson(export, type_name)
            with transaction.atomic():
                BulkExportFile.objects.create(
                    export=export, type_name=type_name, position=position, file=name, count=count, size_bytes=size
                )
                export.types_done = position + 1
                export.save(update_fields=["types_done", "updated_at"])
    except Exception:
        # Only the ids go to the log: the resources are health data.
        logger.exception("Bulk export %s failed", export.pk)
        _delete_files(export)
        export.status = BulkExport.Status.FAILED
    else:
        export.status = BulkExport.Status.DONE
    export.finished_at = timezone.now()
    export.save(update_fields=["status", "finished_at", "updated_at"])
    return export


def _delete_files(export: BulkExport) -> None:
    storage = export_storage()
    for type_name in fhir.TYPES:
        storage.delete(_file_name(export, type_name))
    folder = storage.path(str(export.public_id))
    if os.path.isdir(folder) and not os.listdir(folder):
        os.rmdir(folder)


def bulk_exports_expire() -> int:
    """Delete the files of exports finished more than `EXPORT_KEEP` ago and
    fail exports whose worker was lost; returns how many exports changed.

    Idempotent: an expired export has no files left to delete.
    """
    now = timezone.now()
    changed = 0
    old = BulkExport.objects.filter(
        status__in=[BulkExport.Status.DONE, BulkExport.Status.FAILED], finished_at__lt=now - EXPORT_KEEP
    )
    stale = BulkExport.objects.filter(status__in=BulkExport.ACTIVE, created_at__lt=now - EXPORT_STALE)
    for export in BulkExport.objects.filter(Q(pk__in=old) | Q(pk__in=stale)):
        _delete_files(export)
        if export.is_active:
            export.status, export.finished_at = BulkExport.Status.FAILED, now
        else:
            export.status, export.files_deleted_at = BulkExport.Status.EXPIRED, now
        export.save(update_fields=["status", "finished_at", "files_deleted_at", "updated_at"])
        changed += 1
    return changed
