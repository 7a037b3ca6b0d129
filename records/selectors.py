"""Reads of the records app, each narrowed to one organization."""

from __future__ import annotations

import uuid

from django.db.models import Model, QuerySet
from django.http import Http404

from core.selectors import get_for_user
from organizations.models import Organization

from .models import ApiToken, BulkExport, BulkExportFile

EXPORTS_SHOWN = 10


def api_token_list_for_organization(*, organization: Organization) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(organization=organization).select_related("created_by", "revoked_by")


def api_token_get_for_admin(*, organization: Organization, public_id) -> ApiToken:
    return get_for_user(ApiToken.objects.filter(organization=organization), public_id)


def bulk_export_list_for_organization(*, organization: Organization) -> list[BulkExport]:
    """The newest exports with their files (two queries)."""
    return list(
        BulkExport.objects.filter(organization=organization)
        .select_related("requested_by", "api_token")
        .prefetch_related("files")[:EXPORTS_SHOWN]
    )


def bulk_export_get_for_admin(*, organization: Organization, public_id) -> BulkExport:
    return get_for_user(BulkExport.objects.filter(organization=organization).prefetch_related("files"), public_id)


def bulk_export_get_for_token(*, token: ApiToken, public_id) -> BulkExport:
    """An export the token asked for through the API (Bulk Data: only the
    client that kicked an export off polls it and fetches its files)."""
    return get_for_user(BulkExport.objects.filter(api_token=token).prefetch_related("files"), public_id)


def bulk_export_file_get_for_token(*, token: ApiToken, public_id) -> BulkExportFile:
    return get_for_user(
        BulkExportFile.objects.filter(
            export__api_token=token,
            export__status=BulkExport.Status.DONE,
            export__files_deleted_at__isnull=True,
        ).select_related("export"),
        public_id,
    )


def bulk_export_file_get(*, organization: Organization, public_id) -> BulkExportFile:
    """A file of a finished export of the organization whose files still exist."""
    return get_for_user(
        BulkExportFile.objects.filter(
            export__organization=organization,
            export__status=BulkExport.Status.DONE,
            export__files_deleted_at__isnull=True,
        ).select_related("export"),
        public_id,
    )


def fhir_row_get(*, organization: Organization, fhir_type, resource_id: str):
    """The row behind `fhir_type`/`resource_id` among the organization's
    rows, else 404 (another organization's rows are never looked at)."""
    try:
        wanted = uuid.UUID(resource_id)
    except ValueError:
        raise Http404 from None
    rows = fhir_type.rows(organization)
    if isinstance(rows, QuerySet):
        row = rows.filter(public_id=wanted).first()
    else:
        row = next((row for row in rows if _row_id(fhir_type, row) == str(wanted)), None)
    if row is None:
        raise Http404
    return row


def _row_id(fhir_type, row) -> str:
    if isinstance(row, Model):
        return str(row.public_id)
    return str(fhir_type.to_resource(row)["id"])


def bulk_export_manifest(*, export: BulkExport, request_url: str, file_urls: dict[int, str]) -> dict:
    """The export as FHIR Bulk Data's completion manifest: the files (`file_urls`
    by file pk) with their types and counts. Downloading needs credentials."""
    return {
        "transactionTime": export.started_at.isoformat() if export.started_at else None,
        "request": request_url,
        "requiresAccessToken": True,
        "output": [
            {"type": file.type_name, "url": file_urls[file.pk], "count": file.count} for file in export.files.all()
        ],
        "error": [],
    }
