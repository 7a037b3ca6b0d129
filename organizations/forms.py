import re

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from accounts.services import user_update_profile
from core.services import client_ip
from core.timeutils import validate_timezone

from .models import MATCHING_QUESTIONS, Membership, Organization, Program, TermsDocument, hex_colour
from .selectors import organization_get_default, terms_current_for_organization
from .services import patient_register

LOGO_FORMATS = {"PNG": ".png", "JPEG": ".jpg", "WEBP": ".webp"}


class TermsAcceptanceMixin(forms.Form):
    """Shows the current documents and insists they are the ones accepted."""

    accept_terms = forms.BooleanField(
        label=_("I have read and accept the Terms of Service and the Privacy Notice"),
        error_messages={"required": _("Please accept the Terms of Service and the Privacy Notice to continue.")},
    )
    shown_documents = forms.CharField(widget=forms.HiddenInput, required=False)

    def init_documents(self, documents):
        self.documents = documents
        self.fields["shown_documents"].initial = ",".join(str(doc.public_id) for doc in documents)
        if not documents:
            self.fields["accept_terms"].required = False

    def clean_shown_documents(self):
        shown = {value for value in self.cleaned_data["shown_documents"].split(",") if value}
        if shown != {str(doc.public_id) for doc in self.documents}:
            raise forms.ValidationError(
                _("The terms were updated while this page was open. Please read the new version and accept again."),
                code="stale",
            )
        return shown


