"""Forms of the specialist's calendar and the organization's booking policy.

They parse; the services decide. A service's ValidationError is put back
on the form (`form.add_error(None, error)`), so each rule lives in one
place and its message shows beside the field it is about.
"""

from __future__ import annotations

import re
from datetime import time

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ..models import AvailabilityOverride, AvailabilityRule, BookingPolicy, BookingSettings
from ..services.availability import (
    MAX_REMINDERS,
    OVERRIDE_NOTE_MAX_LENGTH,
    REMINDER_CHOICES,
    SETTINGS_BOUNDS,
    check_day_ranges,
)

WEEKDAY_FIELDS = [(day.value, day.name.lower(), day.label) for day in AvailabilityRule.Weekday]

# "9-12", "09:00-12:30", "9:00 to 17:00", with a hyphen or a dash.
_RANGE = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(?:-|\u2013|\u2014|to)\s*(\d{1,2})(?::(\d{2}))?$", re.IGNORECASE)
_NO_HOURS = {"", "-", "\u2013", "off", "closed", "none"}


def _clock(hours: str, minutes: str | None, *, whole: str) -> time:
    hour, minute = int(hours), int(minutes or 0)
    if hour == 24 and minute == 0:
        return time(0)  # midnight as an end (the end of the day)
    if hour > 23 or minute > 59:
        raise ValidationError(_("“%(text)s” is not a time of day."), code="bad_time", params={"text": whole})
    return time(hour, minute)


def parse_day_ranges(text: str) -> list[tuple[time, time]]:
    """ "09:00-12:00, 13:00-17:00" as [(09:00, 12:00), (13:00, 17:00)].

    Ranges are separated by commas, semicolons or new lines; empty, "-" or
    "off" means no hours. Anything else is refused with the piece quoted.
    """
    text = (text or "").strip()
    if text.lower() in _NO_HOURS:
        return []
    ranges = []
    for raw in re.split(r"[,;\n]+", text):
        piece = raw.strip()
        if not piece:
            continue
        match = _RANGE.match(piece)
        if match is None:
            raise ValidationError(
                _("“%(text)s” is not a range of hours. Write it like 09:00-12:00."),
                code="bad_range",
                params={"text": piece[:40]},
            )
        start = _clock(match[1], match[2], whole=piece[:40])
        end = _clock(match[3], match[4], whole=piece[:40])
        if start == time(0) and match[1] == "24":
            raise ValidationError(_("A day starts at 00:00, not 24:00."), code="bad_time")
        ranges.append((start, end))
    return ranges


