"""Insights pages: the organization's (its admins) and a specialist's own.

Every section is an aggregate with small counts suppressed; the page view
and each CSV download leave an audit row. Bad dates, windows or filters
are explained with a 400, before any figure is computed.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from core.models import AuditLog
from core.portals import Portal, portal_required
from core.services import audit_record
from organizations.selectors import organization_get_for_admin
from specialists.selectors import specialist_profile_for_user

from .dashboard import organization_insights, specialist_insights
from .exports import ORGANIZATION_SECTIONS, SPECIALIST_SECTIONS, section_csv
from .forms import InsightsForm, OrganizationInsightsForm
from .overview import PERIOD_DAYS, blocked_sessions, organization_overview, period_days_parse, window_for
from .team import SORTS, activity_sorted, sort_parse, specialist_activity

ACTIVITY_PAGE_SIZE = 50


def _csv_response(lines, filename: str) -> HttpResponse:
    response = HttpResponse("".join(lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _csv_urls(sections, form, name: str, **kwargs) -> dict[str, str]:
    """Each section's CSV link, for the same choices as the page."""
    query = form.query()
    return {
        section.replace("-", "_"): f"{reverse(name, kwargs={**kwargs, 'section': section})}?{query}"
        for section in sections
    }


def _bad_query(form) -> HttpResponse:
    return HttpResponse(form.error_text(), status=400, content_type="text/plain; charset=utf-8")


@require_GET
@portal_required(Portal.ORGANIZATION)
def organization_insights_view(request, org_slug):
    """The journey funnel, attendance, time to first session, satisfaction,
    retention cohorts and revenue of the organization's patients."""
    organization = organization_get_for_admin(user=request.user, slug=org_slug)
    form = OrganizationInsightsForm(request.GET, organization=organization)
    context = {"organization": organization, "form": form, "sections": ORGANIZATION_SECTIONS}
    if not form.is_valid():
        return render(request, "insights/organization/insights.html", context, status=400)
    program, specialist = form.cleaned_data["program"], form.cleaned_data["specialist"]
    context["insights"] = organization_insights(
        organization=organization,
        period=form.period,
        window_days=form.cleaned_data["window"],
        program=program,
        specialist=specialist,
    )
    context["csv"] = _csv_urls(ORGANIZATION_SECTIONS, form, "insights:org-csv", org_slug=organization.slug)
    context["funnel_intro"] = _(
        "The patients who registered with %(name)s from %(start)s to %(end)s, each followed from the moment "
        "they registered."
    ) % {"name": organization.name, "start": date_format(form.period.start_on), "end": date_format(form.period.end_on)}
    context["scope_note"] = " ".join(
        note
        for note in (
            _("Only patients enrolled in the program %(program)s.") % {"program": program.name} if program else "",
            _("From “Matched” on, only steps taken with %(name)s.") % {"name": specialist.display_name}
            if specialist
            else "",
        )
        if note
    )
    audit_record(request=request, action=AuditLog.Action.READ, obj=organization)
    return render(request, "insights/organization/insights.html", context)


@require_GET
@portal_required(Portal.ORGANIZATION)
def organization_insights_csv_view(request, org_slug, section):
    """One section of the organization's page as CSV."""
    organization = organization_get_for_admin(user=request.user, slug=org_slug)
    if section not in ORGANIZATION_SECTIONS:
        raise Http404
    form = OrganizationInsightsForm(request.GET, organization=organization)
    if not form.is_valid():
        return _bad_query(form)
    lines = section_csv(
        section,
        organization=organization,
        period=form.period,
        window_days=form.cleaned_data["window"],
        program=form.cleaned_data["program"],
        specialist=form.cleaned_data["specialist"],
    )
    audit_record(request=request, action=AuditLog.Action.EXPORT, obj=organization)
    return _csv_response(lines, f"{section}-{organization.slug}-{form.period.start_on}-{form.period.end_on}.csv")


