"""The specialist's caseload and one patient's record.

The record is the patient's whole history with the specialist, told by
every app (`core.timeline`), newest first and filterable by kind (htmx
swaps the timeline; a plain GET works too). A specialist who treated the
patient before still opens it, read-only; anyone else gets 404. Each view
of a record leaves one audit row.
"""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core import timeline
from core.portals import Portal, portal_required
from specialists.selectors import specialist_profile_for_user

from ..caseload import FOLLOW_UP_WITHIN, caseload_for_specialist
from ..forms_notes import TimelineFilterForm
from ..record import next_session, record_links, score_trends, trend_charts
from ..selectors import record_get_for_specialist


@require_GET
@portal_required(Portal.SPECIALIST)
def caseload_view(request):
    profile = specialist_profile_for_user(user=request.user)
    if profile is None:
        return redirect("specialists:profile-edit")
    rows = caseload_for_specialist(specialist=profile, zone_name=request.user.timezone)
    context = {
        "current": [row for row in rows if row.is_current],
        "ended": [row for row in rows if not row.is_current],
        "show_ended": request.GET.get("ended") == "1",
        "follow_up_weeks": FOLLOW_UP_WITHIN.days // 7,
    }
    context["attention"] = sum(1 for row in context["current"] if row.flags)
    return render(request, "care/specialist/caseload.html", context)


@require_GET
@portal_required(Portal.SPECIALIST)
def record_view(request, public_id):
    access = record_get_for_specialist(user=request.user, public_id=public_id, request=request)
    scope = timeline.Scope(
        viewer=request.user, patient=access.patient, specialist=access.specialist, is_current=access.is_current
    )
    form = TimelineFilterForm(request.GET or None)
    kind = form.cleaned_data["kind"] if form.is_bound and form.is_valid() else ""
    context = {"access": access, "entries": timeline.entries(scope, kind=kind or None), "filter_form": form}
    context["kind_label"] = dict(timeline.KINDS).get(kind, "")
    if request.htmx and not request.htmx.boosted:
        return render(request, "care/specialist/record.html#record-timeline", context)
    trends = score_trends(patient=access.patient, specialist=access.specialist)
    context |= {
        "patient": access.patient,
        "next_session": next_session(patient=access.patient, specialist=access.specialist, now=timezone.now()),
        "links": record_links(access, scope),
        "trends": trends,
        "charts": trend_charts(trends, zone_name=request.user.timezone),
        "read_only_reason": "" if access.is_current else _("Care has ended: this record is read-only."),
    }
    return render(request, "care/specialist/record.html", context)