class WeeklyHoursForm(forms.Form):
    """One text field a weekday: "09:00-12:00, 13:00-17:00"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for _value, name, label in WEEKDAY_FIELDS:
            self.fields[name] = forms.CharField(
                label=label,
                required=False,
                max_length=200,
                widget=forms.TextInput(attrs={"placeholder": _("Not working"), "autocomplete": "off"}),
            )

    @staticmethod
    def initial_for(rules) -> dict:
        initial = {name: [] for _value, name, _label in WEEKDAY_FIELDS}
        names = {value: name for value, name, _label in WEEKDAY_FIELDS}
        for rule in sorted(rules, key=lambda rule: (rule.weekday, rule.start_time)):
            initial[names[rule.weekday]].append(f"{rule.start_time:%H:%M}-{rule.end_time:%H:%M}")
        return {name: ", ".join(ranges) for name, ranges in initial.items()}

    def clean(self):
        cleaned = super().clean()
        for _value, name, _label in WEEKDAY_FIELDS:
            if name not in cleaned:
                continue  # already refused (too long)
            try:
                cleaned[name] = check_day_ranges(parse_day_ranges(cleaned[name]))
            except ValidationError as error:
                self.add_error(name, error)
        return cleaned

    def rules(self) -> list[tuple[int, time, time]]:
        return [
            (value, start, end)
            for value, name, _label in WEEKDAY_FIELDS
            for start, end in self.cleaned_data.get(name, [])
        ]

    @property
    def weekday_fields(self):
        return [self[name] for _value, name, _label in WEEKDAY_FIELDS]


class OverrideForm(forms.Form):
    date_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(
        label=_("What changes"),
        choices=AvailabilityOverride.Kind.choices,
        initial=AvailabilityOverride.Kind.DAY_OFF,
    )
    start_time = forms.TimeField(label=_("From"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(label=_("Until"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    note = forms.CharField(
        label=_("Note for yourself"),
        required=False,
        max_length=OVERRIDE_NOTE_MAX_LENGTH,
        help_text=_("Only you see it, e.g. “Conference”. Please no patient details."),
    )
    # The week the calendar was showing, to come back to it.
    week = forms.CharField(required=False, widget=forms.HiddenInput, max_length=10)

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {key: data[key] for key in ("date_on", "kind", "start_time", "end_time", "note")}


def _bounded(name: str, label, help_text, *, required: bool = True) -> forms.IntegerField:
    low, high = SETTINGS_BOUNDS[name]
    return forms.IntegerField(label=label, min_value=low, max_value=high, required=required, help_text=help_text)


class BookingSettingsForm(forms.Form):
    buffer_before_minutes = _bounded(
        "buffer_before_minutes",
        _("Free time before each session (minutes)"),
        _("Kept free before every session, e.g. to prepare. 0 to 240."),
    )
    buffer_after_minutes = _bounded(
        "buffer_after_minutes",
        _("Free time after each session (minutes)"),
        _("Kept free after every session, e.g. for notes. 0 to 240."),
    )
    minimum_notice_minutes = _bounded(
        "minimum_notice_minutes",
        _("Minimum notice (minutes)"),
        _("How soon before a session patients can still book it: 720 is 12 hours, 1440 a day."),
    )
    horizon_days = _bounded(
        "horizon_days", _("Bookable up to (days ahead)"), _("How far ahead patients can book. 1 to 365.")
    )
    slot_increment_minutes = _bounded(
        "slot_increment_minutes",
        _("Start times every (minutes)"),
        _("30 offers 09:00, 09:30, 10:00, … 5 to 240."),
    )
    cancellation_window_hours = _bounded(
        "cancellation_window_hours",
        _("Free cancellation up to (hours before)"),
        "",
        required=False,
    )

    FIELDS = (
        "buffer_before_minutes",
        "buffer_after_minutes",
        "minimum_notice_minutes",
        "horizon_days",
        "slot_increment_minutes",
        "cancellation_window_hours",
    )

    def __init__(self, *args, organization_window_hours: int, organization_name: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cancellation_window_hours"].help_text = _(
            "Cancelling later than this is still possible, but marked as late. Leave empty to follow "
            "%(organization)s's policy (currently %(hours)d hours)."
        ) % {"organization": organization_name, "hours": organization_window_hours}

    @classmethod
    def initial_for(cls, stored: BookingSettings) -> dict:
        return {name: getattr(stored, name) for name in cls.FIELDS}

    def service_kwargs(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}


REMINDER_LABELS = {
    7 * 24 * 60: _("1 week before"),
    2 * 24 * 60: _("2 days before"),
    24 * 60: _("24 hours before"),
    12 * 60: _("12 hours before"),
    120: _("2 hours before"),
    60: _("1 hour before"),
    30: _("30 minutes before"),
    15: _("15 minutes before"),
}


class BookingPolicyForm(forms.Form):
    cancellation_window_hours = forms.IntegerField(
        label=_("Free cancellation up to (hours before)"),
        min_value=0,
        max_value=SETTINGS_BOUNDS["cancellation_window_hours"][1],
        help_text=_(
            "Patients and specialists can cancel later too, but it is marked as late. 0 to 336 (two weeks). "
            "A specialist may set their own."
        ),
    )
    reminder_offsets_minutes = forms.TypedMultipleChoiceField(
        label=_("Reminders"),
        choices=[(minutes, REMINDER_LABELS[minutes]) for minutes in REMINDER_CHOICES],
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reminder_offsets_minutes"].help_text = _(
            "Emailed to patients before each session (specialists have it in their calendar). "
            "Up to %(n)d; none turns reminders off."
        ) % {"n": MAX_REMINDERS}

    @staticmethod
    def initial_for(policy: BookingPolicy) -> dict:
        return {
            "cancellation_window_hours": policy.cancellation_window_hours,
            "reminder_offsets_minutes": list(policy.reminder_offsets_minutes or []),
        }

    def service_kwargs(self) -> dict:
        return {
            "cancellation_window_hours": self.cleaned_data["cancellation_window_hours"],
            "reminder_offsets_minutes": self.cleaned_data["reminder_offsets_minutes"],
        }
