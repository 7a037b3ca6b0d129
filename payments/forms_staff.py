"""Forms of the specialist's and the organization's payment pages: the
dates a report covers, a refund, and the billing settings.

Amounts are typed in major units ("90.00") and parsed with
`core.money.minor_from_major` in the right currency; percentages are typed
as percent ("12.5") and stored as basis points (1250).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.money import Money, exponent, minor_from_major
from core.timeutils import validate_date_in_range

from .models import BillingModel, BillingSettings, Payment, PaymentTiming
from .reports import MAX_DAYS, DateRange

FEE_PERCENT_MAX = Decimal(50)  # the database holds fees and taxes to 5000 basis points
FIXED_FEE_MAX_MAJOR = 100_000


def example_amount(currency: str) -> str:
    """How an amount in `currency` is typed: "90.00", "9000", "25.000"."""
    digits = exponent(currency)
    return "90" if digits == 0 else "90." + "0" * digits


def parse_amount(text: str, currency: str) -> int:
    """Major units typed by a person → minor units, or a clear error."""
    try:
        return minor_from_major(text, currency)
    except ValueError:
        raise ValidationError(
            _("Enter an amount in %(currency)s like %(example)s."),
            params={"currency": currency, "example": example_amount(currency)},
            code="amount",
        ) from None


def major(amount_minor: int, currency: str) -> str:
    """Minor units → the text a person would type back ("90.00")."""
    return str(Money(amount_minor, currency).decimal)


def parse_percent(text: str) -> int:
    """ "12.5" (or "12,5") percent → 1250 basis points; at most two decimals, 0 to 50."""
    try:
        value = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        raise ValidationError(_("Enter a percentage like 12.5."), code="percent") from None
    if not value.is_finite() or not 0 <= value <= FEE_PERCENT_MAX:
        raise ValidationError(_("Enter a percentage from 0 to 50."), code="percent_range")
    basis_points = value * 100
    if basis_points != basis_points.to_integral_value():
        raise ValidationError(_("Use at most two decimals, like 12.25."), code="percent_decimals")
    return int(basis_points)


def percent(basis_points: int | None) -> str:
    """1250 → "12.5" for the form; None stays empty."""
    if basis_points is None:
        return ""
    return f"{Decimal(basis_points) / 100:f}".rstrip("0").rstrip(".") or "0"


# --- Report dates ---------------------------------------------------------------------------


class ReportRangeForm(forms.Form):
    """The days a report covers; missing dates default to the last 90 days."""

    def __init__(self, query, *args, **kwargs):
        today = timezone.localdate()
        default = DateRange.default(today)
        data = {
            "from": query.get("from") or default.start_on.isoformat(),
            "to": query.get("to") or today.isoformat(),
        }
        super().__init__(data, *args, **kwargs)
        date_widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        self.fields["from"] = forms.DateField(
            label=_("From"), widget=date_widget, validators=[validate_date_in_range], input_formats=["%Y-%m-%d"]
        )
        self.fields["to"] = forms.DateField(
            label=_("To"), widget=date_widget, validators=[validate_date_in_range], input_formats=["%Y-%m-%d"]
        )

    def clean(self):
        cleaned = super().clean()
        start_on, end_on = cleaned.get("from"), cleaned.get("to")
        if start_on and end_on:
            if start_on > end_on:
                raise ValidationError(_("The start date is after the end date."), code="reversed")
            if (end_on - start_on).days + 1 > MAX_DAYS:
                raise ValidationError(_("Please pick at most three years at a time."), code="too_long")
        return cleaned

    def error_text(self) -> str:
        """The errors as one line, for answers that are not a page (a CSV link)."""
        return " ".join(message for errors in self.errors.values() for message in errors)

    @property
    def date_range(self) -> DateRange:
        return DateRange(self.cleaned_data["from"], self.cleaned_data["to"])


# --- A refund by hand -------------------------------------------------------------------------


class RefundForm(forms.Form):
    """How much of one payment to give back, and why."""

    amount = forms.CharField(max_length=24)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept with the payment's records; the patient does not see it."),
        error_messages={"required": _("Please give a reason for the refund.")},
    )

    def __init__(self, *args, payment: Payment, left: int, **kwargs):
        kwargs.setdefault("initial", {"amount": major(left, payment.currency)})
        super().__init__(*args, **kwargs)
        self.payment, self.left = payment, left
        self.fields["amount"].label = _("Amount to refund (%(currency)s)") % {"currency": payment.currency}
        self.fields["amount"].help_text = _("The whole amount left is filled in; lower it for a partial refund.")
        self.fields["amount"].widget.attrs["inputmode"] = "decimal"

    def clean_amount(self) -> int:
        amount = parse_amount(self.cleaned_data["amount"], self.payment.currency)
        if amount <= 0:
            raise ValidationError(_("Please enter an amount above zero."), code="zero")
        if amount > self.left:
            raise ValidationError(
                _("That is more than is left to refund of this payment (%(left)s)."),
                params={"left": Money(self.left, self.payment.currency).format()},
                code="too_much",
            )
        return amount


# --- Billing settings ---------------------------------------------------------------------------


class BillingSettingsForm(forms.Form):
    """How the organization takes money, and what its receipts say."""

    enabled = forms.BooleanField(label=_("Take payments online"), required=False)
    model = forms.ChoiceField(label=_("Billing model"), choices=BillingModel.choices, widget=forms.RadioSelect)
    stripe_account_id = forms.CharField(
        label=_("Stripe account"),
        required=False,
        max_length=64,
        validators=[RegexValidator(r"^acct_[A-Za-z0-9]+$", _("A Stripe account id looks like acct_1A2b3C4d."))],
        help_text=_(
            "Platform-managed only: your organization's connected account, e.g. acct_1A2b3C4d. "
            "Leave empty to take payments on this platform's own account."
        ),
    )
    default_timing = forms.ChoiceField(label=_("When patients pay"), choices=PaymentTiming.choices)
    fee_percent = forms.CharField(
        label=_("Organization fee (%)"),
        max_length=8,
        required=False,
        help_text=_("Marketplace only: kept from each payment, 0 to 50, e.g. 12.5."),
    )
    fee_fixed = forms.CharField(max_length=24, required=False)
    late_cancellation_refund_percent = forms.IntegerField(
        label=_("Refund after a late cancellation (%)"),
        min_value=0,
        max_value=100,
        help_text=_("How much a patient gets back when they cancel after the free cancellation window."),
    )
    no_show_fee_percent = forms.IntegerField(
        label=_("Kept after a no-show (%)"),
        min_value=0,
        max_value=100,
        help_text=_("100 keeps the whole payment when a patient does not come."),
    )
    legal_name = forms.CharField(label=_("Name on receipts"), max_length=200, required=False)
    address = forms.CharField(
        label=_("Address on receipts"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    tax_label = forms.CharField(label=_("Tax name"), max_length=40, required=False, help_text=_("e.g. VAT."))
    tax_percent = forms.CharField(
        label=_("Tax included in prices (%)"),
        max_length=8,
        required=False,
        help_text=_("0 to 50. Above 0, receipts show the tax included in the price."),
    )
    tax_id = forms.CharField(label=_("Tax number"), max_length=40, required=False)

    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.fields["fee_fixed"].label = _("Fixed fee (%(currency)s)") % {"currency": currency}
        self.fields["fee_fixed"].help_text = _("Marketplace only: kept from each payment on top of the percentage.")
        for name in ("fee_percent", "fee_fixed", "tax_percent"):
            self.fields[name].widget.attrs["inputmode"] = "decimal"

    @staticmethod
    def initial_for(billing: BillingSettings, currency: str) -> dict:
        return {
            "enabled": billing.enabled,
            "model": billing.model,
            "stripe_account_id": billing.stripe_account_id,
            "default_timing": billing.default_timing,
            "fee_percent": percent(billing.fee_basis_points),
            "fee_fixed": major(billing.fee_fixed_minor, currency),
            "late_cancellation_refund_percent": billing.late_cancellation_refund_percent,
            "no_show_fee_percent": billing.no_show_fee_percent,
            "legal_name": billing.legal_name,
            "address": billing.address,
            "tax_label": billing.tax_label,
            "tax_percent": percent(billing.tax_basis_points),
            "tax_id": billing.tax_id,
        }

    def clean_fee_percent(self) -> int:
        text = self.cleaned_data["fee_percent"]
        return parse_percent(text) if text.strip() else 0

    def clean_tax_percent(self) -> int:
        text = self.cleaned_data["tax_percent"]
        return parse_percent(text) if text.strip() else 0

    def clean_fee_fixed(self) -> int:
        text = self.cleaned_data["fee_fixed"]
        return _fixed_fee(text, self.currency) if text.strip() else 0

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("tax_percent") and not cleaned.get("tax_label", "").strip():
            self.add_error("tax_label", _("Name the tax (for example VAT) to show it on receipts."))
        if cleaned.get("stripe_account_id") and cleaned.get("model") != BillingModel.PLATFORM:
            self.add_error(
                "stripe_account_id",
                _("Only the platform-managed model uses the organization's account; leave this empty."),
            )
        return cleaned

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        return {
            **{name: data[name] for name in self.fields if name not in ("fee_percent", "fee_fixed", "tax_percent")},
            "fee_basis_points": data["fee_percent"],
            "fee_fixed_minor": data["fee_fixed"],
            "tax_basis_points": data["tax_percent"],
        }


def _fixed_fee(text: str, currency: str) -> int:
    amount = parse_amount(text, currency)
    if amount > minor_from_major(str(FIXED_FEE_MAX_MAJOR), currency):
        raise ValidationError(
            _("A fixed fee can be at most %(max)s."),
            params={"max": Money(minor_from_major(str(FIXED_FEE_MAX_MAJOR), currency), currency).format()},
            code="too_large",
        )
    return amount


class OfferingTimingForm(forms.Form):
    """When each service of the organization's specialists is paid, where it
    differs from the organization's default. One select per offering."""

    DEFAULT = ""

    def __init__(self, *args, offerings, timings: dict[int, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.offerings = list(offerings)
        choices = [(self.DEFAULT, _("Default")), *PaymentTiming.choices]
        for offering in self.offerings:
            label = _("When patients pay for %(service)s with %(name)s") % {
                "service": offering.name,
                "name": offering.specialist.display_name,
            }
            self.fields[self.field_name(offering)] = forms.ChoiceField(
                label=label,
                choices=choices,
                required=False,
                initial=timings.get(offering.pk, self.DEFAULT),
                widget=forms.Select(attrs={"aria-label": label}),
            )

    @staticmethod
    def field_name(offering) -> str:
        return f"timing-{offering.public_id}"

    def rows(self) -> list[tuple]:
        """(offering, its bound field) pairs, in the offerings' order."""
        return [(offering, self[self.field_name(offering)]) for offering in self.offerings]

    @property
    def own_count(self) -> int:
        """How many services are paid otherwise than the organization's default."""
        return sum(1 for field in self.fields.values() if field.initial)

    def chosen(self) -> dict:
        """offering → timing ("" for the organization's default)."""
        return {offering: self.cleaned_data[self.field_name(offering)] for offering in self.offerings}


class ProgramBillingForm(forms.Form):
    """What one program pays for, and its own model or fee if it has one."""

    covered_sessions = forms.IntegerField(
        label=_("Sessions covered per patient"),
        min_value=0,
        max_value=200,
        help_text=_("The program pays for this many sessions of each member; 0 for none."),
    )
    model = forms.ChoiceField(
        label=_("Billing model"),
        required=False,
        choices=[("", _("Organization's model")), *BillingModel.choices],
    )
    fee_percent = forms.CharField(
        label=_("Fee (%)"), max_length=8, required=False, help_text=_("Empty: the organization's fee.")
    )
    fee_fixed = forms.CharField(max_length=24, required=False, help_text=_("Empty: the organization's fixed fee."))

    def __init__(self, *args, program, currency: str, **kwargs):
        super().__init__(*args, prefix=f"program-{program.public_id}", **kwargs)
        self.program, self.currency = program, currency
        self.fields["fee_fixed"].label = _("Fixed fee (%(currency)s)") % {"currency": currency}
        for name in ("fee_percent", "fee_fixed"):
            self.fields[name].widget.attrs["inputmode"] = "decimal"

    @staticmethod
    def initial_for(program, currency: str) -> dict:
        billing = getattr(program, "billing", None)
        if billing is None:
            return {"covered_sessions": 0, "model": ""}
        return {
            "covered_sessions": billing.covered_sessions,
            "model": billing.model,
            "fee_percent": percent(billing.fee_basis_points),
            "fee_fixed": "" if billing.fee_fixed_minor is None else major(billing.fee_fixed_minor, currency),
        }

    def clean_fee_percent(self) -> int | None:
        text = self.cleaned_data["fee_percent"]
        return parse_percent(text) if text.strip() else None

    def clean_fee_fixed(self) -> int | None:
        text = self.cleaned_data["fee_fixed"]
        return _fixed_fee(text, self.currency) if text.strip() else None

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "covered_sessions": data["covered_sessions"],
            "model": data["model"],
            "fee_basis_points": data["fee_percent"],
            "fee_fixed_minor": data["fee_fixed"],
        }
