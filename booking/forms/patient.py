"""Forms of the patient's booking pages: parsing only; the services decide."""

from __future__ import annotations

from datetime import UTC, datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.timeutils import format_short, validate_date_in_range, validate_moment_in_range

from ..services import REASON_MAX_LENGTH, proposal_accept
from ..services.scheduling import MAX_REQUEST_WINDOWS, NOTE_MAX_LENGTH
from ..states import AppointmentStatus


class StartsAtField(forms.Field):
    """A start time as posted by a time button: an ISO 8601 instant with its
    offset (`2026-11-24T08:00:00+00:00`), returned as aware UTC. A time
    without an offset is refused: it would not say which instant it is; so
    is one further from now than anyone may pick (checked before it is
    moved to UTC, which overflows near the year 9999)."""

    default_error_messages = {
        "required": _("Please pick one of the times shown."),
        "invalid": _("We could not read that time. Please pick one of the times shown."),
        "naive": _("That time does not say which time zone it is in. Please pick one of the times shown."),
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        value = str(value).strip()
        if len(value) > 64:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise forms.ValidationError(self.error_messages["naive"], code="naive")
        validate_moment_in_range(moment)
        return moment.astimezone(UTC)


class SlotForm(forms.Form):
    """One picked time: the time buttons of the slot picker."""

    starts_at = StartsAtField()


def picked_start(value: str | None) -> datetime | None:
    """A time carried in a link (`?at=`, the time picked before a detour),
    read as a posted one; None when it is missing or unreadable."""
    form = SlotForm({"starts_at": value or ""})
    return form.cleaned_data["starts_at"] if form.is_valid() else None


def _reason_field(*, required: bool, label):
    return forms.CharField(
        label=label,
        required=required,
        max_length=REASON_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": REASON_MAX_LENGTH}),
        error_messages={"required": _("Please give a reason.")},
    )


class RescheduleForm(SlotForm):
    reason = _reason_field(required=True, label=_("Why are you moving this session?"))

    field_order = ["reason", "starts_at"]


class CancelForm(forms.Form):
    reason = _reason_field(required=True, label=_("Why are you cancelling?"))


class ProposalAcceptForm(forms.Form):
    """One of a proposal's times, by its id."""

    appointment = forms.UUIDField(error_messages={"required": _("Please choose one of the proposed times.")})

    def save(self, *, proposal, by):
        """Accept the chosen time; ValidationError when it is not one of the
        proposal's (or the proposal is answered or has run out)."""
        chosen = self.cleaned_data["appointment"]
        option = next((o for o in proposal.appointments.all() if o.public_id == chosen), None)
        if option is None:
            if proposal.status == proposal.Status.OPEN and proposal.expires_at > timezone.now():
                raise ValidationError(_("Please choose one of the proposed times."), code="not_an_option")
            raise ValidationError(_("This proposal has already been answered or has run out."), code="not_open")
        return proposal_accept(proposal=proposal, appointment=option, by=by)

    @staticmethod
    def done_text(chosen, zone_name: str) -> str:
        """What the patient is told once a time is taken."""
        if chosen.status == AppointmentStatus.AWAITING_PAYMENT:
            return _("Almost there: please pay by %(when)s to confirm this session.") % {
                "when": format_short(chosen.expires_at, zone_name)
            }
        return str(_("Booked. We will email you the details."))


class ProposalDeclineForm(forms.Form):
    reason = _reason_field(required=False, label=_("Anything you would like to tell them?"))


class AvailabilityRequestForm(forms.Form):
    """Up to three windows (a date and hours, in the patient's own zone), a
    note and optionally the service asked about."""

    offering = forms.ModelChoiceField(
        label=_("Service"),
        queryset=None,
        required=False,
        to_field_name="public_id",
        empty_label=_("Any service"),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": NOTE_MAX_LENGTH}),
        help_text=_("For example: “Evenings after 18:00 work best for me.” The specialist reads this."),
    )

    def __init__(self, *args, specialist, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offering"].queryset = specialist.offerings.all()
        self.fields["offering"].label_from_instance = lambda offering: offering.name
        for number in range(1, MAX_REQUEST_WINDOWS + 1):
            self.fields[f"date_{number}"] = forms.DateField(
                label=_("Date"),
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}),
                validators=[validate_date_in_range],
            )
            self.fields[f"from_{number}"] = forms.TimeField(
                label=_("From"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
            )
            self.fields[f"until_{number}"] = forms.TimeField(
                label=_("Until"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
            )

    def window_rows(self):
        """The fields of each window, for the template: [(number, date, from, until)]."""
        return [
            (number, self[f"date_{number}"], self[f"from_{number}"], self[f"until_{number}"])
            for number in range(1, MAX_REQUEST_WINDOWS + 1)
        ]

    def clean(self):
        data = super().clean()
        windows = []
        for number in range(1, MAX_REQUEST_WINDOWS + 1):
            names = [f"date_{number}", f"from_{number}", f"until_{number}"]
            if any(name in self.errors for name in names):
                continue
            values = [data.get(name) for name in names]
            if not any(values):
                continue
            if not all(values):
                for name, value in zip(names, values, strict=True):
                    if not value:
                        self.add_error(name, _("Please fill in the date, from and until, or leave all three empty."))
                continue
            day, start, end = values
            if end <= start:
                self.add_error(f"until_{number}", _("Please pick a time after the start."))
                continue
            windows.append({"date": day, "from": start, "until": end})
        data["windows"] = windows
        if not self.errors and not windows and not (data.get("note") or "").strip():
            raise forms.ValidationError(_("Please give at least one time that suits you, or a note."))
        return data
