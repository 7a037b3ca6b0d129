"""Forms of the authoring pages: consent documents, intake forms and the
form builder. They parse; the services (consents.services.authoring) decide,
and a service's ValidationError is put back on the form."""

from __future__ import annotations

from collections import defaultdict

from django import forms
from django.utils.translation import gettext_lazy as _

from specialists.models import Offering

from .. import schema as form_schema
from ..models import ConsentDocument, IntakeForm, RequiredBefore

TYPE_LABELS = {
    "short_text": _("Short text"),
    "long_text": _("Long text"),
    "single_choice": _("Single choice"),
    "multiple_choice": _("Multiple choice"),
    "scale": _("Scale"),
    "yes_no": _("Yes / no"),
    "date": _("Date"),
}


def add_service_errors(form: forms.Form, error) -> None:
    """Put a service's ValidationError on `form`: a field's message beside
    that field when the form has it, anything else above the form."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class _ScopeMixin:
    """A program choice (organization admins) — the whole organization when empty."""

    def _add_program_field(self, programs):
        if programs is None:
            return
        self.fields["program"] = forms.ModelChoiceField(
            label=_("Applies to"),
            queryset=programs,
            required=False,
            empty_label=_("The whole organization"),
            help_text=_("Fixed once created."),
        )


class DocumentCreateForm(_ScopeMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=160)
    kind = forms.ChoiceField(label=_("Kind"), choices=ConsentDocument.Kind.choices)
    required_before = forms.ChoiceField(label=_("Required"), choices=RequiredBefore.choices)
    reconsent_on_new_version = forms.BooleanField(
        label=_("Ask patients to sign again when a new version is published"), required=False, initial=True
    )
    withdrawable = forms.BooleanField(label=_("Patients may withdraw it later"), required=False, initial=True)

    def __init__(self, *args, programs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._add_program_field(programs)


class DocumentSettingsForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=160)
    kind = forms.ChoiceField(label=_("Kind"), choices=ConsentDocument.Kind.choices)
    required_before = forms.ChoiceField(label=_("Required"), choices=RequiredBefore.choices)
    reconsent_on_new_version = forms.BooleanField(
        label=_("Ask patients to sign again when a new version is published"), required=False
    )
    withdrawable = forms.BooleanField(label=_("Patients may withdraw it later"), required=False)
    is_active = forms.BooleanField(
        label=_("In use"), required=False, help_text=_("Untick to archive: patients are no longer asked to sign it.")
    )

    @classmethod
    def initial_for(cls, document: ConsentDocument) -> dict:
        return {name: getattr(document, name) for name in cls.base_fields}


class DraftForm(forms.Form):
    summary = forms.CharField(
        label=_("Plain-language summary"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown above the full text: what this means for the patient, in a few sentences."),
    )
    body = forms.CharField(
        label=_("Full text"),
        required=False,
        max_length=50000,
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text=_("Markdown: # headings, - lists, *emphasis*, **bold**, [links](https://…). HTML is shown as text."),
    )


def offering_choices(offerings) -> list:
    """Offerings grouped by specialist, as (group, [(public_id, name)])."""
    groups = defaultdict(list)
    for offering in offerings:
        groups[offering.specialist.display_name].append((str(offering.public_id), offering.name))
    return [(name, choices) for name, choices in groups.items()]


class _OfferingsMixin:
    def _add_offerings_field(self, offerings):
        self._offerings = {str(offering.public_id): offering for offering in offerings}
        self.fields["offerings"] = forms.MultipleChoiceField(
            label=_("Send it when one of these is booked"),
            choices=offering_choices(offerings),
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )

    def clean_offerings(self) -> list[Offering]:
        return [self._offerings[value] for value in self.cleaned_data["offerings"]]


class IntakeFormCreateForm(_ScopeMixin, _OfferingsMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=160)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    required_before = forms.ChoiceField(label=_("Required"), choices=RequiredBefore.choices)

    def __init__(self, *args, programs=None, offerings=(), template_key="", **kwargs):
        super().__init__(*args, **kwargs)
        self._add_program_field(programs)
        self._add_offerings_field(offerings)
        if template_key:
            self.fields["title"].required = False


class IntakeFormSettingsForm(_OfferingsMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=160)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    required_before = forms.ChoiceField(label=_("Required"), choices=RequiredBefore.choices)
    is_active = forms.BooleanField(
        label=_("In use"), required=False, help_text=_("Untick to archive: patients are no longer asked to fill it in.")
    )

    def __init__(self, *args, offerings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._add_offerings_field(offerings)

    @classmethod
    def initial_for(cls, form: IntakeForm) -> dict:
        initial = {name: getattr(form, name) for name in ("title", "description", "required_before", "is_active")}
        initial["offerings"] = [str(offering.public_id) for offering in form.offerings.all()]
        return initial


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=[(kind, TYPE_LABELS[kind]) for kind in form_schema.TYPES])
    label = forms.CharField(label=_("Question"), max_length=500)
    help_text = forms.CharField(label=_("Help"), max_length=500, required=False)
    required = forms.BooleanField(label=_("An answer is required"), required=False)
    options = forms.CharField(
        label=_("Choices, one per line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For single and multiple choice."),
    )
    scale_min = forms.IntegerField(label=_("Scale from"), required=False, min_value=-100, max_value=100)
    scale_max = forms.IntegerField(label=_("Scale to"), required=False, min_value=-100, max_value=100)

    @classmethod
    def initial_for(cls, question: dict) -> dict:
        return {
            "kind": question.get("type"),
            "label": question.get("label", ""),
            "help_text": question.get("help", ""),
            "required": bool(question.get("required")),
            "options": "\n".join(question.get("options", [])),
            "scale_min": question.get("min"),
            "scale_max": question.get("max"),
        }

    def question_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "label": data["label"],
            "help_text": data["help_text"],
            "required": data["required"],
            "options": data["options"].splitlines(),
            "scale_min": data["scale_min"],
            "scale_max": data["scale_max"],
        }


class SectionForm(forms.Form):
    title = forms.CharField(label=_("Section title"), max_length=200, required=False)


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", _("Up")), ("down", _("Down"))])


class ConsentSettingsForm(forms.Form):
    specialists_may_write = forms.BooleanField(
        label=_("Specialists may write consents and forms for their own patients"), required=False
    )
