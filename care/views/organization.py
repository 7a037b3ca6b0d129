"""The organization's patients: the list, one patient's page, the JSON
export and deactivation.

Organization admins only, of their own organization; another
organization's patient (or someone who is not a patient) is a 404. Filters
come from the query string; a value that cannot be read is ignored with a
notice, never an error. Every page and download leaves an audit row.
"""

from __future__ import annotations

import json
import zoneinfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core.filters import choice_filter, date_filter
from core.models import AuditLog
from core.portals import Portal, portal_required
from core.services import audit_record
from organizations.selectors import organization_get_for_admin

from ..organization import (
    PAGE_SIZE,
    PatientFilters,
    ReadinessFilter,
    Status,
    joined_range,
    patient_deactivate,
    patient_export,
    patient_file,
    patient_filter_choices,
    patient_get_for_organization,
    patient_list_for_organization,
    patient_rows,
)

STATUSES = {Status.ACTIVE, Status.DEACTIVATED, Status.ALL}
READINESS = {ReadinessFilter.READY, ReadinessFilter.BLOCKED, ReadinessFilter.NONE}


def _choice(raw: str, allowed: set[str], default: str, label: str, notices: list[str]) -> str:
    if raw and raw not in allowed:
        notices.append(_("We ignored the %(field)s filter: we could not read it.") % {"field": label})
        return default
    return raw or default


def _filters(request, programs, specialists) -> PatientFilters:
    notices: list[str] = []
    get = request.GET
    start_on = date_filter(get.get("joined_from", ""), _("joined from"), notices)
    end_on = date_filter(get.get("joined_to", ""), _("joined until"), notices)
    if start_on and end_on and end_on < start_on:
        notices.append(_("We ignored the “joined until” date: it was before the “joined from” date."))
        end_on = None
    joined_from, joined_until = joined_range(start_on, end_on, zoneinfo.ZoneInfo(request.user.timezone))
    return PatientFilters(
        search=get.get("q", "").strip()[:100],
        program=choice_filter(get.get("program", ""), programs, _("program"), notices),
        specialist=choice_filter(get.get("specialist", ""), specialists, _("specialist"), notices),
        status=_choice(get.get("status", ""), STATUSES, Status.ACTIVE, _("status"), notices),
        readiness=_choice(get.get("readiness", ""), READINESS, "", _("readiness"), notices),
        joined_from=joined_from,
        joined_until=joined_until,
        notices=notices,
    )


@require_GET
@portal_required(Portal.ORGANIZATION)
def patient_list_view(request, org_slug):
    """The organization's patients, searchable and filtered, 50 a page."""
    organization = organization_get_for_admin(user=request.user, slug=org_slug)
    programs, specialists = patient_filter_choices(organization)
    filters = _filters(request, programs, specialists)
    page = Paginator(patient_list_for_organization(organization, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    audit_record(request=request, action=AuditLog.Action.READ, obj=organization)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "organization": organization,
        "programs": programs,
        "specialists": specialists,
        "filters": filters,
        "page": page,
        "rows": patient_rows(organization, page.object_list),
        "query": query.urlencode(),
        "joined_from": request.GET.get("joined_from", "") if filters.joined_from else "",
        "joined_to": request.GET.get("joined_to", "") if filters.joined_until else "",
    }
    return render(request, "care/organization/patients.html", context)


@require_GET
@portal_required(Portal.ORGANIZATION)
def patient_detail_view(request, org_slug, public_id):
    """What the organization may see of one of its patients; audited."""
    organization = organization_get_for_admin(user=request.user, slug=org_slug)
    membership = patient_get_for_organization(organization=organization, public_id=public_id)
    file = patient_file(organization=organization, membership=membership, viewer=request.user)
    audit_record(request=request, action=AuditLog.Action.READ, obj=membership.user)
    return render(request, "care/organization/patient.html", {"organization": organization, "file": file})


@require_http_methods(["GET", "POST"])
@portal_required(Portal.ORGANIZATION)
def patient_deactivate_view(request, org_slug, public_id):
    """Ask to confirm (GET), then deactivate (POST); twice is a message, no change."""
    organization = organization_get_for_admin(user=request.user, slug=org_slug)
    membership = patient_get_for_organization(organization=organization, public_id=public_id)
    if request.method == "GET":
        context = {"organization": organization, "membership": membership, "patient": membership.user}
        return render(request, "care/organization/patient_deactivate.html", context)
    try:
        patient_deactivate(membership=membership, by=request.user, request=request)
    except ValidationError as refusal:
        messages.warning(request, " ".join(refusal.messages))
    else:
        messages.success(request, _("%(name)s was deactivated.") % {"name": membership.user.display_name})
    return redirect("care:org-patient", organization.slug, membership.user.public_id)


@require_GET
@portal_required(Portal.ORGANIZATION)
def patient_export_view(request, org_slug, public_id):
    """Everything the organization holds on the patient, as JSON; audited as an export."""
    organization = organization_get_for_admin(user=request.user, slug=org_slug)
    membership = patient_get_for_organization(organization=organization, public_id=public_id)
    file = patient_file(organization=organization, membership=membership, viewer=request.user)
    audit_record(request=request, action=AuditLog.Action.EXPORT, obj=membership.user)
    response = HttpResponse(
        json.dumps(patient_export(file), indent=2, ensure_ascii=False), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="patient-{membership.user.public_id}.json"'
    return response
