"""Money tied to appointments: who takes it (the billing model), what a
program covers, each payment and refund, and the provider's events.

A payment's state changes only through `payments.services` (called by the
webhook task and the people's own actions), never by editing a row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from booking.models import Appointment
from core.models import BaseModel
from organizations.models import Organization, Program
from specialists.models import Offering, SpecialistProfile


class BillingModel(models.TextChoices):
    # The organization's own Stripe account takes the payment.
    PLATFORM = "platform", _("Platform-managed: the organization takes payments")
    # Each specialist's connected account takes it; the organization keeps nothing.
    SPECIALIST = "specialist", _("Specialist billing: each specialist takes their own payments")
    # A destination charge to the specialist, less the organization's fee.
    MARKETPLACE = "marketplace", _("Marketplace: specialists are paid, the organization keeps a fee")


class PaymentTiming(models.TextChoices):
    AT_BOOKING = "at_booking", _("Pay at booking")
    TO_CONFIRM = "to_confirm", _("Pay to confirm a proposal")
    AFTER_SESSION = "after_session", _("Pay after the session")


class BillingSettings(models.Model):
    """How one organization takes money. Without a row, or switched off, it
    takes none online (booking then never waits for a payment)."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="billing")
    enabled = models.BooleanField(_("take payments online"), default=False)
    model = models.CharField(
        _("billing model"), max_length=12, choices=BillingModel.choices, default=BillingModel.PLATFORM
    )
    # Platform-managed: the organization's account when it is a connected
    # account of this deployment's Stripe platform; empty: the platform's own.
    stripe_account_id = models.CharField(_("Stripe account"), max_length=64, blank=True)
    default_timing = models.CharField(
        _("when patients pay"), max_length=16, choices=PaymentTiming.choices, default=PaymentTiming.AT_BOOKING
    )
    # Marketplace fee: basis points (1250 = 12.5 %) plus a fixed amount in minor units.
    fee_basis_points = models.PositiveIntegerField(_("fee (basis points)"), default=0)
    fee_fixed_minor = models.PositiveBigIntegerField(_("fixed fee"), default=0)
    # Share refunded after a late cancellation, and kept after a no-show.
    late_cancellation_refund_percent = models.PositiveSmallIntegerField(
        _("refund after a late cancellation (%)"), default=50
    )
    no_show_fee_percent = models.PositiveSmallIntegerField(_("kept after a no-show (%)"), default=100)
    # Receipts: who issued them, and a tax line when the organization sets one.
    legal_name = models.CharField(_("name on receipts"), max_length=200, blank=True)
    address = models.TextField(_("address on receipts"), max_length=500, blank=True)
    tax_label = models.CharField(_("tax name"), max_length=40, blank=True)
    tax_basis_points = models.PositiveIntegerField(_("tax included (basis points)"), default=0)
    tax_id = models.CharField(_("tax number"), max_length=40, blank=True)
    next_receipt_number = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name_plural = _("billing settings")
        constraints = [
            models.CheckConstraint(condition=Q(model__in=BillingModel.values), name="billing_model_valid"),
            models.CheckConstraint(condition=Q(default_timing__in=PaymentTiming.values), name="billing_timing_valid"),
            models.CheckConstraint(condition=Q(fee_basis_points__lte=5000), name="billing_fee_in_range"),
            models.CheckConstraint(condition=Q(tax_basis_points__lte=5000), name="billing_tax_in_range"),
            models.CheckConstraint(
                condition=Q(late_cancellation_refund_percent__lte=100, no_show_fee_percent__lte=100),
                name="billing_percents_in_range",
            ),
        ]

    def __str__(self):
        return f"Billing of {self.organization_id}"


class ProgramBilling(models.Model):
    """What a program pays for, and its own billing model or fee if it has one."""

    program = models.OneToOneField(Program, on_delete=models.CASCADE, related_name="billing")
    covered_sessions = models.PositiveSmallIntegerField(_("sessions covered per patient"), default=0)
    model = models.CharField(_("billing model"), max_length=12, choices=BillingModel.choices, blank=True)
    fee_basis_points = models.PositiveIntegerField(_("fee (basis points)"), null=True, blank=True)
    fee_fixed_minor = models.PositiveBigIntegerField(_("fixed fee"), null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(covered_sessions__lte=200), name="program_billing_sessions_in_range"),
            models.CheckConstraint(
                condition=Q(fee_basis_points__isnull=True) | Q(fee_basis_points__lte=5000),
                name="program_billing_fee_in_range",
            ),
        ]

    def __str__(self):
        return f"Billing of program {self.program_id}"


class OfferingTiming(models.Model):
    """The organization's choice of when one service is paid, where it
    differs from its default."""

    offering = models.OneToOneField(Offering, on_delete=models.CASCADE, related_name="payment_timing")
    timing = models.CharField(max_length=16, choices=PaymentTiming.choices)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(timing__in=PaymentTiming.values), name="offering_timing_valid")
        ]

    def __str__(self):
        return f"{self.offering_id}: {self.timing}"


