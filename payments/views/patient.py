"""The patient's side of payments: paying one appointment (the offline
provider's test card page, or Stripe's Payment Element), following the
payment until it settles, the history of payments, and receipts.

Every id is looked up among the patient's own appointments or payments
(anyone else's is a 404). What is charged is the payment's own amount,
never anything posted. A booking that can no longer be paid gets a page
saying so (409, or 410 once its time has run out), and nothing is charged.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HTMX_STOP_POLLING

from booking.selectors_patient import appointment_get_for_patient
from core.models import AuditLog
from core.money import Money
from core.portals import Portal, portal_required
from core.services import audit_read, audit_record

from ..forms import BankStepPayForm, CardPayForm
from ..models import BillingModel, Payment
from ..providers import offline
from ..receipts import receipt_context, receipt_filename, receipt_pdf
from ..selectors import coverages_for, pay_url
from ..selectors_patient import (
    appointment_payment_for_patient,
    payment_history_for_patient,
    payment_of_appointment,
    receipt_get_for_patient,
)
from ..services import offline_authenticate, offline_card_submit, payment_start

P = Payment.Status

PAY_TEMPLATE = "payments/patient/pay.html"
CLOSED_TEMPLATE = "payments/patient/pay_closed.html"
STATUS_TEMPLATE = "payments/patient/pay_status.html"

# What each of the offline provider's test cards does, for its page.
TEST_CARD_OUTCOMES = {
    offline.SUCCEEDS: _("The payment succeeds."),
    offline.DECLINED: _("The card is declined."),
    offline.INSUFFICIENT_FUNDS: _("Declined for insufficient funds."),
    offline.REQUIRES_ACTION: _("Your bank asks you to confirm first."),
}


def _see_other(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _status_url(appointment) -> str:
    return reverse("payments:pay-status", args=[appointment.public_id])


def _grouped(number: str) -> str:
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


# --- Paying -------------------------------------------------------------------------


def _pay_page(request, appointment, payment, *, form=None, error="", status=200):
    context = {
        "appointment": appointment,
        "payment": payment,
        "specialist": appointment.specialist,
        "amount": Money(payment.amount_minor, payment.currency),
        "patient_zone": request.user.timezone,
        "deadline": appointment.expires_at if appointment.status == "awaiting_payment" else None,
        "error": error,
    }
    if payment.provider == offline.OfflineProvider.name:
        context.update(
            form=form or CardPayForm(),
            test_cards=[(_grouped(number), outcome) for number, outcome in TEST_CARD_OUTCOMES.items()],
        )
    else:
        # Destination charges are made on the platform; direct ones on the account that takes the money.
        direct = payment.billing_model != BillingModel.MARKETPLACE
        context.update(
            stripe_key=settings.STRIPE_PUBLISHABLE_KEY,
            stripe_account=payment.connected_account if direct else "",
            return_url=request.build_absolute_uri(_status_url(appointment)),
        )
    return render(request, PAY_TEMPLATE, context, status=status)


def _closed(request, appointment, error: ValidationError):
    """Nothing (more) to pay here: say why, and where to go instead. A
    session a program pays for is no refusal: the page says so."""
    line = appointment_payment_for_patient(appointment)
    covered = line is not None and line.payment.kind == Payment.Kind.COVERAGE
    context = {"appointment": appointment, "message": error.messages[0], "code": error.code, "line": line}
    if covered:
        status = 200
    elif error.code == "lapsed":
        status = 410
    elif error.code == "provider_unavailable":
        status = 503
    else:
        status = 409
    return render(request, CLOSED_TEMPLATE, context, status=status)


@require_http_methods(["GET", "POST"])
@portal_required(Portal.PATIENT)
def pay_view(request, public_id):
    """The payment page of one of the patient's appointments. GET makes the
    payment ready at the provider; a POST (the test page only) pays it with
    a test card, and the outcome is followed on the status page."""
    appointment = appointment_get_for_patient(patient=request.user, public_id=public_id)
    try:
        payment = payment_start(appointment=appointment)
    except ValidationError as error:
        return _closed(request, appointment, error)
    is_offline = payment.provider == offline.OfflineProvider.name
    if payment.status == P.PROCESSING or (is_offline and payment.status == P.REQUIRES_ACTION):
        return _see_other(_status_url(appointment))  # under way (a second click lands here too)
    if request.method == "GET":
        audit_read(request, payment)
        return _pay_page(request, appointment, payment)
    form = CardPayForm(request.POST)
    if not form.is_valid():
        return _pay_page(request, appointment, payment, form=form, status=422)
    try:
        offline_card_submit(payment=payment, card_number=form.cleaned_data["card_number"])
    except ValidationError as error:
        status = 422 if error.code == "card_number" else 409
        return _pay_page(request, appointment, payment, form=form, error=error.messages[0], status=status)
    return _see_other(_status_url(appointment))


# --- Following the payment --------------------------------------------------------------


def _state(appointment, payment, redirect_status: str) -> str:
    """Where the payment stands, as the status page tells it."""
    if payment is None:
        return "due" if pay_url(appointment) else "none"
    if payment.kind == Payment.Kind.COVERAGE:
        return "covered" if payment.status == P.SUCCEEDED else "void"
    if payment.status == P.DUE and payment.provider == "stripe":
        # Stripe sends the patient back before its event arrives; only the event settles the payment.
        if redirect_status in {"succeeded", "processing"}:
            return "processing"
        if redirect_status == "failed":
            return "failed"
    return {
        P.SUCCEEDED: "succeeded",
        P.PROCESSING: "processing",
        P.FAILED: "failed",
        P.REQUIRES_ACTION: "requires_action",
        P.VOID: "void",
    }.get(payment.status, "due")


def _status_context(request, appointment, payment, **extra) -> dict:
    state = _state(appointment, payment, request.GET.get("redirect_status", ""))
    return {
        "appointment": appointment,
        "specialist": appointment.specialist,
        "payment": payment,
        "line": appointment_payment_for_patient(appointment) if state == "covered" else None,
        "state": state,
        "is_offline": payment is not None and payment.provider == offline.OfflineProvider.name,
        "poll_url": request.get_full_path(),
        "bank_form": BankStepPayForm(),
        **extra,
    }


@require_GET
@vary_on_headers("HX-Request")
@portal_required(Portal.PATIENT)
def pay_status_view(request, public_id):
    """How the payment of one appointment stands; while it is processing
    the page asks again every second, and stops once it has settled."""
    appointment = appointment_get_for_patient(patient=request.user, public_id=public_id)
    payment = payment_of_appointment(appointment)
    context = _status_context(request, appointment, payment)
    if request.htmx and not request.htmx.boosted:
        response = render(request, f"{STATUS_TEMPLATE}#pay-status", context)
        if context["state"] != "processing":
            response.status_code = HTMX_STOP_POLLING
        return response
    audit_read(request, payment or appointment)
    return render(request, STATUS_TEMPLATE, context)


@require_POST
@portal_required(Portal.PATIENT)
def offline_authenticate_view(request, public_id):
    """The test bank's extra step, confirmed or cancelled."""
    appointment = appointment_get_for_patient(patient=request.user, public_id=public_id)
    payment = payment_of_appointment(appointment)
    if payment is None:
        raise Http404
    form = BankStepPayForm(request.POST)
    if not form.is_valid():
        context = _status_context(request, appointment, payment, bank_form=form)
        return render(request, STATUS_TEMPLATE, context, status=422)
    try:
        offline_authenticate(payment=payment, approved=form.approved)
    except ValidationError as error:
        context = _status_context(request, appointment, payment, error=error.messages[0])
        return render(request, STATUS_TEMPLATE, context, status=409)
    return _see_other(_status_url(appointment))


# --- History and receipts -----------------------------------------------------------------


@require_GET
@portal_required(Portal.PATIENT)
def history_view(request):
    """Every charge, refund and covered session, newest first, with what
    each program still covers at the top."""
    lines = payment_history_for_patient(patient=request.user)
    audit_record(request=request, action=AuditLog.Action.READ)
    context = {"lines": lines, "coverages": coverages_for(request.user)}
    return render(request, "payments/patient/history.html", context)


@require_GET
@portal_required(Portal.PATIENT)
def receipt_view(request, public_id):
    payment = receipt_get_for_patient(patient=request.user, public_id=public_id)
    audit_read(request, payment)
    return render(request, "payments/patient/receipt.html", receipt_context(payment))


@require_GET
@portal_required(Portal.PATIENT)
def receipt_pdf_view(request, public_id):
    payment = receipt_get_for_patient(patient=request.user, public_id=public_id)
    audit_record(request=request, action=AuditLog.Action.DOWNLOAD, obj=payment)
    response = HttpResponse(receipt_pdf(payment), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{receipt_filename(payment)}"'
    return response
