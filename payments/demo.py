"""Demo payments: the demo clinic takes payments online with the built-in
offline test provider (platform-managed, paid at booking), and the
Employee Wellbeing program covers eight sessions per patient; Priya joined
it before booking, so her session is covered (1 of 8 used).

Two seeders. `seed_billing` runs before the demo bookings, so they are made
as a patient makes them now: Alex's follow-up with Sam waits for payment.
`seed_payments` runs after them and pays as a patient pays, with a test
card on the offline provider, processing the provider's events at once
(the worker would do it a moment later): Alex's past, follow-up and
about-to-start sessions are paid with numbered receipts, and a session he
booked and cancelled in time is refunded in full (by the worker, once it
runs). The past payment is dated to when it would have been made.
Idempotent: skipped once Alex has paid.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from booking import services as booking
from booking.demo import PATIENTS, RETURNING_PATIENT, _demo_patient
from booking.models import Appointment
from booking.states import AppointmentStatus
from organizations.models import Organization, Program, ProgramEnrolment
from organizations.services import program_enrol

from . import services
from .models import BillingModel, BillingSettings, Payment, PaymentTiming, ProgramBilling, WebhookEvent
from .providers.offline import SUCCEEDS

ORG_SLUG = "daraport-demo-clinic"
ALEX = "patient@demo.daraport.test"
SAM = "specialist@demo.daraport.test"
PRIYA = "priya.natarajan@patients.demo.daraport.test"
COVERED_SESSIONS = 8
# The demo employer program's code (discovery/demo.py, an app beside this one).
CODE = "WELLBEING2026"

S = AppointmentStatus


def seed_billing() -> list[str]:
    org = Organization.objects.get(slug=ORG_SLUG)
    BillingSettings.objects.get_or_create(
        organization=org,
        defaults={
            "enabled": True,
            "model": BillingModel.PLATFORM,
            "default_timing": PaymentTiming.AT_BOOKING,
            "legal_name": "Daraport Demo Clinic (demo data)",
            "address": "Demo Street 1\n10115 Berlin\nGermany",
            "tax_label": "VAT",
            "tax_basis_points": 0,
            "late_cancellation_refund_percent": 50,
            "no_show_fee_percent": 100,
        },
    )
    program = Program.objects.filter(enrolment_code=CODE).first()
    if program is not None:
        ProgramBilling.objects.get_or_create(program=program, defaults={"covered_sessions": COVERED_SESSIONS})
        # Priya joined through her employer before she booked: her sessions are covered.
        priya = _demo_patient(org, *next(p for p in PATIENTS if p[0] == PRIYA))
        program_enrol(program=program, patient=priya, via=ProgramEnrolment.Via.CODE)
    return [
        "the demo clinic takes payments with the offline test provider: pay with card 4242 4242 4242 4242",
        f"program code {CODE} covers {COVERED_SESSIONS} sessions per patient",
    ]


def seed_payments() -> list[str]:
    User = get_user_model()
    alex = User.objects.filter(email=ALEX).first()
    if alex is None or Payment.objects.filter(patient=alex, status=Payment.Status.SUCCEEDED).exists():
        return []
    sessions = Appointment.objects.filter(patient=alex, specialist__user__email=SAM).order_by("starts_at")
    past = sessions.filter(status=S.COMPLETED).first()
    for appointment in sessions.filter(status__in=[S.COMPLETED, S.AWAITING_PAYMENT, S.CONFIRMED]):
        payment = _pay(appointment)
        if appointment == past:  # paid when it was booked, three weeks ago
            Payment.objects.filter(pk=payment.pk).update(paid_at=appointment.starts_at - timedelta(days=6))
    # Noor's first session (booking/demo.py), paid when she booked it.
    for appointment in Appointment.objects.filter(patient__email=RETURNING_PATIENT[0], status=S.COMPLETED):
        payment = _pay(appointment)
        Payment.objects.filter(pk=payment.pk).update(paid_at=appointment.starts_at - timedelta(days=3))
    lines = [f"{ALEX}: paid sessions with receipts at /patient/payments/"]
    lines += _cancelled_and_refunded(alex, past)
    return lines


def _pay(appointment: Appointment) -> Payment:
    """Paid as the patient pays: a test card on the offline payment page."""
    payment = services.payment_start(appointment=appointment)
    services.offline_card_submit(payment=payment, card_number=SUCCEEDS)
    _process_pending()
    payment.refresh_from_db()
    return payment


def _process_pending() -> None:
    for pk in WebhookEvent.objects.filter(outcome=WebhookEvent.Outcome.PENDING).values_list("pk", flat=True):
        services.webhook_event_process(pk)


def _cancelled_and_refunded(alex, past: Appointment | None) -> list[str]:
    """A session Alex booked, paid and called off in time: refunded in full."""
    if past is None:
        return []
    offering = past.offering
    for days in range(10, 20):
        starts_at = past.starts_at + timedelta(days=21 + days)
        try:
            held = booking.appointment_hold(patient=alex, offering=offering, starts_at=starts_at)
        except (booking.SlotTaken, ValidationError):  # taken, or outside Sam's hours that day: the next
            continue
        appointment = booking.appointment_hold_confirm(appointment=held, by=alex)
        _pay(appointment)
        appointment.refresh_from_db()
        booking.appointment_cancel(appointment=appointment, by=alex, reason="A work trip came up")
        _process_pending()
        return [f"{ALEX}: a cancelled session refunded in full"]
    return []