@require_GET
@portal_required(Portal.SPECIALIST)
def specialist_insights_view(request):
    """The specialist's own patients: their funnel from being matched on,
    attendance, satisfaction and cohorts."""
    profile = specialist_profile_for_user(user=request.user)
    form = InsightsForm(request.GET)
    context = {"profile": profile, "form": form, "sections": SPECIALIST_SECTIONS}
    if not form.is_valid():
        return render(request, "insights/specialist/insights.html", context, status=400)
    if profile is not None:
        context["insights"] = specialist_insights(
            specialist=profile, period=form.period, window_days=form.cleaned_data["window"]
        )
        context["csv"] = _csv_urls(SPECIALIST_SECTIONS, form, "insights:specialist-csv")
        context["funnel_intro"] = _(
            "The patients who were matched with you, or chose you, for the first time from %(start)s to %(end)s, "
            "each followed from that moment."
        ) % {"start": date_format(form.period.start_on), "end": date_format(form.period.end_on)}
        audit_record(request=request, action=AuditLog.Action.READ, obj=profile)
    return render(request, "insights/specialist/insights.html", context)


@require_GET
@portal_required(Portal.SPECIALIST)
def specialist_insights_csv_view(request, section):
    """One section of the specialist's page as CSV."""
    profile = specialist_profile_for_user(user=request.user)
    if profile is None or section not in SPECIALIST_SECTIONS:
        raise Http404
    form = InsightsForm(request.GET)
    if not form.is_valid():
        return _bad_query(form)
    lines = section_csv(section, specialist=profile, period=form.period, window_days=form.cleaned_data["window"])
    audit_record(request=request, action=AuditLog.Action.EXPORT, obj=profile)
    return _csv_response(lines, f"{section}-{form.period.start_on}-{form.period.end_on}.csv")


@require_GET
@vary_on_headers("HX-Request")
@portal_required(Portal.ORGANIZATION)
def organization_overview_view(request, org_slug):
    """How the clinic is doing over the last 7, 30 or 90 days. The
    organization's home loads the same tiles as a fragment."""
    organization = organization_get_for_admin(user=request.user, slug=org_slug)
    days, notice = period_days_parse(request.GET.get("days"), default=PERIOD_DAYS[0])
    context = {
        "organization": organization,
        "overview": organization_overview(organization=organization, days=days),
        "period_days": PERIOD_DAYS,
        "notice": notice,
    }
    audit_record(request=request, action=AuditLog.Action.READ, obj=organization)
    template = "insights/organization/overview.html"
    if request.htmx and not request.htmx.boosted:
        template += "#org-overview"
    return render(request, template, context)


@require_GET
@portal_required(Portal.ORGANIZATION)
def organization_overview_readiness_view(request, org_slug):
    """The overview's "sessions not ready" figure, loaded by the tile: the
    coming week's sessions whose patient still has a consent or form to
    complete."""
    organization = organization_get_for_admin(user=request.user, slug=org_slug)
    context = {"organization": organization, "blocked": blocked_sessions(organization)}
    audit_record(request=request, action=AuditLog.Action.READ, obj=organization)
    return render(request, "insights/organization/overview.html#overview-readiness", context)


@require_GET
@portal_required(Portal.ORGANIZATION)
def organization_specialists_view(request, org_slug):
    """Each specialist's approval, capacity, caseload, utilisation,
    cancellations, no-shows, feedback and payout status."""
    organization = organization_get_for_admin(user=request.user, slug=org_slug)
    days, days_notice = period_days_parse(request.GET.get("days"), default=PERIOD_DAYS[1])
    sort, sort_notice = sort_parse(request.GET.get("sort"))
    period = window_for(days).current
    rows = activity_sorted(specialist_activity(organization=organization, period=period), sort)
    context = {
        "organization": organization,
        "page": Paginator(rows, ACTIVITY_PAGE_SIZE).get_page(request.GET.get("page")),
        "period": period,
        "days": days,
        "sort": sort,
        "sorts": [(key, label) for key, (label, _key) in SORTS.items()],
        "period_days": PERIOD_DAYS,
        "notices": [notice for notice in (days_notice, sort_notice) if notice],
    }
    audit_record(request=request, action=AuditLog.Action.READ, obj=organization)
    return render(request, "insights/organization/specialists.html", context)
