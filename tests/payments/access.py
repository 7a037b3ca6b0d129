"""The payments app's rows of the access matrix (tests/test_access_matrix.py).

`org` takes payments (platform-managed, offline provider). patient_a owes a
payment for a session with the persona `specialist` and has paid another:
the payment pages and the receipt open to patient_a only (patient_b: 404),
the refund page to that specialist only (other_specialist: 404). Revenue
and the test onboarding page are any specialist's own; financials and
billing the organization's. The webhook takes POSTs only.
"""

from datetime import timedelta

from django.utils import timezone

from booking.states import AppointmentStatus
from payments.models import WebhookEvent
from specialists.services import specialist_profile_get_or_create
from tests.access import (
    ORG_PORTAL,
    PLATFORM_STAFF_ONLY,
    SCOPED_TO_ORGANIZATION,
    Route,
    admin_model,
    portal_home,
    row,
)
from tests.booking.factories import AppointmentFactory
from tests.payments.factories import BillingSettingsFactory, PaymentFactory
from tests.specialists.factories import OfferingFactory

PATIENTS = portal_home("patient_a", "patient_b")
PATIENT_A_ONLY = {**PATIENTS, "patient_b": 404}
SPECIALISTS = portal_home("specialist", "other_specialist")
PAYMENT_SPECIALIST_ONLY = {**SPECIALISTS, "other_specialist": 404}
DUE = {"public_id": "payments_due_appointment_public_id"}
PAID = {"public_id": "payments_paid_payment_public_id"}
ORG = {"org_slug": "org_slug"}

ROUTES: dict[str, Route] = {
    "payments:pay": Route(PATIENT_A_ONLY, DUE, private=True),
    "payments:pay-status": Route(PATIENT_A_ONLY, DUE, private=True),
    "payments:offline-authenticate": Route(row(405), DUE),
    "payments:history": Route(PATIENTS, private=True),
    "payments:receipt": Route(PATIENT_A_ONLY, PAID, private=True),
    "payments:receipt-pdf": Route(PATIENT_A_ONLY, PAID, private=True),
    "payments:specialist-revenue": Route(SPECIALISTS, private=True),
    "payments:specialist-csv": Route(SPECIALISTS, private=True),
    "payments:refund": Route(PAYMENT_SPECIALIST_ONLY, PAID, private=True),
    "payments:connect": Route(row(405)),
    "payments:offline-onboarding": Route(SPECIALISTS, private=True),
    "payments:org-financials": Route(ORG_PORTAL, ORG, private=True),
    "payments:org-csv": Route(ORG_PORTAL, ORG, private=True),
    "payments:org-billing": Route(ORG_PORTAL, ORG, private=True),
    "payments:webhook": Route(row(405)),
    **admin_model("payments", "payment", "payments_payment_pk", SCOPED_TO_ORGANIZATION),
    **admin_model("payments", "billingsettings", "payments_billing_pk", SCOPED_TO_ORGANIZATION),
    **admin_model("payments", "webhookevent", "payments_webhook_event_pk", PLATFORM_STAFF_ONLY),
}


def samples(personas, org) -> dict:
    """`org`'s billing, patient_a's session waiting for payment and a paid
    one, both with the persona `specialist`, and one stored provider event."""
    billing = BillingSettingsFactory(organization=org)
    offering = OfferingFactory(specialist=specialist_profile_get_or_create(user=personas["specialist"]))
    due = AppointmentFactory(
        patient=personas["patient_a"],
        offering=offering,
        awaiting_payment=True,
        starts_at=timezone.now().replace(microsecond=0) + timedelta(days=3),
        expires_at=timezone.now() + timedelta(hours=2),
    )
    paid = PaymentFactory(
        appointment=AppointmentFactory(
            patient=personas["patient_a"],
            offering=offering,
            status=AppointmentStatus.CONFIRMED,
            starts_at=timezone.now().replace(microsecond=0) + timedelta(days=4),
        )
    )
    event = WebhookEvent.objects.create(event_id="evt_sample", type="payment_intent.succeeded", payload={})
    return {
        "payments_due_appointment_public_id": due.public_id,
        "payments_paid_payment_public_id": paid.public_id,
        "payments_payment_pk": paid.pk,
        "payments_billing_pk": billing.pk,
        "payments_webhook_event_pk": event.pk,
    }
