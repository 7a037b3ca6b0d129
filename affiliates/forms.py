from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from core.money import Money
from specialists.services import price_example, price_to_minor

from .models import Affiliate, AttributionSettings, ReferralLink, referral_code
from .selectors import link_programs_for_organization, link_specialists_for_organization
from .services import referral_code_normalise
from .templatetags.affiliate_rules import percent_text

utm_value = RegexValidator(r"^[A-Za-z0-9._-]+$", _("Use letters, digits, dots, dashes or underscores."))


def add_service_error(form: forms.Form, error: ValidationError) -> None:
    """Show a service's refusal on the fields it names, the rest above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class PublicIdChoiceField(forms.ModelChoiceField):
    """A choice by `public_id`; anything that is not one of the choices,
    malformed ids included, gets the field's own "invalid choice" message."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice") from None


class CommissionForm(forms.Form):
    """The commission rule and what the affiliate may do with links."""

    commission_kind = forms.ChoiceField(
        label=_("Commission"),
        choices=Affiliate.CommissionKind.choices,
        initial=Affiliate.CommissionKind.NONE,
        widget=forms.RadioSelect,
    )
    commission_amount = forms.CharField(
        label=_("Amount per first paid session"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    commission_percent = forms.CharField(
        label=_("Percentage of each payment"),
        max_length=8,
        required=False,
        help_text=_("For a percentage: e.g. 10 or 12.5."),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    commission_payments = forms.IntegerField(
        label=_("Payments that earn the percentage"),
        min_value=1,
        max_value=100,
        initial=1,
        help_text=_("Each referred patient's first payments, up to this many."),
    )
    may_create_links = forms.BooleanField(label=_("May create their own links"), required=False, initial=True)
    link_limit = forms.IntegerField(
        label=_("Most active links"),
        min_value=1,
        max_value=100,
        initial=10,
        help_text=_("How many of their links may be on at once."),
    )

    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.fields["commission_amount"].help_text = _("For a fixed amount: in %(currency)s, e.g. %(example)s.") % {
            "currency": currency,
            "example": price_example(currency),
        }

    def clean_commission_amount(self):
        text = self.cleaned_data["commission_amount"].strip()
        return price_to_minor(text, currency=self.currency) if text else 0

    def clean_commission_percent(self):
        text = "".join(self.cleaned_data["commission_percent"].split()).replace(",", ".")
        if not text:
            return 0
        try:
            basis_points = Decimal(text) * 100
        except InvalidOperation:
            raise ValidationError(_("Enter a percentage like 10 or 12.5."), code="invalid") from None
        if not basis_points.is_finite() or basis_points != basis_points.to_integral_value():
            raise ValidationError(_("Use at most two decimals."), code="invalid")
        if not 0 < basis_points <= 10_000:
            raise ValidationError(_("Enter a percentage above 0 and up to 100."), code="range")
        return int(basis_points)

    def clean(self):
        data = super().clean()
        kind = data.get("commission_kind")
        if kind == Affiliate.CommissionKind.FLAT and data.get("commission_amount") == 0:
            self.add_error("commission_amount", _("Enter the amount paid per first paid session."))
        if kind == Affiliate.CommissionKind.PERCENT and data.get("commission_percent") == 0:
            self.add_error("commission_percent", _("Enter the percentage."))
        return data

    def rule(self) -> dict:
        """The cleaned rule as the services take it."""
        data = self.cleaned_data
        return {
            "commission_kind": data["commission_kind"],
            "commission_flat_minor": data["commission_amount"],
            "commission_basis_points": data["commission_percent"],
            "commission_payments": data["commission_payments"],
            "may_create_links": data["may_create_links"],
            "link_limit": data["link_limit"],
        }

    @staticmethod
    def initial_for(affiliate: Affiliate) -> dict:
        bps = affiliate.commission_basis_points
        return {
            "name": affiliate.name,
            "is_active": affiliate.is_active,
            "commission_kind": affiliate.commission_kind,
            "commission_amount": price_text(affiliate.commission_flat_minor, affiliate.currency)
            if affiliate.commission_kind == Affiliate.CommissionKind.FLAT
            else "",
            "commission_percent": percent_text(bps) if bps else "",
            "commission_payments": affiliate.commission_payments,
            "may_create_links": affiliate.may_create_links,
            "link_limit": affiliate.link_limit,
        }


def price_text(amount_minor: int, currency: str) -> str:
    return str(Money(amount_minor, currency).decimal)


class AffiliateCreateForm(CommissionForm):
    name = forms.CharField(label=_("Name"), max_length=120, help_text=_("A person, a newsletter, a partner clinic…"))
    email = forms.EmailField(
        label=_("Their email"), help_text=_("They get the affiliate role and an email on how to sign in.")
    )

    field_order = ["name", "email"]


class AffiliateEditForm(CommissionForm):
    name = forms.CharField(label=_("Name"), max_length=120)
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        help_text=_("A paused affiliate's links still open the page but credit nobody."),
    )

    field_order = ["name", "is_active"]


class ReferralLinkForm(forms.Form):
    label = forms.CharField(
        label=_("Label"), max_length=80, help_text=_("Only for you and the affiliate, e.g. “Spring newsletter”.")
    )
    target = forms.ChoiceField(
        label=_("Lands on"),
        choices=ReferralLink.Target.choices,
        initial=ReferralLink.Target.HOME,
        widget=forms.RadioSelect,
    )
    program = PublicIdChoiceField(
        label=_("Program"),
        queryset=None,
        required=False,
        to_field_name="public_id",
        error_messages={"invalid_choice": _("Choose one of the organization's open programs.")},
    )
    specialist = PublicIdChoiceField(
        label=_("Specialist"),
        queryset=None,
        required=False,
        to_field_name="public_id",
        error_messages={"invalid_choice": _("Choose one of the organization's approved specialists.")},
    )
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        required=False,
        help_text=_("Leave empty for a generated one, or choose 4 to 32 capital letters, digits or dashes."),
    )
    utm_source = forms.CharField(label="utm_source", max_length=60, required=False, validators=[utm_value])
    utm_medium = forms.CharField(label="utm_medium", max_length=60, required=False, validators=[utm_value])
    utm_campaign = forms.CharField(label="utm_campaign", max_length=60, required=False, validators=[utm_value])

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = link_programs_for_organization(organization=organization)
        self.fields["specialist"].queryset = link_specialists_for_organization(organization=organization)
        self.fields["specialist"].label_from_instance = lambda profile: profile.display_name
        self.fields["program"].empty_label = _("Choose a program")
        self.fields["specialist"].empty_label = _("Choose a specialist")

    def clean_code(self):
        code = referral_code_normalise(self.cleaned_data["code"])
        if code:
            referral_code(code)
        return code

    def clean(self):
        data = super().clean()
        target = data.get("target")
        if target == ReferralLink.Target.PROGRAM and not data.get("program") and "program" not in self.errors:
            self.add_error("program", _("Choose the program this link lands on."))
        if target == ReferralLink.Target.SPECIALIST and not data.get("specialist") and "specialist" not in self.errors:
            self.add_error("specialist", _("Choose the specialist this link lands on."))
        # Only the chosen kind of target is kept.
        if target != ReferralLink.Target.PROGRAM:
            data["program"] = None
        if target != ReferralLink.Target.SPECIALIST:
            data["specialist"] = None
        return data


class AttributionSettingsForm(forms.Form):
    window_days = forms.IntegerField(
        label=_("Attribution window (days)"),
        min_value=1,
        max_value=365,
        help_text=_("A sign-up counts for a link if it happens within this many days of the click."),
    )
    touch = forms.ChoiceField(
        label=_("When someone followed several links"),
        choices=AttributionSettings.Touch.choices,
        widget=forms.RadioSelect,
    )


class PayoutDetailsForm(forms.Form):
    payout_details = forms.CharField(
        label=_("Payout details"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Where the organization sends your commissions, e.g. account holder and IBAN. Stored encrypted; "
            "only the organization's admins can read it."
        ),
    )
