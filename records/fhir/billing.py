"""Invoice and PaymentReconciliation: only where a payment exists.

Each `Payment` is an Invoice (what the appointment cost and whether it was
settled); a settled card payment is also a PaymentReconciliation (the money
received, with each refund as a negative adjustment).
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from payments.models import Payment, Refund

from .common import base, day, instant, money, prune, ref

PAYMENT_TYPE = "http://terminology.hl7.org/CodeSystem/payment-type"
# Payment.Status → invoice-status (http://hl7.org/fhir/invoice-status).
INVOICE_STATUS = {
    Payment.Status.DUE: "issued",
    Payment.Status.REQUIRES_ACTION: "issued",
    Payment.Status.PROCESSING: "issued",
    Payment.Status.FAILED: "issued",
    Payment.Status.SUCCEEDED: "balanced",
    Payment.Status.VOID: "cancelled",
}


def _payments() -> QuerySet[Payment]:
    return Payment.objects.select_related("patient", "specialist", "organization", "appointment__offering").order_by(
        "pk"
    )


def invoice_rows(organization) -> QuerySet[Payment]:
    return _payments().filter(organization=organization)


def invoice_rows_for_patient(user) -> QuerySet[Payment]:
    return _payments().filter(patient=user)


def invoice_resource(payment, *, with_text=False) -> dict:
    amount = money(payment.amount_minor, payment.currency)
    covered = payment.kind == Payment.Kind.COVERAGE
    return prune(
        {
            **base("Invoice", payment),
            "identifier": (
                [{"system": f"urn:uuid:{payment.organization.public_id}", "value": payment.receipt_number}]
                if payment.receipt_number
                else []
            ),
            "status": INVOICE_STATUS[payment.status],
            "subject": ref("Patient", payment.patient.public_id),
            "recipient": ref("Patient", payment.patient.public_id),
            "date": instant(payment.paid_at or payment.created_at),
            "participant": [{"actor": ref("Practitioner", payment.specialist.public_id)}],
            "issuer": ref("Organization", payment.organization.public_id),
            "lineItem": [
                {
                    "sequence": 1,
                    "chargeItemCodeableConcept": {"text": payment.appointment.offering.name},
                    "priceComponent": [{"type": "base", "amount": amount}],
                }
            ],
            "totalNet": amount,
            "totalGross": amount,
            "note": [{"text": str(Payment.Kind.COVERAGE.label)}] if covered else [],
        }
    )


def _settled() -> QuerySet[Payment]:
    refunds = Refund.objects.filter(status=Refund.Status.SUCCEEDED).order_by("succeeded_at", "pk")
    return (
        _payments()
        .filter(kind=Payment.Kind.CHARGE, status=Payment.Status.SUCCEEDED, paid_at__isnull=False)
        .prefetch_related(Prefetch("refunds", queryset=refunds))
    )


def reconciliation_rows(organization) -> QuerySet[Payment]:
    return _settled().filter(organization=organization)


def reconciliation_rows_for_patient(user) -> QuerySet[Payment]:
    return _settled().filter(patient=user)


def _detail(payment, kind: str, amount_minor: int, when) -> dict:
    return {
        "type": {"coding": [{"system": PAYMENT_TYPE, "code": kind}]},
        "request": ref("Invoice", payment.public_id),
        "date": day(when),
        "amount": money(amount_minor, payment.currency),
    }


def reconciliation_resource(payment, *, with_text=False) -> dict:
    refunds = list(payment.refunds.all())
    return prune(
        {
            **base("PaymentReconciliation", payment),
            "status": "active",
            "created": instant(payment.paid_at),
            "paymentDate": day(payment.paid_at),
            "paymentAmount": money(payment.amount_minor, payment.currency),
            "outcome": "complete",
            "detail": [
                _detail(payment, "payment", payment.amount_minor, payment.paid_at),
                *(
                    _detail(payment, "adjustment", -refund.amount_minor, refund.succeeded_at or refund.created_at)
                    for refund in refunds
                ),
            ],
        }
    )
