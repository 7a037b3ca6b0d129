"""The affiliate's home: their referral figures, aggregate only.

The page takes no date range (the months are fixed: see
affiliates.dashboard), so query parameters are ignored, never used to
narrow a count. The CSV holds the same cells, suppression included, and
leaves an export audit row per section.
"""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core import nextsteps
from core.models import AuditLog
from core.portals import Portal, portal_required
from core.services import audit_record

from ..dashboard import figures_csv, figures_for_user


@require_GET
@portal_required(Portal.AFFILIATE)
def dashboard_view(request):
    context = {
        **nextsteps.home_cards(Portal.AFFILIATE, user=request.user),
        "sections": figures_for_user(user=request.user),
    }
    return render(request, "affiliates/affiliate/dashboard.html", context)


@require_GET
@portal_required(Portal.AFFILIATE)
def dashboard_csv_view(request):
    sections = figures_for_user(user=request.user)
    for figures in sections:
        audit_record(request=request, action=AuditLog.Action.EXPORT, obj=figures.affiliate)
    response = HttpResponse("".join(figures_csv(sections)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="referrals.csv"'
    return response
