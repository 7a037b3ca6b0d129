"""The organization's side of payments: financials and their CSV, and the
billing settings (model, timing, fees, receipts, programs).

Organization admins only, of their own organization (another one is a 404).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core.models import AuditLog
from core.portals import Portal, portal_required
from core.services import audit_record
from core.spreadsheets import csv_lines
from organizations.models import Program
from organizations.selectors import organization_get_for_admin
from specialists.models import Offering

from .. import reports, settings_services
from ..forms_staff import BillingSettingsForm, OfferingTimingForm, ProgramBillingForm, ReportRangeForm
from ..models import BillingSettings, OfferingTiming


@require_GET
@portal_required(Portal.ORGANIZATION)
def financials_view(request, org_slug):
    """Gross, fees, refunds and net, per month and per specialist, and what
    each program's covered sessions cost the organization."""
    organization = organization_get_for_admin(user=request.user, slug=org_slug)
    form = ReportRangeForm(request.GET)
    context = {"organization": organization, "form": form}
    if not form.is_valid():
        return render(request, "payments/organization/financials.html", context, status=400)
    context["financials"] = reports.financials_for_organization(
        organization=organization, date_range=form.date_range, zone=timezone.get_current_timezone()
    )
    audit_record(request=request, action=AuditLog.Action.READ, obj=organization)
    return render(request, "payments/organization/financials.html", context)


@require_GET
@portal_required(Portal.ORGANIZATION)
def financials_csv_view(request, org_slug):
    """One row per payment over the chosen dates, as CSV."""
    organization = organization_get_for_admin(user=request.user, slug=org_slug)
    form = ReportRangeForm(request.GET)
    if not form.is_valid():
        return HttpResponse(form.error_text(), status=400, content_type="text/plain; charset=utf-8")
    zone = timezone.get_current_timezone()  # streaming runs after the zone is reset
    rows = reports.organization_csv_rows(organization=organization, date_range=form.date_range, zone=zone)
    audit_record(request=request, action=AuditLog.Action.EXPORT, obj=organization)
    response = StreamingHttpResponse(
        csv_lines(reports.ORGANIZATION_CSV_HEADER, rows), content_type="text/csv; charset=utf-8"
    )
    filename = f"payments-{organization.slug}-{form.date_range.start_on}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _billing_forms(request, organization):
    """The settings form, one select per service and one form per program."""
    data = request.POST if request.method == "POST" else None
    currency = organization.currency
    billing = BillingSettings.objects.filter(organization=organization).first() or BillingSettings(
        organization=organization
    )
    offerings = (
        Offering.objects.filter(specialist__organization=organization, is_active=True)
        .select_related("specialist")
        .order_by("specialist__display_name", "position", "pk")
    )
    timings = dict(
        OfferingTiming.objects.filter(offering__specialist__organization=organization).values_list(
            "offering_id", "timing"
        )
    )
    programs = Program.objects.filter(organization=organization).select_related("billing").order_by("name")
    return (
        BillingSettingsForm(data, currency=currency, initial=BillingSettingsForm.initial_for(billing, currency)),
        OfferingTimingForm(data, offerings=offerings, timings=timings),
        [
            ProgramBillingForm(data, program=p, currency=currency, initial=ProgramBillingForm.initial_for(p, currency))
            for p in programs
        ],
    )


@require_http_methods(["GET", "POST"])
@portal_required(Portal.ORGANIZATION)
def billing_view(request, org_slug):
    """How the organization takes money: all of the page is saved, or none."""
    organization = organization_get_for_admin(user=request.user, slug=org_slug)
    settings_form, timing_form, program_forms = _billing_forms(request, organization)
    status = 200
    if request.method == "POST":
        forms = [settings_form, timing_form, *program_forms]
        if all([form.is_valid() for form in forms]):
            try:
                settings_services.billing_page_save(
                    organization=organization,
                    by=request.user,
                    request=request,
                    settings=settings_form.service_kwargs(),
                    timings=timing_form.chosen(),
                    programs={form.program: form.service_kwargs() for form in program_forms},
                )
            except ValidationError as error:
                settings_form.add_error(None, error)
            else:
                messages.success(request, _("Billing settings saved. New payments use them from now on."))
                return redirect("payments:org-billing", organization.slug)
        status = 422
    context = {
        "organization": organization,
        "form": settings_form,
        "timing_form": timing_form,
        "program_forms": program_forms,
        "has_errors": status == 422,
    }
    return render(request, "payments/organization/billing.html", context, status=status)
