"""The receipt email: once per payment, in the patient's language, with a
link to the receipt page. No service name or other detail of the care in
the email itself (it sits in an inbox others may see)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.money import Money

from .models import Payment


def receipt_email_send(payment_pk: int) -> bool:
    """Email the receipt of a settled charge, once: the row is claimed
    before sending, so a task run twice sends one email."""
    claimed = Payment.objects.filter(
        pk=payment_pk, status=Payment.Status.SUCCEEDED, kind=Payment.Kind.CHARGE, receipt_emailed_at__isnull=True
    ).update(receipt_emailed_at=timezone.now())
    if not claimed:
        return False
    payment = Payment.objects.select_related("patient", "organization").get(pk=payment_pk)
    patient = payment.patient
    with translation.override(patient.language):
        context = {
            "name": patient.display_name,
            "number": payment.receipt_number,
            "amount": Money(payment.amount_minor, payment.currency),
            "organization": payment.organization.name,
            "url": settings.SITE_URL.rstrip("/") + reverse("payments:receipt", args=[payment.public_id]),
        }
        message = EmailMultiAlternatives(
            subject=_("Your receipt %(number)s") % {"number": payment.receipt_number},
            body=render_to_string("emails/payments/receipt.txt", context),
            to=[patient.email],
        )
        message.attach_alternative(render_to_string("emails/payments/receipt.html", context), "text/html")
        message.send()
    return True
