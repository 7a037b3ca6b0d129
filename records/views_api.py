"""The read-only FHIR R4 API of an organization's systems (`/fhir/R4/`).

Callers send `Authorization: Bearer <token>`; a token reads its own
organization's records and nothing else. A session cookie never stands in
for a token, so the API is CSRF exempt and ignores who is signed in.
Errors are OperationOutcome resources, and a missing, forged or revoked
token gets the same 401 without saying which it was.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.db.models import Model
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from core.models import AuditLog
from core.portals import no_store
from core.ratelimit import allow
from core.selectors import NotYours
from core.services import audit_record, client_ip

from . import fhir, selectors, services
from .models import BulkExport
from .search import SearchError, search_parse

FHIR_JSON = "application/fhir+json"
FHIR_VERSION = "4.0.1"
# Wrong tokens allowed per client address and minute before 429.
FAILED_TOKENS_PER_MINUTE = 20


def fhir_response(body: dict, *, status: int = 200) -> JsonResponse:
    response = JsonResponse(body, status=status, content_type=FHIR_JSON, json_dumps_params={"ensure_ascii": False})
    return no_store(response)


def outcome(status: int, code: str, text: str) -> JsonResponse:
    """An OperationOutcome with one error issue; `code` from FHIR's IssueType."""
    issue = {"severity": "error", "code": code, "diagnostics": text}
    return fhir_response({"resourceType": "OperationOutcome", "issue": [issue]}, status=status)


def _unauthorized(error: str | None) -> JsonResponse:
    response = outcome(401, "login", _("A valid API token is needed: send Authorization: Bearer <token>."))
    challenge = 'Bearer realm="fhir"'
    response["WWW-Authenticate"] = f'{challenge}, error="{error}"' if error else challenge
    return response


def _authenticate(request) -> JsonResponse | None:
    """Set `request.api_token` from the Bearer header, or answer 401 (429
    after many wrong tokens from one address)."""
    scheme, _space, raw = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return _unauthorized(None)
    request.api_token = services.api_token_authenticate(raw=raw.strip())
    if request.api_token is not None:
        return None
    audit_record(request=request, action=AuditLog.Action.DENIED)
    if not allow(f"fhir-token:{client_ip(request)}", limit=FAILED_TOKENS_PER_MINUTE, window_seconds=60):
        return outcome(429, "throttled", _("Too many wrong tokens. Try again in a minute."))
    return _unauthorized("invalid_token")


def api_view(*, token: bool = True):
    """GET only, no session, OperationOutcome for every error; with
    `token`, a live API token is required (`request.api_token`)."""

    def decorator(view):
        @csrf_exempt
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            request.user = AnonymousUser()
            if request.method not in ("GET", "HEAD"):
                response = outcome(405, "not-supported", _("This API is read-only: use GET."))
                response["Allow"] = "GET, HEAD"
                return response
            if token and (refusal := _authenticate(request)):
                return refusal
            try:
                return view(request, *args, **kwargs)
            except SearchError as error:
                return outcome(400, "invalid", str(error))
            except Http404 as error:
                if isinstance(error, NotYours):
                    audit_record(request=request, action=AuditLog.Action.DENIED, obj=error.obj)
                return outcome(404, "not-found", _("No such resource."))

        return wrapped

    return decorator


def _type_or_404(type_name: str):
    fhir_type = fhir.TYPES.get(type_name)
    if fhir_type is None:
        raise Http404
    return fhir_type


def _base_url(request) -> str:
    return request.build_absolute_uri(reverse("fhir:metadata")).removesuffix("metadata")


def _audit(request, rows) -> None:
    # Computed rows (free slots) are not records: nothing to point at.
    services.api_reads_audit(
        request=request, token=request.api_token, rows=[row for row in rows if isinstance(row, Model)]
    )


@api_view(token=False)
def metadata_view(request):
    """The CapabilityStatement: what this server offers (no token needed)."""
    resources = []
    for fhir_type in fhir.TYPES.values():
        params = [{"name": name, "type": "date"} for name in fhir_type.searches]
        if fhir_type.last_updated:
            params.insert(0, {"name": "_lastUpdated", "type": "date"})
        resources.append(
            {
                "type": fhir_type.name,
                "interaction": [{"code": "read"}, {"code": "search-type"}],
                "searchParam": params,
            }
        )
    statement = {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": timezone.now().date().isoformat(),
        "kind": "instance",
        "software": {"name": "Daraport"},
        "implementation": {"description": "Daraport FHIR API (read-only)", "url": _base_url(request)},
        "fhirVersion": FHIR_VERSION,
        "format": [FHIR_JSON, "json"],
        "rest": [
            {
                "mode": "server",
                "security": {"description": "Send an organization's API token: Authorization: Bearer <token>."},
                "resource": resources,
                "operation": [
                    {"name": "export", "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"}
                ],
            }
        ],
    }
    return fhir_response(statement)


