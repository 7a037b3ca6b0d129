"""The organization portal's API tokens and bulk export pages (admins only)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseStopPolling

from core.models import AuditLog
from core.portals import Portal, portal_required
from core.services import audit_record
from organizations.selectors import organization_get_for_admin

from . import selectors, services
from .forms import ApiTokenCreateForm
from .models import BulkExport
from .tokens import download_sign, download_unsign


@require_http_methods(["GET", "POST"])
@portal_required(Portal.ORGANIZATION)
def api_tokens_view(request, org_slug):
    """The tokens and a form for a new one, whose secret shows once."""
    org = organization_get_for_admin(user=request.user, slug=org_slug)
    form = ApiTokenCreateForm(request.POST or None)
    context = {"organization": org, "form": form, "api_base": request.build_absolute_uri(reverse("fhir:metadata"))}
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                token, raw = services.api_token_create(organization=org, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error("name", error.messages)
            else:
                audit_record(request=request, action=AuditLog.Action.WRITE, obj=token)
                context.update(new_token=token, raw_token=raw, form=ApiTokenCreateForm())
                status = 201
    context["tokens"] = selectors.api_token_list_for_organization(organization=org)
    return render(request, "records/organization/api_tokens.html", context, status=status)


@require_http_methods(["GET", "POST"])
@portal_required(Portal.ORGANIZATION)
def api_token_revoke_view(request, org_slug, public_id):
    """Ask to confirm (GET), then revoke (POST); twice is a message, no change."""
    org = organization_get_for_admin(user=request.user, slug=org_slug)
    token = selectors.api_token_get_for_admin(organization=org, public_id=public_id)
    if request.method == "GET":
        return render(request, "records/organization/api_token_revoke.html", {"organization": org, "token": token})
    if not token.is_active:
        messages.info(request, _("The token “%(name)s” was already revoked.") % {"name": token.name})
    else:
        services.api_token_revoke(token=token, by=request.user)
        audit_record(request=request, action=AuditLog.Action.WRITE, obj=token)
        messages.success(request, _("The token “%(name)s” no longer works.") % {"name": token.name})
    return redirect("records:org-api-tokens", org.slug)


def _export_page(request, org, *, status=200, error=""):
    context = {
        "organization": org,
        "exports": selectors.bulk_export_list_for_organization(organization=org),
        "error": error,
    }
    return render(request, "records/organization/export.html", context, status=status)


@require_http_methods(["GET", "POST"])
@portal_required(Portal.ORGANIZATION)
def export_view(request, org_slug):
    """The organization's exports; POST starts one (409 while one runs)."""
    org = organization_get_for_admin(user=request.user, slug=org_slug)
    if request.method == "GET":
        return _export_page(request, org)
    try:
        export = services.bulk_export_start(organization=org, by=request.user)
    except services.ExportAlreadyRunning as error:
        return _export_page(request, org, status=409, error=error.messages[0])
    audit_record(request=request, action=AuditLog.Action.EXPORT, obj=export)
    messages.success(request, _("The export has started. This page shows its progress."))
    return redirect("records:org-export-detail", org.slug, export.public_id)


def _signed_files(request, export: BulkExport) -> list:
    """The export's files, each with a download link for this person."""
    files = list(export.files.all())
    for file in files:
        value = download_sign(file_public_id=file.public_id, user_public_id=request.user.public_id)
        file.download_url = reverse("records:org-export-download", args=[export.organization.slug, value])
    return files


@require_GET
@portal_required(Portal.ORGANIZATION)
def export_detail_view(request, org_slug, public_id):
    """One export: its progress while it runs (polled), then its files."""
    org = organization_get_for_admin(user=request.user, slug=org_slug)
    export = selectors.bulk_export_get_for_admin(organization=org, public_id=public_id)
    context = {"organization": org, "export": export, "files": _signed_files(request, export)}
    if request.htmx and not request.htmx.boosted:
        response = render(request, "records/organization/export_detail.html#export-progress", context)
        if not export.is_active:
            response.status_code = HttpResponseStopPolling.status_code
        return response
    return render(request, "records/organization/export_detail.html", context)


@require_GET
@portal_required(Portal.ORGANIZATION)
def export_manifest_view(request, org_slug, public_id):
    """The Bulk Data manifest of a finished export, its links for this person."""
    org = organization_get_for_admin(user=request.user, slug=org_slug)
    export = selectors.bulk_export_get_for_admin(organization=org, public_id=public_id)
    if export.status != BulkExport.Status.DONE:
        raise Http404
    manifest = selectors.bulk_export_manifest(
        export=export,
        request_url=request.build_absolute_uri(reverse("records:org-export", args=[org.slug])),
        file_urls={file.pk: request.build_absolute_uri(file.download_url) for file in _signed_files(request, export)},
    )
    response = HttpResponse(json.dumps(manifest, indent=2), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="export-{export.created_at:%Y%m%d-%H%M}-manifest.json"'
    return response


@require_GET
@portal_required(Portal.ORGANIZATION)
def export_download_view(request, org_slug, signed):
    """One NDJSON file, for the person the link was made for, within the hour."""
    org = organization_get_for_admin(user=request.user, slug=org_slug)
    found = download_unsign(signed, max_age_seconds=int(services.DOWNLOAD_MAX_AGE.total_seconds()))
    if found is None or found[1] != str(request.user.public_id):
        raise Http404
    file = selectors.bulk_export_file_get(organization=org, public_id=found[0])
    audit_record(request=request, action=AuditLog.Action.DOWNLOAD, obj=file)
    return FileResponse(
        file.file.open("rb"),
        as_attachment=True,
        filename=f"{file.type_name}.ndjson",
        content_type="application/fhir+ndjson",
    )
