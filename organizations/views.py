import csv
import zoneinfo
from datetime import UTC, datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import nextsteps
from core.filters import date_filter
from core.models import AuditLog
from core.portals import Portal, portal_accesses, portal_required
from core.selectors import get_for_user
from core.services import audit_record, client_ip
from core.spreadsheets import safe_cell

from . import audit, selectors, services
from .forms import (
    BrandForm,
    MatchingQuestionsForm,
    MemberInviteForm,
    ProgramForm,
    RetentionForm,
    RosterForm,
    SsoForm,
    TermsAcceptForm,
    TermsDocumentForm,
)
from .middleware import TERMS_PENDING_KEY
from .models import Membership, TermsDocument

AUDIT_PAGE_SIZE = 50


def _org(request, org_slug):
    return selectors.organization_get_for_admin(user=request.user, slug=org_slug)


@require_GET
@portal_required(Portal.ORGANIZATION)
def chooser_view(request):
    """`/org/`: straight to the one organization the user runs, or a choice
    when they run several (the role switcher's entries)."""
    organizations = [access for access in portal_accesses(request.user) if access.portal == Portal.ORGANIZATION]
    if len(organizations) == 1:
        return redirect(organizations[0].url)
    return render(request, "organizations/chooser.html", {"organizations": organizations})


@require_GET
@portal_required(Portal.ORGANIZATION)
def home_view(request, org_slug):
    org = _org(request, org_slug)
    context = {
        **nextsteps.home_cards(Portal.ORGANIZATION, user=request.user, organization=org),
        "organization": org,
        "role_counts": selectors.membership_counts_for_organization(organization=org),
        "documents": selectors.terms_current_for_organization(organization=org),
    }
    return render(request, "organizations/organization/home.html", context)


@require_http_methods(["GET", "POST"])
@portal_required(Portal.ORGANIZATION)
def brand_view(request, org_slug):
    org = _org(request, org_slug)
    initial = {"name": org.name, "tagline": org.tagline, "primary_color": org.primary_color}
    form = BrandForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST":
        if not form.is_valid():
            status = 413 if form.too_large else 422
            return render(
                request, "organizations/organization/brand.html", {"organization": org, "form": form}, status=status
            )
        data = form.cleaned_data
        services.organization_update_brand(
            organization=org,
            by=request.user,
            name=data["name"],
            tagline=data["tagline"],
            primary_color=data["primary_color"],
            logo=data["logo"],
            logo_extension=form.logo_extension,
            remove_logo=data["remove_logo"],
        )
        messages.success(request, _("Your brand was updated. Every portal now shows it."))
        return redirect("organizations:brand", org.slug)
    return render(request, "organizations/organization/brand.html", {"organization": org, "form": form})


@require_http_methods(["GET", "POST"])
@portal_required(Portal.ORGANIZATION)
def terms_view(request, org_slug):
    org = _org(request, org_slug)
    form = TermsDocumentForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            document = services.terms_publish(organization=org, by=request.user, **form.cleaned_data)
            messages.success(
                request,
                _("Version %(version)s of the %(kind)s is published. People accept it on their next sign-in.")
                % {"version": document.version, "kind": document.get_kind_display()},
            )
            return redirect("organizations:terms", org.slug)
        status = 422
    context = {
        "organization": org,
        "form": form,
        "current": selectors.terms_current_for_organization(organization=org),
        "history": selectors.terms_history_for_organization(organization=org),
    }
    return render(request, "organizations/organization/terms.html", context, status=status)


@require_http_methods(["GET", "POST"])
@portal_required(Portal.ORGANIZATION)
def members_view(request, org_slug):
    org = _org(request, org_slug)
    form = MemberInviteForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            services.member_invite(
                organization=org,
                by=request.user,
                **form.cleaned_data,
                sign_in_url=request.build_absolute_uri(reverse("account_request_login_code")),
            )
            messages.success(
                request,
                _("%(email)s now has the role %(role)s. We emailed them how to sign in.")
                % {"email": form.cleaned_data["email"], "role": Membership.Role(form.cleaned_data["role"]).label},
            )
            return redirect("organizations:members", org.slug)
        status = 422
    context = {
        "organization": org,
        "form": form,
        "members": selectors.membership_list_for_organization(organization=org),
    }
    return render(request, "organizations/organization/members.html", context, status=status)


