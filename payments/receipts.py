"""A receipt of a settled card payment: the facts its page and its PDF show
(who issued it, its number, the session, the amount, the tax included,
refunds since), and the PDF itself, rendered from HTML with xhtml2pdf.

Dates are shown in the patient's own zone, named, so the PDF reads the
same wherever it is opened. Nothing outside the document is fetched while
rendering: the resource callback refuses every address (as consents.pdf).
"""

from __future__ import annotations

import io
import re
from decimal import ROUND_HALF_EVEN, Decimal

from django.template.loader import render_to_string

from core.money import Money
from core.timeutils import format_in_zone

from .models import BillingSettings, Payment, Refund

PDF_TEMPLATE = "payments/patient/receipt_pdf.html"


class PdfError(RuntimeError):
    """xhtml2pdf could not render the receipt."""


def tax_included_minor(amount_minor: int, basis_points: int) -> int:
    """The tax contained in a gross amount at `basis_points` (1900 = 19 %):
    amount * bp / (10,000 + bp), rounded half-even once, to a minor unit."""
    if basis_points <= 0:
        return 0
    value = Decimal(amount_minor) * basis_points / Decimal(10_000 + basis_points)
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def _percent(basis_points: int) -> str:
    """1900 → "19", 750 → "7.5": a rate as people write it."""
    text = f"{Decimal(basis_points) / 100:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _billing(payment: Payment) -> BillingSettings | None:
    try:
        return payment.organization.billing
    except BillingSettings.DoesNotExist:
        return None


def receipt_context(payment: Payment) -> dict:
    """What a receipt says, formatted for its reader (the patient)."""
    billing = _billing(payment)
    zone = payment.patient.timezone
    currency = payment.currency
    amount = Money(payment.amount_minor, currency)
    tax = None
    if billing is not None and billing.tax_basis_points > 0:
        tax = {
            "label": billing.tax_label,
            "percent": _percent(billing.tax_basis_points),
            "amount": Money(tax_included_minor(payment.amount_minor, billing.tax_basis_points), currency),
            "tax_id": billing.tax_id,
        }
    refunds = [
        {
            "amount": Money(refund.amount_minor, currency),
            "is_sent": refund.status == Refund.Status.SUCCEEDED,
            "on": format_in_zone(refund.succeeded_at or refund.created_at, zone),
        }
        for refund in payment.refunds.all()
        if refund.status != Refund.Status.FAILED
    ]
    refunded = Money(payment.refunded_minor, currency)
    return {
        "payment": payment,
        "number": payment.receipt_number,
        "issuer": (billing.legal_name if billing else "") or payment.organization.name,
        "address_lines": [line for line in (billing.address if billing else "").splitlines() if line.strip()],
        "tax_id": billing.tax_id if billing else "",
        "patient_name": payment.patient.display_name,
        "paid_on": format_in_zone(payment.paid_at, zone),
        "session_at": format_in_zone(payment.appointment.starts_at, zone),
        "specialist": payment.specialist.display_name,
        "service": payment.appointment.offering.name,
        "amount": amount,
        "tax": tax,
        "refunds": refunds,
        "refunded": refunded,
        "net": amount - refunded,
        "is_test": payment.provider == "offline",
    }


def receipt_filename(payment: Payment) -> str:
    """A plain ASCII file name with the receipt number and nothing personal."""
    return f"receipt-{re.sub(r'[^A-Za-z0-9-]', '', payment.receipt_number or '')}.pdf"


def _no_resources(uri, rel):
    return ""


def receipt_pdf(payment: Payment) -> bytes:
    """The receipt as a PDF document."""
    from xhtml2pdf import pisa

    html = render_to_string(PDF_TEMPLATE, receipt_context(payment))
    out = io.BytesIO()
    status = pisa.CreatePDF(html, dest=out, encoding="utf-8", link_callback=_no_resources)
    if status.err:
        raise PdfError("the receipt could not be rendered")
    return out.getvalue()
