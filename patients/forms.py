"""One small form per intake step. Nothing is required anywhere."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.money import CURRENCY_SYMBOLS, Money
from core.timeutils import timezone_choices

from .models import Intake
from .selectors import (
    GENDER_CHOICES,
    GOALS_TEXT_MAX_LENGTH,
    TAG_FIELDS,
    TIME_OF_DAY_CHOICES,
    WEEKDAY_CHOICES,
    tag_choices,
)
from .services import budget_to_minor

INVALID_CHOICE = _("“%(value)s” is not one of the options. Please choose from the list.")


def _options(label, help_text="", choices=()):
    return forms.MultipleChoiceField(
        label=label,
        help_text=help_text,
        required=False,
        choices=choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": INVALID_CHOICE},
    )


class IntakeStepForm(forms.Form):
    """A step's form: taxonomy choices come from core.Tag in one query."""

    def __init__(self, *args, intake: Intake | None, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        tag_fields = [name for name in self.fields if name in TAG_FIELDS]
        tags = tag_choices(*{TAG_FIELDS[name] for name in tag_fields}) if tag_fields else {}
        for name in tag_fields:
            field = self.fields[name]
            empty = [("", field.empty_label)] if hasattr(field, "empty_label") else []
            field.choices = empty + tags[TAG_FIELDS[name]]
        if intake is not None and not self.is_bound:
            self.initial.update(self.initial_from(intake))

    def initial_from(self, intake: Intake) -> dict:
        return {name: getattr(intake, name) for name in self.fields if hasattr(intake, name)}

    def answers(self) -> dict:
        """The cleaned answers, keyed as `intake_save_step` expects."""
        return dict(self.cleaned_data)


class GoalsForm(IntakeStepForm):
    topics = _options(
        _("What would you like support with?"),
        _("Choose any that fit, or none at all."),
    )
    goals_text = forms.CharField(
        label=_("In your own words"),
        required=False,
        max_length=GOALS_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What brings you here, what you hope will change. Stored encrypted; change it whenever you like."),
        error_messages={"max_length": _("Please keep this under 2,000 characters (it has %(show_value)d).")},
    )


class PreferencesForm(IntakeStepForm):
    languages = _options(_("Which languages can your sessions be in?"))
    specialist_gender = forms.ChoiceField(
        label=_("Would you prefer your specialist to be…"),
        required=False,
        choices=GENDER_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": INVALID_CHOICE},
    )
    modalities = _options(_("How would you like to meet?"))
    approaches = _options(
        _("A way of working you like?"),
        _("Skip this if you are not sure: your specialist will explain how they work."),
    )

    def initial_from(self, intake):
        return {**super().initial_from(intake), "specialist_gender": intake.specialist_gender or ""}


class JurisdictionField(forms.ChoiceField):
    empty_label = _("Choose where you live")


class ConstraintsForm(IntakeStepForm):
    budget = forms.CharField(
        label=_("Budget per session"),
        required=False,
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    days = _options(_("Which days suit you?"), choices=WEEKDAY_CHOICES)
    times_of_day = _options(_("What times of day?"), choices=TIME_OF_DAY_CHOICES)
    jurisdiction = JurisdictionField(
        label=_("Where do you live?"),
        required=False,
        help_text=_("Specialists must be licensed where you live, so we only suggest those who are."),
        error_messages={"invalid_choice": INVALID_CHOICE},
    )
    timezone = forms.ChoiceField(
        label=_("Your time zone"),
        required=False,
        choices=timezone_choices,
        help_text=_("Session times are shown to you in this zone."),
        error_messages={
            "invalid_choice": _("“%(value)s” is not a time zone we know. Please choose one from the list.")
        },
    )

    def __init__(self, *args, currency: str, **kwargs):
        self.currency = currency
        super().__init__(*args, **kwargs)
        self.currency_symbol = CURRENCY_SYMBOLS.get(currency, currency)
        self.fields["budget"].help_text = _(
            "The most you would like to pay, in %(currency)s. Leave it empty if price does not matter."
        ) % {"currency": currency}
        if not self.is_bound:
            self.initial.setdefault("timezone", self.user.timezone)

    def initial_from(self, intake):
        budget = ""
        if intake.budget_max_minor is not None and intake.budget_currency == self.currency:
            budget = str(Money(intake.budget_max_minor, intake.budget_currency).decimal)
        return {
            "budget": budget,
            "days": intake.days,
            "times_of_day": intake.times_of_day,
            "jurisdiction": intake.jurisdiction,
        }

    def clean_budget(self):
        try:
            return budget_to_minor(self.cleaned_data["budget"], currency=self.currency)
        except ValidationError as error:
            raise forms.ValidationError(error.messages[0], code=error.code) from None

    def answers(self):
        data = dict(self.cleaned_data)
        data["budget_max_minor"] = data.pop("budget")
        return data


STEP_FORMS = {"goals": GoalsForm, "preferences": PreferencesForm, "constraints": ConstraintsForm}


def intake_step_form(step: str, *, intake: Intake | None, user, currency: str, data=None) -> IntakeStepForm:
    form_class = STEP_FORMS[step]
    extra = {"currency": currency} if form_class is ConstraintsForm else {}
    return form_class(data, intake=intake, user=user, **extra)
