from django import forms
from django.utils.translation import gettext_lazy as _

from core.models import Tag
from core.money import Money
from core.timeutils import timezone_choices, validate_timezone

from . import services
from .models import Offering, SpecialistProfile


def _tags(kind: str, label, help_text=""):
    return forms.ModelMultipleChoiceField(
        label=label,
        queryset=Tag.objects.filter(kind=kind).order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=help_text,
    )


class ProfileForm(forms.Form):
    """What a specialist tells patients about themselves.

    The taxonomy fields offer only the managed tags, never free text, so the
    directory's filters and matching compare like with like.
    """

    TAG_FIELDS = {
        "specializations": Tag.Kind.SPECIALIZATION,
        "approaches": Tag.Kind.APPROACH,
        "languages": Tag.Kind.LANGUAGE,
        "modalities": Tag.Kind.MODALITY,
        "jurisdictions": Tag.Kind.JURISDICTION,
    }

    photo = forms.FileField(
        label=_("Choose a photo"),
        required=False,
        help_text=_("A friendly, recent photo of your face. JPEG, PNG or WebP, up to 5 MB; we crop it to a square."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    remove_photo = forms.BooleanField(label=_("Remove my photo"), required=False)
    display_name = forms.CharField(
        label=_("Display name"), max_length=120, help_text=_("How patients see your name, e.g. Dr. Ana Souza.")
    )
    pronouns = forms.CharField(label=_("Pronouns"), max_length=40, required=False, help_text=_("e.g. she/her"))
    gender = forms.ChoiceField(
        label=_("Gender"),
        choices=SpecialistProfile.Gender.choices,
        required=False,
        help_text=_("Some patients look for a specialist of a particular gender."),
    )
    headline = forms.CharField(
        label=_("Headline"),
        max_length=160,
        required=False,
        help_text=_("One line under your name, e.g. Psychologist for anxiety and burnout."),
    )
    bio = forms.CharField(
        label=_("About you"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 7}),
        help_text=_("A few warm sentences: who you help, how you work, what a first session is like."),
    )
    credentials = forms.CharField(
        label=_("Credentials"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Degrees, licences and registrations, one per line."),
    )
    specializations = _tags(Tag.Kind.SPECIALIZATION, _("Specializations"))
    approaches = _tags(Tag.Kind.APPROACH, _("Approaches"))
    languages = _tags(Tag.Kind.LANGUAGE, _("Languages you work in"))
    modalities = _tags(Tag.Kind.MODALITY, _("How you meet patients"))
    jurisdictions = _tags(
        Tag.Kind.JURISDICTION,
        _("Licensed in"),
        help_text=_("Where you may practise. Patients elsewhere may not be able to book you."),
    )
    timezone = forms.ChoiceField(
        label=_("Your time zone"),
        choices=timezone_choices,
        help_text=_("Your availability and appointments are shown in this zone."),
    )
    accepting_new_patients = forms.BooleanField(label=_("I am accepting new patients"), required=False)

    field_order = [
        "photo",
        "remove_photo",
        "display_name",
        "pronouns",
        "gender",
        "headline",
        "bio",
        "credentials",
    ]

    @classmethod
    def initial_for(cls, profile: SpecialistProfile) -> dict:
        initial = {
            field: getattr(profile, field)
            for field in (
                "display_name",
                "pronouns",
                "gender",
                "headline",
                "bio",
                "credentials",
                "accepting_new_patients",
            )
        }
        for field, kind in cls.TAG_FIELDS.items():
            initial[field] = [tag.pk for tag in profile.tag_groups[kind]]
        initial["timezone"] = profile.user.timezone
        return initial

    def clean_timezone(self):
        value = self.cleaned_data["timezone"]
        validate_timezone(value)
        return value

    def clean_photo(self):
        upload = self.cleaned_data.get("photo")
        if not upload:
            return None
        return services.specialist_photo_prepare(upload)

    @property
    def too_large(self) -> bool:
        return any(error.code == "too_large" for error in self.errors.as_data().get("photo", []))

    def tags(self) -> list[Tag]:
        return [tag for field in self.TAG_FIELDS for tag in self.cleaned_data[field]]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "display_name": data["display_name"],
            "pronouns": data["pronouns"],
            "gender": data["gender"],
            "headline": data["headline"],
            "bio": data["bio"],
            "credentials": data["credentials"],
            "accepting_new_patients": data["accepting_new_patients"],
            "tags": self.tags(),
            "timezone_name": data["timezone"],
            "photo": data["photo"],
            "remove_photo": data["remove_photo"],
        }

    def fields_with_errors(self):
        """The fields to point at from the summary above the form."""
        return [self[name] for name in self.fields if name in self.errors]


class OfferingForm(forms.Form):
    """One service for sale. The price is typed in major units ("90.00") and
    parsed with the currency's own number of decimals."""

    name = forms.CharField(
        label=_("Name"), max_length=120, help_text=_("What patients book, e.g. Initial consultation.")
    )
    description = forms.CharField(
        label=_("Short description"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration"),
        help_text=_("In minutes, e.g. 50."),
        min_value=services.DURATION_MIN_MINUTES,
        max_value=services.DURATION_MAX_MINUTES,
        error_messages={
            "min_value": _("A session lasts at least %(limit_value)s minutes."),
            "max_value": _("A session lasts at most %(limit_value)s minutes (8 hours)."),
            "invalid": _("Enter the length in whole minutes, e.g. 50."),
        },
        widget=forms.NumberInput(attrs={"step": 5, "inputmode": "numeric"}),
    )
    price = forms.CharField(label=_("Price"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    booking_mode = forms.ChoiceField(
        label=_("How patients book it"),
        choices=Offering.BookingMode.choices,
        initial=Offering.BookingMode.DIRECT,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency
        example = services.price_example(currency)
        self.fields["price"].help_text = _("In %(currency)s, e.g. %(example)s.") % {
            "currency": currency,
            "example": example,
        }
        self.fields["price"].widget.attrs["placeholder"] = example

    @classmethod
    def initial_for(cls, offering: Offering) -> dict:
        return {
            "name": offering.name,
            "description": offering.description,
            "duration_minutes": offering.duration_minutes,
            "price": str(Money(offering.price_minor, offering.currency).decimal),
            "booking_mode": offering.booking_mode,
        }

    def clean_price(self):
        return services.price_to_minor(self.cleaned_data["price"], currency=self.currency)

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "description": data["description"],
            "duration_minutes": data["duration_minutes"],
            "price_minor": data["price"],
            "booking_mode": data["booking_mode"],
        }


class ReviewForm(forms.Form):
    """An organization admin's decision on a profile."""

    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"

    decision = forms.ChoiceField(
        choices=[(APPROVE, _("Approve")), (REQUEST_CHANGES, _("Request changes"))], widget=forms.HiddenInput
    )
    note = forms.CharField(
        label=_("What should change?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The specialist sees this note on their profile page."),
        error_messages={"required": _("Tell the specialist what to change.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.data.get("decision") == self.APPROVE:
            self.fields["note"].required = False