@require_POST
@portal_required(Portal.ORGANIZATION)
def member_revoke_view(request, org_slug, public_id):
    org = _org(request, org_slug)
    membership = get_for_user(Membership.objects.filter(organization=org, is_active=True), public_id)
    try:
        services.membership_revoke(membership=membership, by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        context = {
            "organization": org,
            "form": MemberInviteForm(),
            "members": selectors.membership_list_for_organization(organization=org),
        }
        return render(request, "organizations/organization/members.html", context, status=409)
    messages.success(request, _("The role was removed."))
    return redirect("organizations:members", org.slug)


@require_http_methods(["GET", "POST"])
@portal_required(Portal.ORGANIZATION)
def retention_view(request, org_slug):
    org = _org(request, org_slug)
    form = RetentionForm(request.POST or None, initial={"years": org.record_retention_years})
    if request.method == "POST":
        if form.is_valid():
            services.organization_set_retention(organization=org, by=request.user, years=form.cleaned_data["years"])
            messages.success(request, _("Records are now kept for %(years)s years.") % form.cleaned_data)
            return redirect("organizations:retention", org.slug)
        return render(
            request, "organizations/organization/retention.html", {"organization": org, "form": form}, status=422
        )
    return render(request, "organizations/organization/retention.html", {"organization": org, "form": form})


@require_http_methods(["GET", "POST"])
@portal_required(Portal.ORGANIZATION)
def sso_view(request, org_slug):
    org = _org(request, org_slug)
    app = org.sso_app
    initial = {"issuer_url": app.settings.get("server_url", ""), "client_id": app.client_id} if app else {}
    form = SsoForm(request.POST or None, organization=org, initial=initial)
    if request.method == "POST":
        if request.POST.get("action") == "remove":
            services.organization_remove_sso(organization=org, by=request.user)
            messages.success(request, _("Single sign-on was turned off."))
            return redirect("organizations:sso", org.slug)
        if form.is_valid():
            services.organization_configure_sso(organization=org, by=request.user, **form.cleaned_data)
            messages.success(
                request, _("Single sign-on is on: the sign-in page now offers “%(name)s”.") % {"name": org.name}
            )
            return redirect("organizations:sso", org.slug)
        return render(request, "organizations/organization/sso.html", {"organization": org, "form": form}, status=422)
    return render(request, "organizations/organization/sso.html", {"organization": org, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def terms_accept_view(request):
    """The gate after sign-in when an organization published new terms."""
    documents = selectors.terms_pending_for_user(user=request.user)
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("core:home")
    if not documents:
        request.session.pop(TERMS_PENDING_KEY, None)
        return redirect(next_url)
    form = TermsAcceptForm(request.POST or None, documents=documents)
    if request.method == "POST":
        if form.is_valid():
            services.terms_accept(
                user=request.user,
                documents=documents,
                ip_address=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            )
            request.session.pop(TERMS_PENDING_KEY, None)
            messages.success(request, _("Thank you. You can carry on where you were."))
            return redirect(next_url)
        return render(request, "organizations/terms_accept.html", {"form": form, "documents": documents}, status=422)
    return render(request, "organizations/terms_accept.html", {"form": form, "documents": documents})


@require_GET
def terms_document_view(request, public_id):
    """A published version, readable by anyone: terms are public by nature."""
    document = get_object_or_404(TermsDocument.objects.select_related("organization"), public_id=public_id)
    return render(request, "organizations/terms_document.html", {"document": document})


@require_http_methods(["GET", "POST"])
@portal_required(Portal.ORGANIZATION)
def programs_view(request, org_slug):
    """The programs, a form to start one (action=program) and the questions
    asked of patients outside any program (action=questions)."""
    org = _org(request, org_slug)
    action = request.POST.get("action")
    form = ProgramForm(request.POST if action == "program" else None, initial={"is_active": True})
    questions_form = MatchingQuestionsForm(
        request.POST if action == "questions" else None, initial={"matching_questions": org.matching_questions}
    )
    status = 200
    if action == "program":
        if form.is_valid():
            program = services.program_save(organization=org, by=request.user, **form.cleaned_data)
            messages.success(request, _("“%(name)s” is ready. Add specialists to its roster.") % {"name": program.name})
            return redirect("organizations:program", org.slug, program.public_id)
        status = 422
    elif action == "questions":
        if questions_form.is_valid():
            services.organization_set_matching_questions(
                organization=org, by=request.user, **questions_form.cleaned_data
            )
            messages.success(request, _("The questions were saved."))
            return redirect("organizations:programs", org.slug)
        status = 422
    context = {
        "organization": org,
        "form": form,
        "questions_form": questions_form,
        "programs": selectors.program_list_for_organization(organization=org),
    }
    return render(request, "organizations/organization/programs.html", context, status=status)


@require_http_methods(["GET", "POST"])
@portal_required(Portal.ORGANIZATION)
def program_view(request, org_slug, public_id):
    """Edit one program: its settings (action=settings) or its roster (action=roster)."""
    org = _org(request, org_slug)
    program = selectors.program_get_for_admin(organization=org, public_id=public_id)
    initial = {field: getattr(program, field) for field in ProgramForm.base_fields}
    roster = {entry.specialist_id: entry for entry in program.roster.all()}
    specialists = selectors.specialist_members_of(organization=org)
    action = request.POST.get("action")
    form = ProgramForm(request.POST if action == "settings" else None, initial=initial, program=program)
    roster_form = RosterForm(request.POST if action == "roster" else None, specialists=specialists, roster=roster)
    status = 200
    if action == "settings":
        if form.is_valid():
            services.program_save(organization=org, program=program, by=request.user, **form.cleaned_data)
            messages.success(request, _("The program was saved."))
            return redirect("organizations:program", org.slug, program.public_id)
        status = 422
    elif action == "roster":
        if roster_form.is_valid():
            services.program_roster_set(program=program, by=request.user, capacities=roster_form.capacities())
            messages.success(request, _("The roster was saved."))
            return redirect("organizations:program", org.slug, program.public_id)
        status = 422
    join_url = request.build_absolute_uri(reverse("discovery:program-join-link", args=[program.enrolment_code]))
    context = {"organization": org, "program": program, "form": form, "roster_form": roster_form, "join_url": join_url}
    return render(request, "organizations/organization/program.html", context, status=status)


# --- The audit log ----------------------------------------------------------------------


def _audit_filters(request, kinds) -> tuple[audit.AuditFilters, dict]:
    notices: list[str] = []
    get = request.GET
    action = get.get("action", "")
    if action and action not in AuditLog.Action.values:
        notices.append(_("We ignored the action filter: we could not read it."))
        action = ""
    kind = next((kind for kind in kinds if str(kind.pk) == get.get("type", "")), None)
    if get.get("type") and kind is None:
        notices.append(_("We ignored the object type filter: we could not find it."))
    start_on = date_filter(get.get("from", ""), _("from"), notices)
    end_on = date_filter(get.get("to", ""), _("to"), notices)
    if start_on and end_on and end_on < start_on:
        notices.append(_("We ignored the “to” date: it was before the “from” date."))
        end_on = None
    zone = zoneinfo.ZoneInfo(request.user.timezone)
    filters = audit.AuditFilters(
        person=get.get("person", "").strip()[:100],
        action=action,
        content_type=kind,
        start_at=datetime.combine(start_on, datetime.min.time(), tzinfo=zone) if start_on else None,
        end_at=datetime.combine(end_on + timedelta(days=1), datetime.min.time(), tzinfo=zone) if end_on else None,
        notices=notices,
    )
    shown = {"from": start_on.isoformat() if start_on else "", "to": end_on.isoformat() if end_on else ""}
    return filters, shown


@require_GET
@portal_required(Portal.ORGANIZATION)
def audit_view(request, org_slug):
    """Who read or changed which record, when, from where: the organization's own rows."""
    org = _org(request, org_slug)
    kinds = audit.audit_object_types(org)
    filters, shown = _audit_filters(request, kinds)
    page = Paginator(audit.audit_list_for_organization(org, filters), AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = audit.audit_rows(org, page.object_list)  # the log as it stood before this read
    audit_record(request=request, action=AuditLog.Action.READ, obj=org)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "organization": org,
        "kinds": kinds,
        "actions": AuditLog.Action.choices,
        "filters": filters,
        "shown": shown,
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
        "row_limit": audit.CSV_ROW_LIMIT,
    }
    return render(request, "organizations/organization/audit.html", context)


@require_GET
@portal_required(Portal.ORGANIZATION)
def audit_csv_view(request, org_slug):
    """The filtered rows as CSV (at most CSV_ROW_LIMIT, newest first); audited as an export."""
    org = _org(request, org_slug)
    filters, _shown = _audit_filters(request, audit.audit_object_types(org))
    entries = audit.audit_list_for_organization(org, filters)[: audit.CSV_ROW_LIMIT]
    rows = audit.audit_rows(org, entries)
    audit_record(request=request, action=AuditLog.Action.EXPORT, obj=org)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{org.slug}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        ["at_utc", "name", "email", "roles", "action", "object_type", "object_id", "ip", "user_agent", "path"]
    )
    for row in rows:
        entry = row.entry
        writer.writerow(
            [
                entry.at.astimezone(UTC).isoformat(),
                safe_cell(entry.actor.display_name if entry.actor else ""),
                safe_cell(entry.actor.email if entry.actor else ""),
                safe_cell("; ".join(row.roles)),
                entry.action,
                safe_cell(entry.content_type.name if entry.content_type else ""),
                entry.object_public_id or "",
                entry.ip_address or "",
                safe_cell(entry.user_agent),
                safe_cell(entry.path),
            ]
        )
    return response
