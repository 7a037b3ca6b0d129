"""Who in an organization may read its specialists' clinical notes.

An admin grants or revokes read access to named admins of the same
organization (each change audited and recorded as a journey event). A
member holding a grant reads the notes list and each note, read only;
everyone else gets 404, never 403, so the pages do not reveal that notes
exist. Every read leaves an audit row.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core.portals import Portal, portal_required
from organizations.selectors import organization_get_for_admin
from specialists.models import SpecialistProfile

from ..forms_notes import NoteAccessForm, OrgNoteFilterForm
from ..notes import note_access_grant, note_access_revoke
from ..record import note_rows
from ..selectors import note_access_admins, note_get_for_org_reader, note_list_for_org_reader, note_reader_membership

PAGE_SIZE = 50


@require_http_methods(["GET", "POST"])
@portal_required(Portal.ORGANIZATION)
def clinical_access_view(request, org_slug):
    organization = organization_get_for_admin(user=request.user, slug=org_slug)
    admins = note_access_admins(organization=organization)
    error, status = "", 200
    if request.method == "POST":
        form = NoteAccessForm(request.POST)
        membership = admins.filter(public_id=form.cleaned_data["membership"]).first() if form.is_valid() else None
        if membership is None:
            error, status = _("Choose one of the organization's admins."), 422
        else:
            try:
                if form.cleaned_data["action"] == "grant":
                    note_access_grant(membership=membership, by=request.user, request=request)
                    messages.success(
                        request, _("%(name)s can now read clinical notes.") % {"name": membership.user.display_name}
                    )
                else:
                    note_access_revoke(membership=membership, by=request.user, request=request)
                    messages.success(
                        request,
                        _("%(name)s can no longer read clinical notes.") % {"name": membership.user.display_name},
                    )
            except (ValidationError, PermissionDenied) as refusal:
                error, status = " ".join(getattr(refusal, "messages", [str(refusal)])), 422
            else:
                return redirect("care:org-clinical-access", organization.slug)
    context = {
        "organization": organization,
        "admins": admins,
        "error": error,
        "can_read": note_reader_membership(user=request.user, organization=organization) is not None,
    }
    return render(request, "care/organization/clinical_access.html", context, status=status)


@require_GET
@portal_required(Portal.ORGANIZATION)
def note_list_view(request, org_slug):
    organization = organization_get_for_admin(user=request.user, slug=org_slug)
    specialists = SpecialistProfile.objects.filter(organization=organization).select_related("user")
    form = OrgNoteFilterForm(request.GET or None, specialists=specialists.order_by("user__full_name"))
    filters = {}
    status = 200
    if form.is_bound:
        if form.is_valid():
            data = form.cleaned_data
            filters = {
                "specialist": data["specialist_profile"],
                "patient_query": data["patient"].strip(),
                "start_on": data["start_on"],
                "end_on": data["end_on"],
            }
        else:
            status = 422
    notes = note_list_for_org_reader(user=request.user, organization=organization, request=request, **filters)
    page = Paginator(notes, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"organization": organization, "form": form, "page": page, "notes": page.object_list}
    return render(request, "care/organization/notes.html", context, status=status)


@require_GET
@portal_required(Portal.ORGANIZATION)
def note_detail_view(request, org_slug, public_id):
    organization = organization_get_for_admin(user=request.user, slug=org_slug)
    note = note_get_for_org_reader(user=request.user, organization=organization, public_id=public_id, request=request)
    context = {"organization": organization, "note": note, "rows": note_rows(note)}
    return render(request, "care/organization/note_detail.html", context)