@api_view()
def read_view(request, type_name, resource_id):
    """One resource of the token's organization."""
    fhir_type = _type_or_404(type_name)
    row = selectors.fhir_row_get(
        organization=request.api_token.organization, fhir_type=fhir_type, resource_id=resource_id
    )
    _audit(request, [row])
    return fhir_response(fhir_type.to_resource(row))


@api_view()
def search_view(request, type_name):
    """A searchset Bundle of one type's resources, a page at a time."""
    fhir_type = _type_or_404(type_name)
    search = search_parse(fhir_type, request.GET)
    rows, total = search.apply(fhir_type.rows(request.api_token.organization))
    _audit(request, rows)
    base = _base_url(request)
    search_url = request.build_absolute_uri(request.path)

    def page_url(page: int) -> str:
        params = [(k, v) for k, values in request.GET.lists() for v in values if k not in ("_page", "_count")]
        return f"{search_url}?{urlencode([*params, ('_count', search.count), ('_page', page)])}"

    links = [{"relation": "self", "url": page_url(search.page)}]
    if search.offset + search.count < total:
        links.append({"relation": "next", "url": page_url(search.page + 1)})
    if search.page > 1:
        links.append({"relation": "previous", "url": page_url(search.page - 1)})
    entries = []
    for row in rows:
        resource = fhir_type.to_resource(row)
        entries.append(
            {
                "fullUrl": f"{base}{fhir_type.name}/{resource['id']}",
                "resource": resource,
                "search": {"mode": "match"},
            }
        )
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "timestamp": timezone.now().isoformat(),
        "total": total,
        "link": links,
    }
    if entries:
        bundle["entry"] = entries
    return fhir_response(bundle)


# --- Bulk Data export (https://hl7.org/fhir/uv/bulkdata/export.html) ---------------

NDJSON_FORMATS = {"application/fhir+ndjson", "application/ndjson", "ndjson"}


@api_view()
def export_kickoff_view(request):
    """Start an export of everything the organization holds: 202 with the
    status URL in Content-Location. Only `_outputFormat` (NDJSON) is taken;
    `_since`, `_type` and the rest would narrow it, which is not offered."""
    if "respond-async" not in request.headers.get("Prefer", ""):
        return outcome(400, "invalid", _("Send Prefer: respond-async to start an export."))
    unknown = set(request.GET) - {"_outputFormat"}
    if unknown:
        names = ", ".join(sorted(unknown))
        return outcome(400, "not-supported", _("Export parameters not supported: %(names)s.") % {"names": names})
    if request.GET.get("_outputFormat", "application/fhir+ndjson") not in NDJSON_FORMATS:
        return outcome(400, "not-supported", _("Exports are written as NDJSON only."))
    try:
        export = services.bulk_export_start(organization=request.api_token.organization, api_token=request.api_token)
    except services.ExportAlreadyRunning as error:
        return outcome(409, "conflict", error.messages[0])
    audit_record(request=request, action=AuditLog.Action.EXPORT, obj=export)
    response = HttpResponse(status=202)
    response["Content-Location"] = request.build_absolute_uri(reverse("fhir:export-status", args=[export.public_id]))
    return no_store(response)


@api_view()
def export_status_view(request, public_id):
    """202 with progress while the export runs; then the completion manifest."""
    export = selectors.bulk_export_get_for_token(token=request.api_token, public_id=public_id)
    if export.is_active:
        response = HttpResponse(status=202)
        response["X-Progress"] = f"{export.types_done}/{export.types_total} types"
        response["Retry-After"] = "5"
        return no_store(response)
    if export.status == BulkExport.Status.FAILED:
        return outcome(500, "exception", _("The export stopped before it finished. Start a new one."))
    if export.status != BulkExport.Status.DONE:
        return outcome(404, "not-found", _("The files of this export were deleted after seven days."))
    manifest = selectors.bulk_export_manifest(
        export=export,
        request_url=request.build_absolute_uri(reverse("fhir:export")),
        file_urls={
            file.pk: request.build_absolute_uri(reverse("fhir:export-file", args=[file.public_id]))
            for file in export.files.all()
        },
    )
    return no_store(JsonResponse(manifest))


@api_view()
def export_file_view(request, public_id):
    """One NDJSON file of a finished export, for the token that asked for it."""
    file = selectors.bulk_export_file_get_for_token(token=request.api_token, public_id=public_id)
    audit_record(request=request, action=AuditLog.Action.DOWNLOAD, obj=file)
    response = FileResponse(file.file.open("rb"), content_type="application/fhir+ndjson")
    return no_store(response)
