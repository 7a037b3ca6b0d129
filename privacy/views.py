"""A patient's data page in account settings: "download my data" (ask,
follow the progress, download the zip) and deleting the account.

Every export id is looked up among the person's own (anyone else's, or
one past its time, is a 404). A download is audited.
"""

from allauth.account.decorators import reauthentication_required
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HTMX_STOP_POLLING

from core.models import AuditLog
from core.portals import Portal, portal_required
from core.ratelimit import allow
from core.services import audit_record

from .forms import DeletionForm
from .selectors import deletion_request_for_user, export_get_downloadable, export_get_for_user, export_list_for_user
from .services import EXPORT_DAYS, account_deletion_request, data_export_request

DATA_TEMPLATE = "privacy/patient/data.html"
DELETE_TEMPLATE = "privacy/patient/delete.html"
# Wrong passwords on the deletion form, per account and hour.
PASSWORD_TRIES = 10


def _data_page(request, *, problem: str = "", status: int = 200):
    exports = export_list_for_user(user=request.user)
    context = {"exports": exports, "export_days": EXPORT_DAYS, "problem": problem}
    return render(request, DATA_TEMPLATE, context, status=status)


@require_GET
@portal_required(Portal.PATIENT)
def data_view(request):
    return _data_page(request)


@require_POST
@portal_required(Portal.PATIENT)
def export_request_view(request):
    try:
        export = data_export_request(user=request.user)
    except ValidationError as error:
        return _data_page(request, problem=error.messages[0], status=409)
    audit_record(request=request, action=AuditLog.Action.EXPORT, obj=export)
    return redirect("privacy:data")


@require_GET
@portal_required(Portal.PATIENT)
def export_status_view(request, public_id):
    """The progress of one export, polled by its row until it is done."""
    export = export_get_for_user(user=request.user, public_id=public_id)
    response = render(request, "privacy/patient/_export.html", {"export": export})
    if not export.is_in_progress:
        response.status_code = HTMX_STOP_POLLING
    return response


@require_GET
@portal_required(Portal.PATIENT)
def export_download_view(request, public_id):
    export = export_get_downloadable(user=request.user, public_id=public_id)
    audit_record(request=request, action=AuditLog.Action.DOWNLOAD, obj=export)
    name = f"daraport-data-{export.ready_at:%Y-%m-%d}.zip"
    return FileResponse(export.file.open("rb"), as_attachment=True, filename=name, content_type="application/zip")


@require_http_methods(["GET", "POST"])
@portal_required(Portal.PATIENT)
@reauthentication_required(enabled=lambda request: not request.user.has_usable_password())
def deletion_view(request):
    form = DeletionForm(request.POST or None, user=request.user)
    context = {"form": form, "already": deletion_request_for_user(user=request.user)}
    if request.method == "GET":
        return render(request, DELETE_TEMPLATE, context)
    if not allow(f"privacy-delete:{request.user.pk}", limit=PASSWORD_TRIES, window_seconds=3600):
        form.add_error(None, _("Too many attempts. Please try again in an hour."))
        return render(request, DELETE_TEMPLATE, context, status=429)
    if not form.is_valid():
        return render(request, DELETE_TEMPLATE, context, status=422)
    try:
        account_deletion_request(user=request.user, request=request)
    except ValidationError as error:
        form.add_error(None, error)
        return render(request, DELETE_TEMPLATE, context, status=409)
    logout(request)
    return redirect("privacy:deleted")


@require_GET
def deletion_done_view(request):
    return render(request, "privacy/deleted.html")
