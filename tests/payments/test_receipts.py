"""Receipts: numbered per organization, issued in its legal name and
address, with the session in the patient's own zone, a tax line where the
organization sets one, refunds below; as a page, a PDF and an email."""

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from booking import services as booking
from core.models import AuditLog
from core.timeutils import format_in_zone
from organizations.models import ProgramEnrolment
from payments import emails, services
from payments.models import BillingSettings, Payment, Refund
from payments.providers.offline import SUCCEEDS
from payments.receipts import receipt_context, receipt_filename, receipt_pdf, tax_included_minor
from tests.booking.factories import AppointmentFactory
from tests.messaging.factories_pages import patient_of
from tests.organizations.factories import ProgramFactory

from .factories import PaymentFactory, ProgramBillingFactory


def receipt_url(payment):
    return reverse("payments:receipt", args=[payment.public_id])


def pdf_url(payment):
    return reverse("payments:receipt-pdf", args=[payment.public_id])


def pay(patient, offering, starts_at, django_capture_on_commit_callbacks) -> Payment:
    """Book a session paid at booking and pay it with the good test card."""
    held = booking.appointment_hold(patient=patient, offering=offering, starts_at=starts_at)
    appointment = booking.appointment_hold_confirm(appointment=held, by=patient)
    payment = services.payment_start(appointment=appointment)
    with django_capture_on_commit_callbacks(execute=True):
        services.offline_card_submit(payment=payment, card_number=SUCCEEDS)
    payment.refresh_from_db()
    return payment


def page_text(client, payment) -> str:
    return " ".join(client.get(receipt_url(payment)).content.decode().split())


@pytest.mark.parametrize(
    ("amount", "basis_points", "tax"),
    [(9000, 0, 0), (9000, 1900, 1437), (9000, 700, 589), (10750, 750, 750), (1, 1900, 0), (11900, 1900, 1900)],
)
def test_the_tax_included_is_the_share_of_the_gross_amount(amount, basis_points, tax):
    assert tax_included_minor(amount, basis_points) == tax


def test_receipts_are_numbered_one_after_another_per_organization(
    client, org, patient, offering, tomorrow_10, django_capture_on_commit_callbacks
):
    first = pay(patient, offering, tomorrow_10, django_capture_on_commit_callbacks)
    second = pay(patient, offering, tomorrow_10 + timedelta(hours=2), django_capture_on_commit_callbacks)
    assert first.receipt_number.endswith("-000001") and second.receipt_number.endswith("-000002")
    assert first.receipt_number[:-6] == second.receipt_number[:-6]
    client.force_login(patient)
    text = page_text(client, second)
    assert f"Receipt number</th><td>{second.receipt_number}</td>" in text


def test_the_receipt_names_the_issuer_the_session_in_the_patients_zone_and_the_amount(
    client, org, patient, offering, tomorrow_10, django_capture_on_commit_callbacks
):
    payment = pay(patient, offering, tomorrow_10, django_capture_on_commit_callbacks)
    client.force_login(patient)
    response = client.get(receipt_url(payment))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    text = " ".join(response.content.decode().split())
    assert "Demo Clinic (demo)" in text
    assert "1 Example Street<br>10115 Berlin<br>" in text
    assert "Alex Doe" in text and "Therapy session" in text and "Lena Berg" in text
    new_york = format_in_zone(tomorrow_10, "America/New_York")
    assert new_york.endswith("(America/New York)") and f"session on {new_york}" in text
    assert 'Total paid</th><td class="receipt-amount">€90.00' in text
    assert "test payment: no money moved" in text
    assert "Includes" not in text  # no tax set
    assert AuditLog.objects.filter(actor=patient, action="read", object_public_id=payment.public_id).count() == 1


def test_without_a_legal_name_the_organizations_name_issues_it(client, org, patient, offering, tomorrow_10):
    BillingSettings.objects.filter(organization=org).update(legal_name="", address="")
    payment = PaymentFactory(
        appointment=AppointmentFactory(patient=patient, offering=offering, confirmed=True, starts_at=tomorrow_10)
    )
    context = receipt_context(Payment.objects.get(pk=payment.pk))
    assert (context["issuer"], context["address_lines"]) == ("Demo Clinic", [])


def test_a_tax_line_shows_what_the_amount_includes(client, org, patient, offering, tomorrow_10):
    BillingSettings.objects.filter(organization=org).update(
        tax_label="VAT", tax_basis_points=1900, tax_id="DE123456789"
    )
    payment = PaymentFactory(
        appointment=AppointmentFactory(patient=patient, offering=offering, confirmed=True, starts_at=tomorrow_10)
    )
    client.force_login(patient)
    text = page_text(client, payment)
    assert 'Includes VAT (19 %)</th><td class="receipt-amount">€14.37' in text
    assert "Tax number: DE123456789" in text

    BillingSettings.objects.filter(organization=org).update(tax_label="", tax_basis_points=750)
    assert 'Includes Tax (7.5 %)</th><td class="receipt-amount">€6.28' in page_text(client, payment)


