"""Reading payments: who takes the money for a session, what a program
still covers, what is due, and the answers booking asks through
`core.payments`."""

from __future__ import annotations

from dataclasses import dataclass

from django.shortcuts import get_object_or_404
from django.urls import reverse

from booking.models import Appointment
from booking.states import AppointmentStatus
from core.money import Money
from core.payments import Gate
from organizations.models import Organization, ProgramEnrolment

from .models import BillingModel, BillingSettings, OfferingTiming, Payment, PaymentTiming, PayoutAccount, ProgramBilling

S = AppointmentStatus


def billing_for(organization: Organization | None) -> BillingSettings | None:
    """The organization's billing settings when it takes payments online."""
    if organization is None:
        return None
    return BillingSettings.objects.filter(organization=organization, enabled=True).first()


def payout_account_for(specialist) -> PayoutAccount | None:
    return PayoutAccount.objects.filter(specialist=specialist).first()


@dataclass(frozen=True)
class Terms:
    """Who takes one session's money, and what the organization keeps."""

    model: str
    fee_basis_points: int
    fee_fixed_minor: int
    connected_account: str  # the account charged, or "" for the platform's own

    def fee_for(self, amount_minor: int) -> int:
        if self.model != BillingModel.MARKETPLACE:
            return 0
        fee = Money(amount_minor, "EUR").apply_bps(self.fee_basis_points).amount_minor + self.fee_fixed_minor
        return min(fee, amount_minor)


def _program_billing_of(patient, organization) -> ProgramBilling | None:
    """The billing of the first program of `organization` the patient joined that has any."""
    return (
        ProgramBilling.objects.filter(program__organization=organization, program__enrolments__patient=patient)
        .select_related("program")
        .order_by("program__enrolments__created_at", "pk")
        .first()
    )


def terms_for(*, specialist, patient=None) -> Terms | None:
    """The terms a session of `specialist` with `patient` is charged on, or
    None when nobody can take the money (billing off, or the specialist's
    account not active where the model charges it)."""
    if specialist is None:
        return None
    billing = billing_for(specialist.organization)
    if billing is None:
        return None
    model, fee_bp, fee_fixed = billing.model, billing.fee_basis_points, billing.fee_fixed_minor
    program = _program_billing_of(patient, specialist.organization) if patient is not None else None
    if program is not None:
        model = program.model or model
        fee_bp = program.fee_basis_points if program.fee_basis_points is not None else fee_bp
        fee_fixed = program.fee_fixed_minor if program.fee_fixed_minor is not None else fee_fixed
    if model == BillingModel.PLATFORM:
        return Terms(model, 0, 0, billing.stripe_account_id)
    account = payout_account_for(specialist)
    if account is None or account.status != PayoutAccount.Status.ACTIVE:
        return None
    return Terms(model, fee_bp, fee_fixed, account.stripe_account_id)


def timing_for(offering) -> str:
    """When `offering` is paid: its own setting, else its organization's default."""
    own = OfferingTiming.objects.filter(offering=offering).values_list("timing", flat=True).first()
    if own:
        return own
    billing = billing_for(offering.specialist.organization)
    return billing.default_timing if billing else PaymentTiming.AFTER_SESSION


# --- Program coverage --------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    """A program paying for a patient's sessions: how many, and how many used."""

    program_billing: ProgramBilling
    used: int

    @property
    def program(self):
        return self.program_billing.program

    @property
    def total(self) -> int:
        return self.program_billing.covered_sessions

    @property
    def left(self) -> int:
        return max(self.total - self.used, 0)


def coverage_used(*, program, patient) -> int:
    return Payment.objects.filter(
        program=program, patient=patient, kind=Payment.Kind.COVERAGE, status=Payment.Status.SUCCEEDED
    ).count()


def coverages_for(patient, organization=None) -> list[Coverage]:
    """The programs that pay for `patient`'s sessions (of `organization`'s specialists)."""
    enrolments = ProgramEnrolment.objects.filter(patient=patient, program__billing__covered_sessions__gt=0)
    if organization is not None:
        enrolments = enrolments.filter(program__organization=organization)
    billings = [e.program.billing for e in enrolments.select_related("program__billing").order_by("created_at", "pk")]
    return [Coverage(b, coverage_used(program=b.program, patient=patient)) for b in billings]


def coverage_for(*, patient, specialist) -> Coverage | None:
    """The program that would pay for `patient`'s next session with `specialist`, if any has sessions left."""
    return next((c for c in coverages_for(patient, specialist.organization) if c.left > 0), None)


# --- What booking asks (core.payments) ------------------------------------------------


def available_for(specialist) -> bool:
    return terms_for(specialist=specialist) is not None


def due_before_confirmation(appointment: Appointment) -> bool:
    """Whether `appointment` must be paid before it is confirmed: it costs
    something, no program covers it, someone can take the money, and the
    organization asks for payment first for it (a proposal: the
    specialist asked for it)."""
    if appointment.price_minor == 0:
        return False
    if terms_for(specialist=appointment.specialist, patient=appointment.patient) is None:
        return False
    if coverage_for(patient=appointment.patient, specialist=appointment.specialist) is not None:
        return False
    if appointment.proposal_id is not None:
        return appointment.proposal.payment_required
    timing = timing_for(appointment.offering)
    if appointment.status == S.HELD:
        return timing == PaymentTiming.AT_BOOKING
    return timing in {PaymentTiming.AT_BOOKING, PaymentTiming.TO_CONFIRM}


def paid_before_session(offering) -> bool:
    return timing_for(offering) != PaymentTiming.AFTER_SESSION


def pay_url(appointment: Appointment) -> str:
    """The payment page of `appointment` while its patient has something to pay there."""
    if appointment.status == S.AWAITING_PAYMENT and appointment.can_pay_online:
        return reverse("payments:pay", args=[appointment.public_id])
    payment = Payment.objects.filter(appointment=appointment).only("status").first()
    if payment is not None and (payment.is_open or payment.status == Payment.Status.PROCESSING):
        return reverse("payments:pay", args=[appointment.public_id])
    return ""


def payment_get_for_patient(*, patient, appointment_public_id) -> Payment:
    """The patient's own payment of one appointment (404 for anyone else's)."""
    return get_object_or_404(
        Payment.objects.select_related("appointment__offering", "specialist", "organization", "program"),
        appointment__public_id=appointment_public_id,
        patient=patient,
    )


gate = Gate(
    available_for=available_for,
    due_before_confirmation=due_before_confirmation,
    paid_before_session=paid_before_session,
    pay_url=pay_url,
)
