"""Affiliates: who sends patients in, through which links, and what they earn.

An affiliate belongs to one organization. Its links (`/r/<code>`) land a
visitor on the organization's home page, a program or a specialist's
profile; a click sets a signed first-party cookie, and a sign-up within the
organization's window is recorded once as a `Referral` on the new account.
Commissions are earned on the referred patient's first paid sessions and
gathered in a monthly statement the organization approves and pays.

The affiliate's own pages read aggregates only (affiliates.dashboard):
nothing here that names a patient ever leaves this app.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedTextField

from core.models import AppendOnlyQuerySet, BaseModel
from organizations.models import Organization, Program
from payments.models import Payment, Refund
from specialists.models import SpecialistProfile

referral_code = RegexValidator(r"^[A-Z0-9-]{4,32}$", _("Use 4 to 32 capital letters, digits or dashes."))


class AttributionSettings(models.Model):
    """How an organization credits referrals (one row per organization, made on first use)."""

    class Touch(models.TextChoices):
        FIRST = "first", _("First touch: the first link followed keeps the credit")
        LAST = "last", _("Last touch: the latest link followed takes the credit")

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="attribution_settings")
    window_days = models.PositiveSmallIntegerField(
        _("attribution window (days)"), default=30, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    touch = models.CharField(_("which link gets the credit"), max_length=8, choices=Touch.choices, default=Touch.LAST)

    def __str__(self):
        return f"{self.organization} · {self.window_days} days · {self.touch}"


class Affiliate(BaseModel):
    """A partner of one organization who refers people to it."""

    class CommissionKind(models.TextChoices):
        NONE = "none", _("No commission")
        FLAT = "flat", _("A fixed amount per first paid session")
        PERCENT = "percent", _("A percentage of the first payments")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="affiliates")
    # The affiliate's account (it holds an `affiliate` membership of the organization).
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="affiliations")
    name = models.CharField(_("name"), max_length=120)
    is_active = models.BooleanField(_("active"), default=True)
    commission_kind = models.CharField(
        _("commission"), max_length=8, choices=CommissionKind.choices, default=CommissionKind.NONE
    )
    commission_flat_minor = models.PositiveBigIntegerField(_("amount per first paid session"), default=0)
    commission_basis_points = models.PositiveIntegerField(
        _("percentage (basis points)"), default=0, validators=[MaxValueValidator(10_000)]
    )
    commission_payments = models.PositiveSmallIntegerField(
        _("number of payments counted"), default=1, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    currency = models.CharField(_("currency"), max_length=3)
    # What the organization allows the affiliate to do with links.
    may_create_links = models.BooleanField(_("may create their own links"), default=True)
    link_limit = models.PositiveSmallIntegerField(
        _("most links"), default=10, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    # Where the organization sends the affiliate's money (the affiliate edits it).
    payout_details = EncryptedTextField(_("payout details"), blank=True, null=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["organization__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="affiliate_one_per_user_and_organization"),
            models.CheckConstraint(
                condition=models.Q(commission_kind__in=["none", "flat", "percent"]), name="affiliate_commission_kind"
            ),
            models.CheckConstraint(condition=models.Q(commission_basis_points__lte=10_000), name="affiliate_percent"),
        ]

    def __str__(self):
        return f"{self.name} · {self.organization}"


class ReferralLink(BaseModel):
    """One `/r/<code>` link of an affiliate and where it lands."""

    class Target(models.TextChoices):
        HOME = "home", _("The organization's home page")
        PROGRAM = "program", _("A program")
        SPECIALIST = "specialist", _("A specialist's profile")

    affiliate = models.ForeignKey(Affiliate, on_delete=models.CASCADE, related_name="links")
    code = models.CharField(_("code"), max_length=32, unique=True, validators=[referral_code])
    label = models.CharField(_("label"), max_length=80)
    target = models.CharField(_("lands on"), max_length=12, choices=Target.choices, default=Target.HOME)
    program = models.ForeignKey(Program, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    specialist = models.ForeignKey(SpecialistProfile, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    utm_source = models.CharField("utm_source", max_length=60, blank=True)
    utm_medium = models.CharField("utm_medium", max_length=60, blank=True)
    utm_campaign = models.CharField("utm_campaign", max_length=60, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["affiliate", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(target="home", program__isnull=True, specialist__isnull=True)
                    | models.Q(target="program", program__isnull=False, specialist__isnull=True)
                    | models.Q(target="specialist", program__isnull=True, specialist__isnull=False)
                ),
                name="referrallink_target_matches",
            ),
        ]

    def __str__(self):
        return self.code


class ReferralClickDay(models.Model):
    """Clicks on one link on one day: a counter, nothing about who clicked."""

    link = models.ForeignKey(ReferralLink, on_delete=models.CASCADE, related_name="click_days")
    day = models.DateField()
    clicks = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["link", "day"], name="referralclickday_unique")]

    def __str__(self):
        return f"{self.link} {self.day} {self.clicks}"


class Referral(BaseModel):
    """The link a new account came through: recorded at sign-up, never changed."""

    class Via(models.TextChoices):
        LINK = "link", _("Followed a link")
        CODE = "code", _("Typed a code")

    patient = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referral")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="referrals")
    affiliate = models.ForeignKey(Affiliate, on_delete=models.PROTECT, related_name="referrals")
    link = models.ForeignKey(ReferralLink, on_delete=models.PROTECT, related_name="referrals")
    via = models.CharField(max_length=8, choices=Via.choices)
    clicked_at = models.DateTimeField(null=True, blank=True)
    registered_at = models.DateTimeField(default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-registered_at"]

    def __str__(self):
        return f"{self.link} {self.registered_at:%Y-%m-%d}"


class CommissionStatement(BaseModel):
    """One affiliate's commissions of one calendar month and where its payment stands."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        PAID = "paid", _("Paid")

    affiliate = models.ForeignKey(Affiliate, on_delete=models.PROTECT, related_name="statements")
    month = models.DateField()  # the first day of the month
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    approved_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["affiliate", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["affiliate", "month"], name="commissionstatement_one_per_month"),
            models.CheckConstraint(condition=models.Q(month__day=1), name="commissionstatement_month_start"),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "approved", "paid"]), name="commissionstatement_status"
            ),
        ]

    def __str__(self):
        return f"{self.affiliate} {self.month:%Y-%m} {self.status}"


class Commission(BaseModel):
    """What one payment of a referred patient earned the affiliate.

    A refund never edits a line: it adds a negative line (`reverses`, with
    the refund that caused it) to the statement of the month it happened in,
    so a statement already paid stays as it was paid.
    """

    statement = models.ForeignKey(CommissionStatement, on_delete=models.PROTECT, related_name="commissions")
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="commissions")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="+")
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    earned_at = models.DateTimeField(default=timezone.now)
    reverses = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversals")
    refund = models.OneToOneField(Refund, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-earned_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["payment"], condition=models.Q(reverses__isnull=True), name="commission_one_per_payment"
            ),
            models.CheckConstraint(
                condition=models.Q(reverses__isnull=True, refund__isnull=True, amount_minor__gte=0)
                | models.Q(reverses__isnull=False, refund__isnull=False, amount_minor__lte=0),
                name="commission_reversal_has_refund",
            ),
        ]

    def __str__(self):
        return f"{self.payment_id} {self.amount_minor} {self.currency}"
