"""Parsing the clinical note pages' input: a draft's sections, an
amendment, the record's timeline filter and the organization's notes filter.

The services (`care.notes`) check the rules; these only read the fields.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.timeline import KINDS

from .models import ClinicalNote
from .notes import AMENDMENT_MAX_CHARS, SECTION_MAX_CHARS


def section_field_name(key: str) -> str:
    return f"section_{key}"


class NoteDraftForm(forms.Form):
    """The template and its sections; the section fields follow the template."""

    template = forms.ChoiceField(label=_("Template"), choices=ClinicalNote.Template.choices)

    def __init__(self, *args, template: str, **kwargs):
        super().__init__(*args, **kwargs)
        if template not in ClinicalNote.SECTIONS:
            template = ClinicalNote.Template.SOAP
        self.template_key = template
        for key, label in ClinicalNote.SECTIONS[template].items():
            self.fields[section_field_name(key)] = forms.CharField(
                label=label,
                required=False,
                strip=False,
                max_length=SECTION_MAX_CHARS,
                widget=forms.Textarea(attrs={"rows": 8 if template == ClinicalNote.Template.FREE else 4}),
            )

    @property
    def section_fields(self):
        return [self[section_field_name(key)] for key in ClinicalNote.SECTIONS[self.template_key]]

    def sections(self) -> dict[str, str]:
        return {
            key: self.cleaned_data.get(section_field_name(key), "") for key in ClinicalNote.SECTIONS[self.template_key]
        }


def draft_form_from_post(data) -> NoteDraftForm:
    """A bound draft form for the template the POST names (an unknown one fails validation)."""
    return NoteDraftForm(data, template=data.get("template", ""))


class AmendmentForm(forms.Form):
    text = forms.CharField(
        label=_("Amendment"),
        max_length=AMENDMENT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Kept beside the signed note with your name and the time; the note itself stays as signed."),
        error_messages={"required": _("Write the amendment.")},
    )


class TimelineFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("", _("Everything")), *((key, label) for key, label in KINDS.items())],
    )


class OrgNoteFilterForm(forms.Form):
    specialist = forms.ChoiceField(label=_("Specialist"), required=False)
    patient = forms.CharField(label=_("Patient"), required=False, max_length=80)
    start_on = forms.DateField(label=_("Sessions from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end_on = forms.DateField(label=_("until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, specialists=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.specialists = {str(profile.public_id): profile for profile in specialists}
        self.fields["specialist"].choices = [("", _("All specialists"))] + [
            (key, profile.user.display_name) for key, profile in self.specialists.items()
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("start_on"), data.get("end_on")
        if start and end and end < start:
            self.add_error("end_on", _("The end comes before the start."))
        data["specialist_profile"] = self.specialists.get(data.get("specialist") or "")
        return data


class NoteAccessForm(forms.Form):
    membership = forms.UUIDField(widget=forms.HiddenInput)
    action = forms.ChoiceField(choices=[("grant", "grant"), ("revoke", "revoke")], widget=forms.HiddenInput)
