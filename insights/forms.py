"""What an insights page covers: the dates, the conversion window and, for
an organization, one program or specialist. Bad input is explained here,
before any figure is computed."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organizations.models import Program
from specialists.models import SpecialistProfile

from .funnel import DEFAULT_WINDOW_DAYS, MAX_WINDOW_DAYS
from .periods import Period, period_clean

DEFAULT_DAYS = 90
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class InsightsForm(forms.Form):
    """The specialist's form: dates and window. Missing values take their
    defaults (the last 90 days, a 90-day window), so a bare URL works."""

    start = forms.DateField(label=_("From"), widget=DATE_WIDGET, input_formats=["%Y-%m-%d"])
    end = forms.DateField(label=_("To"), widget=DATE_WIDGET, input_formats=["%Y-%m-%d"])
    window = forms.IntegerField(
        label=_("Conversion window (days)"),
        min_value=1,
        max_value=MAX_WINDOW_DAYS,
        help_text=_("How long each patient is followed through the funnel."),
        error_messages={
            "min_value": _("The conversion window must be between 1 and 365 days."),
            "max_value": _("The conversion window must be between 1 and 365 days."),
        },
    )

    def __init__(self, query, *args, **kwargs):
        today = timezone.localdate()
        data = {
            "start": query.get("start") or (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat(),
            "end": query.get("end") or today.isoformat(),
            "window": query.get("window") or DEFAULT_WINDOW_DAYS,
        }
        data.update({name: query.get(name, "") for name in ("program", "specialist")})
        super().__init__(data, *args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end"):
            try:
                cleaned["period"] = period_clean(start_on=cleaned["start"], end_on=cleaned["end"])
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned

    @property
    def period(self) -> Period:
        return self.cleaned_data["period"]

    def error_text(self) -> str:
        """The errors as one line, for answers that are not a page (a CSV link)."""
        return " ".join(message for errors in self.errors.values() for message in errors)

    def query(self) -> str:
        """The cleaned choices as a query string, for the CSV links."""
        values = {
            "start": self.period.start_on.isoformat(),
            "end": self.period.end_on.isoformat(),
            "window": self.cleaned_data["window"],
        }
        for name in ("program", "specialist"):
            chosen = self.cleaned_data.get(name)
            if chosen is not None:
                values[name] = str(chosen.public_id)
        return urlencode(values)


class OrganizationInsightsForm(InsightsForm):
    """The organization's form: also one program or one specialist, chosen
    among the organization's own (another organization's id is refused as
    an invalid choice: nothing of it is shown)."""

    program = forms.ModelChoiceField(
        label=_("Program"),
        queryset=Program.objects.none(),
        to_field_name="public_id",
        required=False,
        empty_label=_("All programs"),
    )
    specialist = forms.ModelChoiceField(
        label=_("Specialist"),
        queryset=SpecialistProfile.objects.none(),
        to_field_name="public_id",
        required=False,
        empty_label=_("All specialists"),
    )

    def __init__(self, query, *args, organization, **kwargs):
        super().__init__(query, *args, **kwargs)
        self.fields["program"].queryset = Program.objects.filter(organization=organization).order_by("name")
        self.fields["specialist"].queryset = SpecialistProfile.objects.filter(organization=organization).order_by(
            "display_name"
        )