def test_refunds_are_listed_below_the_amount(client, patient, offering, tomorrow_10):
    payment = PaymentFactory(
        appointment=AppointmentFactory(patient=patient, offering=offering, confirmed=True, starts_at=tomorrow_10),
        refunded_minor=3000,
    )
    sent_at = timezone.now() - timedelta(hours=1)
    Refund.objects.create(
        payment=payment,
        amount_minor=3000,
        cause=Refund.Cause.MANUAL,
        status=Refund.Status.SUCCEEDED,
        succeeded_at=sent_at,
    )
    Refund.objects.create(payment=payment, amount_minor=1000, cause=Refund.Cause.MANUAL)
    Refund.objects.create(payment=payment, amount_minor=500, cause=Refund.Cause.MANUAL, status=Refund.Status.FAILED)
    client.force_login(patient)
    text = page_text(client, payment)
    assert f"Refunded on {format_in_zone(sent_at, 'America/New_York')}" in text
    assert "-€30.00" in text and "Refund on its way" in text and "-€10.00" in text
    assert "-€5.00" not in text  # a failed refund gave nothing back
    assert 'Paid after refunds</th><td class="receipt-amount">€60.00' in text


def test_the_pdf_is_a_pdf_with_a_plain_name_and_the_download_is_audited(
    client, patient, offering, tomorrow_10, django_capture_on_commit_callbacks
):
    payment = pay(patient, offering, tomorrow_10, django_capture_on_commit_callbacks)
    client.force_login(patient)
    response = client.get(pdf_url(payment))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"] == f'attachment; filename="receipt-{payment.receipt_number}.pdf"'
    assert "no-store" in response["Cache-Control"]
    assert AuditLog.objects.filter(actor=patient, action="download", object_public_id=payment.public_id).exists()


def test_the_pdf_renders_with_tax_and_refunds(org, patient, offering, tomorrow_10):
    BillingSettings.objects.filter(organization=org).update(tax_label="VAT", tax_basis_points=1900, tax_id="DE1")
    payment = PaymentFactory(
        appointment=AppointmentFactory(patient=patient, offering=offering, confirmed=True, starts_at=tomorrow_10),
        refunded_minor=9000,
    )
    Refund.objects.create(
        payment=payment,
        amount_minor=9000,
        cause=Refund.Cause.POLICY,
        status=Refund.Status.SUCCEEDED,
        succeeded_at=timezone.now(),
    )
    document = receipt_pdf(Payment.objects.get(pk=payment.pk))
    assert document.startswith(b"%PDF")
    text = PdfReader(io.BytesIO(document)).pages[0].extract_text()
    assert "Demo Clinic (demo)" in text and "Tax number: DE1" in text
    assert format_in_zone(tomorrow_10, "America/New_York") in text
    assert "Includes VAT (19 %)" in text and "€14.37" in text
    assert "-€90.00" in text and "Paid after refunds" in text


def test_the_file_name_holds_only_safe_characters():
    assert receipt_filename(Payment(receipt_number='AB/../"C-000001')) == "receipt-ABC-000001.pdf"


def test_only_settled_card_payments_of_ones_own_have_a_receipt(client, org, patient, offering, tomorrow_10):
    program = ProgramFactory(organization=org)
    ProgramBillingFactory(program=program)
    ProgramEnrolment.objects.create(program=program, patient=patient, via="code")

    def session(hours):
        return AppointmentFactory(
            patient=patient, offering=offering, confirmed=True, starts_at=tomorrow_10 + timedelta(hours=hours)
        )

    covered = PaymentFactory(
        appointment=session(0), kind=Payment.Kind.COVERAGE, program=program, intent_id=None, receipt_number=None
    )
    unpaid = PaymentFactory(appointment=session(2), status=Payment.Status.DUE, paid_at=None, receipt_number=None)
    failed = PaymentFactory(appointment=session(4), status=Payment.Status.FAILED, paid_at=None, receipt_number=None)
    client.force_login(patient)
    for payment in (covered, unpaid, failed):
        assert client.get(receipt_url(payment)).status_code == 404
        assert client.get(pdf_url(payment)).status_code == 404

    theirs = PaymentFactory(appointment=AppointmentFactory(patient=patient_of(org), offering=offering, confirmed=True))
    assert client.get(receipt_url(theirs)).status_code == 404
    assert client.get(pdf_url(theirs)).status_code == 404
    assert AuditLog.objects.filter(actor=patient, action="denied", object_public_id=theirs.public_id).exists()
    assert not AuditLog.objects.filter(actor=patient, action__in=["read", "download"]).exists()


def test_the_receipt_email_is_sent_once_with_a_link_and_no_detail_of_the_care(
    patient, offering, tomorrow_10, django_capture_on_commit_callbacks
):
    payment = pay(patient, offering, tomorrow_10, django_capture_on_commit_callbacks)
    [message] = [m for m in mail.outbox if "receipt" in m.subject]  # queued by the payment, sent by the task
    assert message.to == [patient.email]
    assert message.subject == f"Your receipt {payment.receipt_number}"
    assert receipt_url(payment) in message.body and "€90.00" in message.body
    assert "Therapy session" not in message.body and "Lena Berg" not in message.body
    assert emails.receipt_email_send(payment.pk) is False
    assert len([m for m in mail.outbox if "receipt" in m.subject]) == 1