class SignupForm(TermsAcceptanceMixin):
    """Extra sign-up fields (allauth builds its sign-up form on this class)."""

    full_name = forms.CharField(label=_("Your name"), max_length=150)
    timezone = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    referral_code = forms.CharField(
        label=_("Referral code"),
        max_length=32,
        required=False,
        help_text=_("If someone gave you a code, type it here."),
    )

    field_order = ["full_name", "email", "password1", "timezone", "referral_code", "accept_terms", "shown_documents"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization_get_default()
        self.init_documents(terms_current_for_organization(organization=self.organization) if self.organization else [])

    def clean_timezone(self):
        value = self.cleaned_data["timezone"] or "UTC"
        validate_timezone(value)
        return value

    def signup(self, request, user):
        user_update_profile(
            user=user,
            full_name=self.cleaned_data["full_name"],
            preferred_name="",
            timezone=self.cleaned_data["timezone"],
        )
        if self.organization:
            patient_register(
                user=user,
                organization=self.organization,
                accepted=self.documents,
                ip_address=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
                referral_code=self.cleaned_data["referral_code"],
                referral_token=request.COOKIES.get(settings.REFERRAL_COOKIE_NAME, ""),
            )


class TermsAcceptForm(TermsAcceptanceMixin):
    def __init__(self, *args, documents, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_documents(documents)


class BrandForm(forms.Form):
    name = forms.CharField(label=_("Organization name"), max_length=120)
    tagline = forms.CharField(
        label=_("Tagline"), max_length=200, required=False, help_text=_("One calm sentence shown on your landing page.")
    )
    primary_color = forms.CharField(
        label=_("Primary colour"),
        max_length=7,
        validators=[hex_colour],
        widget=forms.TextInput(attrs={"type": "color"}),
    )
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("PNG, JPEG or WebP, up to %(size)s.") % {"size": filesizeformat(settings.LOGO_MAX_BYTES)},
    )
    remove_logo = forms.BooleanField(label=_("Remove the current logo"), required=False)

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        self.logo_extension = ""
        if not logo:
            return None
        if logo.size > settings.LOGO_MAX_BYTES:
            raise forms.ValidationError(
                _("This file is %(size)s; a logo can be at most %(max)s."),
                params={"size": filesizeformat(logo.size), "max": filesizeformat(settings.LOGO_MAX_BYTES)},
                code="too_large",
            )
        try:
            with Image.open(logo) as image:
                image_format = image.format
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise forms.ValidationError(_("This file is not an image we can read."), code="not_image") from None
        if image_format not in LOGO_FORMATS:
            raise forms.ValidationError(_("Upload a PNG, JPEG or WebP image."), code="format")
        logo.seek(0)
        self.logo_extension = LOGO_FORMATS[image_format]
        return logo

    @property
    def too_large(self) -> bool:
        return any(error.code == "too_large" for error in self.errors.as_data().get("logo", []))


class TermsDocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document"), choices=TermsDocument.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(
        label=_("Plain-language summary"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    body = forms.CharField(label=_("Full text"), widget=forms.Textarea(attrs={"rows": 14}), max_length=100_000)


class MemberInviteForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)


class RetentionForm(forms.Form):
    years = forms.IntegerField(
        label=_("Keep records for (years)"),
        min_value=1,
        max_value=30,
        help_text=_(
            "After a patient deletes their account, their records are kept this long, then their personal data "
            "is erased. Use the longest period the law of your country asks of you (often 10 years)."
        ),
    )


class SsoForm(forms.Form):
    issuer_url = forms.URLField(
        label=_("Issuer URL"),
        assume_scheme="https",
        help_text=_("Your identity provider's issuer, e.g. https://login.example.org/realms/staff"),
    )
    client_id = forms.CharField(label=_("Client ID"), max_length=191)
    client_secret = forms.CharField(
        label=_("Client secret"),
        max_length=191,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the current secret."),
    )

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        if not organization.sso_app:
            self.fields["client_secret"].required = True
            self.fields["client_secret"].help_text = ""

    def clean_issuer_url(self):
        url = self.cleaned_data["issuer_url"]
        if not url.startswith("https://") and not settings.DEBUG:
            raise forms.ValidationError(_("The issuer must use https."))
        return url


class ProgramForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("What members get"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    enrolment_code = forms.RegexField(
        label=_("Enrolment code"),
        max_length=32,
        regex=r"^[A-Za-z0-9-]{4,32}$",
        error_messages={"invalid": _("Use 4 to 32 letters, digits or dashes.")},
        help_text=_("People type it to join; it is also part of the enrolment link."),
    )
    email_domains = forms.CharField(
        label=_("Email domains"),
        required=False,
        max_length=500,
        help_text=_("People with a verified address at these domains join by themselves, e.g. example.org example.com"),
    )
    assignment_rule = forms.ChoiceField(label=_("How members get a specialist"), choices=Program.AssignmentRule.choices)
    matching_questions = forms.MultipleChoiceField(
        label=_("Matching questions"),
        choices=MATCHING_QUESTIONS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("What members are asked before their shortlist. None ticked: all of them."),
    )
    is_active = forms.BooleanField(label=_("Open for enrolment"), required=False, initial=True)

    def __init__(self, *args, program: Program | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.program = program

    def clean_enrolment_code(self):
        code = self.cleaned_data["enrolment_code"].upper()
        taken = Program.objects.filter(enrolment_code=code)
        if self.program:
            taken = taken.exclude(pk=self.program.pk)
        if taken.exists():
            raise forms.ValidationError(_("Another program already uses this code."))
        return code

    def clean_email_domains(self):
        domains = self.cleaned_data["email_domains"].replace(",", " ").lower().split()
        for domain in domains:
            if not re.fullmatch(r"@?[a-z0-9-]+(\.[a-z0-9-]+)+", domain):
                raise forms.ValidationError(_("“%(domain)s” is not a domain."), params={"domain": domain})
        return " ".join(domain.lstrip("@") for domain in domains)


class RosterForm(forms.Form):
    """One row per specialist of the organization: on the roster? capacity?"""

    def __init__(self, *args, specialists, roster: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.specialists = list(specialists)
        for user in self.specialists:
            entry = roster.get(user.pk)
            self.fields[f"on_{user.pk}"] = forms.BooleanField(
                required=False, initial=entry is not None, label=user.get_full_name() or user.email
            )
            self.fields[f"capacity_{user.pk}"] = forms.IntegerField(
                min_value=1, max_value=500, initial=entry.capacity if entry else 10, label=_("Capacity")
            )

    def rows(self):
        return [(user, self[f"on_{user.pk}"], self[f"capacity_{user.pk}"]) for user in self.specialists]

    def capacities(self) -> dict:
        return {
            user: self.cleaned_data[f"capacity_{user.pk}"]
            for user in self.specialists
            if self.cleaned_data.get(f"on_{user.pk}")
        }


class MatchingQuestionsForm(forms.Form):
    matching_questions = forms.MultipleChoiceField(
        label=_("Questions for patients outside a program"),
        choices=MATCHING_QUESTIONS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: all of them."),
    )
