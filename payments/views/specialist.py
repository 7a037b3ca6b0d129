"""The specialist's side of payments: revenue and its CSV, refunds by
hand, and connecting the account their payments are paid into.

Every page is the signed-in specialist's own: a payment of anyone else's
session is a 404.
"""

from __future__ import annotations

import logging

import stripe
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.models import AuditLog
from core.money import Money
from core.portals import Portal, portal_required
from core.services import audit_read, audit_record
from core.spreadsheets import csv_lines
from specialists.selectors import specialist_profile_for_user
from specialists.services import specialist_profile_get_or_create

from .. import reports, selectors, services
from ..forms_staff import RefundForm, ReportRangeForm
from ..models import Refund
from ..providers import provider

logger = logging.getLogger(__name__)


def _offline() -> bool:
    return provider().name == "offline"


# The payouts the revenue page lists, newest first.
RECENT_PAYOUTS = 12


@require_GET
@portal_required(Portal.SPECIALIST)
def revenue_view(request):
    """What the specialist was paid, what is due and refunded, by week and
    month, their payments, and the state of their payout account."""
    form = ReportRangeForm(request.GET)
    profile = specialist_profile_for_user(user=request.user)
    account = selectors.payout_account_for(profile) if profile else None
    context = {
        "form": form,
        "profile": profile,
        "account": account,
        "payouts": list(account.payouts.all()[:RECENT_PAYOUTS]) if account else [],
        "account_needed": reports.payout_account_needed(profile.organization if profile else None),
        "offline": _offline(),
    }
    if not form.is_valid():
        return render(request, "payments/specialist/revenue.html", context, status=400)
    zone = timezone.get_current_timezone()
    date_range = form.date_range
    context["revenue"] = reports.revenue_for_specialist(user=request.user, date_range=date_range, zone=zone)
    context["page"] = reports.payment_page_for_specialist(
        user=request.user, date_range=date_range, zone=zone, page_number=request.GET.get("page")
    )
    audit_record(request=request, action=AuditLog.Action.READ, obj=profile)
    return render(request, "payments/specialist/revenue.html", context)


@require_GET
@portal_required(Portal.SPECIALIST)
def revenue_csv_view(request):
    """The specialist's payments and refunds over the chosen dates, as CSV."""
    form = ReportRangeForm(request.GET)
    if not form.is_valid():
        return HttpResponse(form.error_text(), status=400, content_type="text/plain; charset=utf-8")
    zone = timezone.get_current_timezone()  # streaming runs after the zone is reset
    rows = reports.specialist_csv_rows(user=request.user, date_range=form.date_range, zone=zone)
    audit_record(request=request, action=AuditLog.Action.EXPORT, obj=specialist_profile_for_user(user=request.user))
    response = StreamingHttpResponse(
        csv_lines(reports.SPECIALIST_CSV_HEADER, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="payments-{form.date_range.start_on}.csv"'
    return response


@require_http_methods(["GET", "POST"])
@portal_required(Portal.SPECIALIST)
def refund_view(request, public_id):
    """Give back all or part of one payment, with a reason."""
    payment = reports.payment_get_for_specialist(user=request.user, public_id=public_id)
    left = reports.refund_left(payment)
    form = RefundForm(request.POST if request.method == "POST" else None, payment=payment, left=left)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                refund = services.refund_create(
                    payment=payment,
                    amount_minor=form.cleaned_data["amount"],
                    cause=Refund.Cause.MANUAL,
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                    request=request,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                amount = Money(refund.amount_minor, payment.currency).format()
                messages.success(
                    request,
                    _("Refund of %(amount)s on its way to %(name)s.")
                    % {"amount": amount, "name": payment.patient.display_name},
                )
                return redirect("payments:specialist-revenue")
        status = 422
    else:
        audit_read(request, payment)
    context = {"payment": payment, "form": form, "left": left, "refunds": payment.refunds.all()}
    return render(request, "payments/specialist/refund.html", context, status=status)


@require_POST
@portal_required(Portal.SPECIALIST)
def connect_view(request):
    """Send the specialist to connect (or finish) their payout account."""
    profile = specialist_profile_get_or_create(user=request.user)
    if not reports.payout_account_needed(profile.organization):
        messages.info(request, _("Your organization takes payments into its own account: there is nothing to connect."))
        return redirect("payments:specialist-revenue")
    back = request.build_absolute_uri(reverse("payments:specialist-revenue"))
    try:
        url = services.payout_account_onboarding_url(specialist=profile, return_url=back, refresh_url=back)
    except stripe.StripeError:
        logger.exception("payout account onboarding failed")
        messages.error(request, _("Stripe could not be reached just now. Please try again in a minute."))
        return redirect("payments:specialist-revenue")
    return redirect(url)


@require_http_methods(["GET", "POST"])
@portal_required(Portal.SPECIALIST)
def offline_onboarding_view(request):
    """The built-in test provider's stand-in for Stripe's onboarding pages."""
    if not _offline():
        raise Http404
    profile = specialist_profile_for_user(user=request.user)
    account = selectors.payout_account_for(profile) if profile else None
    status = 200
    error = ""
    if request.method == "POST":
        outcome = request.POST.get("outcome")
        if outcome not in ("complete", "incomplete") or profile is None:
            error = (
                _("Choose how to leave the test onboarding.") if profile else _("Start connecting your account first.")
            )
        else:
            try:
                services.offline_onboarding_finish(specialist=profile, complete=outcome == "complete")
            except ValidationError as failure:
                error = " ".join(failure.messages)
            else:
                if outcome == "complete":
                    messages.success(request, _("Test onboarding finished: your payout account is being activated."))
                else:
                    messages.info(request, _("You left the test onboarding with information missing."))
                return redirect("payments:specialist-revenue")
        status = 422
    context = {"account": account, "error": error}
    return render(request, "payments/specialist/offline_onboarding.html", context, status=status)