class PayoutAccount(BaseModel):
    """A specialist's connected Stripe account (specialist billing and marketplace)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACTIVE = "active", _("Active")
        NEEDS_INFORMATION = "needs_information", _("Needs information")

    specialist = models.OneToOneField(SpecialistProfile, on_delete=models.CASCADE, related_name="payout_account")
    stripe_account_id = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)

    def __str__(self):
        return f"{self.stripe_account_id} ({self.status})"


class Payout(models.Model):
    """Money the provider sent from a specialist's connected account to
    their bank, as its `payout.*` events report it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("On its way")
        PAID = "paid", _("Paid out")
        FAILED = "failed", _("Failed")

    account = models.ForeignKey(PayoutAccount, on_delete=models.CASCADE, related_name="payouts")
    provider_payout_id = models.CharField(max_length=255, unique=True)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    arrival_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-arrival_date", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["pending", "paid", "failed"]), name="payout_status_valid")
        ]

    def __str__(self):
        return f"{self.provider_payout_id} ({self.status})"


class Payment(BaseModel):
    """What one appointment costs its patient, and how it was settled: a
    charge through the provider, or a program's coverage.

    One per appointment. Amount and currency are the appointment's, copied
    when the payment is created; the browser never names them. `refunded_minor`
    only grows, and `paid_at` is set once, so events arriving out of order
    (a refund before its charge) end in the same state.
    """

    class Kind(models.TextChoices):
        CHARGE = "charge", _("Card payment")
        COVERAGE = "coverage", _("Covered by a program")

    class Status(models.TextChoices):
        DUE = "due", _("Due")
        REQUIRES_ACTION = "requires_action", _("Waiting for your bank")
        PROCESSING = "processing", _("Processing")
        FAILED = "failed", _("Failed")
        SUCCEEDED = "succeeded", _("Paid")
        # Nothing to pay any more: the booking lapsed or was cancelled before payment,
        # or covered sessions were given back.
        VOID = "void", _("Not charged")

    appointment = models.OneToOneField(Appointment, on_delete=models.PROTECT, related_name="payment")
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payments")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="payments")
    specialist = models.ForeignKey(SpecialistProfile, on_delete=models.PROTECT, related_name="payments")
    program = models.ForeignKey(Program, null=True, blank=True, on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CHARGE)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DUE)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    # Snapshots of who takes the money, taken when the payment is created.
    billing_model = models.CharField(max_length=12, choices=BillingModel.choices)
    application_fee_minor = models.BigIntegerField(default=0)
    connected_account = models.CharField(max_length=64, blank=True)
    provider = models.CharField(max_length=10, blank=True)
    intent_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    client_secret = models.CharField(max_length=255, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    error_message = models.CharField(max_length=300, blank=True)
    refunded_minor = models.BigIntegerField(default=0)
    paid_at = models.DateTimeField(null=True, blank=True)
    # NULL until paid: unnumbered payments do not collide in the unique constraint.
    receipt_number = models.CharField(max_length=40, null=True, blank=True)  # noqa: DJ001
    receipt_emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["patient", "created_at"]),
            models.Index(fields=["organization", "paid_at"]),
            models.Index(fields=["specialist", "paid_at"]),
            models.Index(fields=["program", "patient", "kind", "status"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["charge", "coverage"]), name="payment_kind_valid"),
            models.CheckConstraint(
                condition=Q(status__in=["due", "requires_action", "processing", "failed", "succeeded", "void"]),
                name="payment_status_valid",
            ),
            models.CheckConstraint(condition=Q(amount_minor__gte=0), name="payment_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(refunded_minor__gte=0, refunded_minor__lte=F("amount_minor")),
                name="payment_refund_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(application_fee_minor__gte=0, application_fee_minor__lte=F("amount_minor")),
                name="payment_fee_within_amount",
            ),
            models.UniqueConstraint(fields=["organization", "receipt_number"], name="payment_receipt_number_unique"),
        ]

    def __str__(self):
        return f"Payment {self.public_id} ({self.status})"

    @property
    def refundable_minor(self) -> int:
        """What is left to refund of a settled charge."""
        if self.kind != self.Kind.CHARGE or self.status != self.Status.SUCCEEDED:
            return 0
        return self.amount_minor - self.refunded_minor

    @property
    def is_open(self) -> bool:
        """The patient still has this to pay."""
        return self.status in {self.Status.DUE, self.Status.FAILED, self.Status.REQUIRES_ACTION}


class Refund(BaseModel):
    """Money given back on one payment: by the cancellation policy, by the
    specialist's hand, or because the charge raced an expiry."""

    class Cause(models.TextChoices):
        POLICY = "policy", _("Cancellation policy")
        MANUAL = "manual", _("Refunded by the specialist")
        LAPSED = "lapsed", _("The booking had lapsed before the payment arrived")
        PROVIDER = "provider", _("Refunded at the payment provider")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Sent")
        FAILED = "failed", _("Failed")

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount_minor = models.BigIntegerField()
    cause = models.CharField(max_length=10, choices=Cause.choices)
    reason = models.CharField(max_length=500, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    provider_refund_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    succeeded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "succeeded", "failed"]), name="refund_status_valid"
            ),
        ]

    def __str__(self):
        return f"Refund {self.public_id} ({self.status})"


class WebhookEvent(models.Model):
    """One event from the payment provider, stored once: its id is unique,
    so a delivery repeated twenty times is processed once."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Waiting")
        PROCESSED = "processed", _("Processed")
        IGNORED = "ignored", _("Ignored (not ours, or not a type we act on)")

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    account = models.CharField(max_length=64, blank=True)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.PENDING)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.event_id} {self.type} ({self.outcome})"
