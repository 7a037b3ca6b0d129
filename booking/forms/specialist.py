"""Forms of the specialist's scheduling pages: answering requests,
cancelling, rescheduling and proposing times.

Every date and time here is typed as wall-clock time in the specialist's own
zone and turned into an instant with `parse_local_start`, so a time that does
not exist or happens twice at a daylight-saving change is refused on its own
field instead of being silently shifted.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.payments import paid_before_session, payments_available_for
from core.timeutils import format_short, validate_date_in_range
from specialists.models import Offering

from ..selectors_specialist import starts_taken
from ..services import REASON_MAX_LENGTH, SlotTaken, parse_local_start, proposal_create

MAX_PROPOSED_TIMES = 5
NOTE_MAX_LENGTH = 2000
# Without an answer-by time the patient has this long, or until shortly
# before the first proposed time if that comes sooner.
DEFAULT_ANSWER_WINDOW = timedelta(hours=48)
ANSWER_MARGIN = timedelta(hours=1)


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _date_field(label, *, required: bool = True) -> forms.DateField:
    # A typo'd year (9999) is refused here, before any arithmetic on it.
    return forms.DateField(label=label, required=required, widget=_date_input(), validators=[validate_date_in_range])


def _time_input():
    return forms.TimeInput(attrs={"type": "time", "step": 300}, format="%H:%M")


def _reason_field(label):
    return forms.CharField(
        label=label,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The patient reads this. Keep health details out of it."),
        error_messages={"required": _("Please give a reason.")},
    )


class DeclineForm(forms.Form):
    prefix = "decline"
    reason = _reason_field(_("Why can you not take this time?"))


class CancelForm(forms.Form):
    prefix = "cancel"
    reason = _reason_field(_("Why are you cancelling?"))


def _local_start(form: forms.Form, day, at, zone_name: str, field: str) -> datetime | None:
    """The instant of a wall-clock date and time, or None with the DST
    problem attached to `field`."""
    try:
        return parse_local_start(day=day, at=at, zone_name=zone_name)
    except ValidationError as error:
        form.add_error(field, error)
        return None


class RescheduleForm(forms.Form):
    """A new start, typed in the specialist's zone, and why."""

    date = _date_field(_("New date"))
    time = forms.TimeField(label=_("New start time"), widget=_time_input())
    reason = _reason_field(_("Why are you moving it?"))

    def __init__(self, *args, zone_name: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone_name = zone_name
        self.fields["time"].help_text = _("In your time zone, %(zone)s.") % {"zone": zone_name.replace("_", " ")}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date") and cleaned.get("time"):
            cleaned["starts_at"] = _local_start(self, cleaned["date"], cleaned["time"], self.zone_name, "time")
        return cleaned


class ProposalForm(forms.Form):
    """One to five times for one patient and one service, an answer-by time,
    whether payment comes first, and a note.

    `patients` are the people the specialist may propose to; an id outside
    them is refused with the same message as an empty choice, so a forged id
    says nothing about whether that person exists. With `fixed_patient` (an
    answer to an availability request) there is no patient field at all.
    "Payment required" is there only where `specialist` can take payments
    (`core.payments`); elsewhere a posted one is ignored.
    """

    patient = forms.ChoiceField(
        label=_("Patient"),
        error_messages={
            "required": _("Choose one of your patients."),
            "invalid_choice": _("Choose one of your patients."),
        },
    )
    offering = forms.ModelChoiceField(
        label=_("Service"),
        queryset=Offering.objects.none(),
        to_field_name="public_id",
        empty_label=None,
        error_messages={
            "required": _("Choose one of your services."),
            "invalid_choice": _("Choose one of your services."),
        },
    )
    answer_by_date = _date_field(_("Answer by (date)"), required=False)
    answer_by_time = forms.TimeField(label=_("Answer by (time)"), required=False, widget=_time_input())
    payment_required = forms.BooleanField(
        label=_("Payment required before confirmation"),
        required=False,
        help_text=_("The time is confirmed once the patient has paid; until then it stays reserved."),
    )
    note = forms.CharField(
        label=_("Note to the patient"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self, *args, patients, offerings, specialist, zone_name: str, now: datetime, fixed_patient=None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        if not payments_available_for(specialist):
            del self.fields["payment_required"]
        else:  # ticked where the organization has the service paid before the session
            chosen = next((o for o in offerings if o.public_id == self.initial.get("offering")), None)
            self.fields["payment_required"].initial = chosen is not None and paid_before_session(chosen)
        self.zone_name = zone_name
        self.now = now
        self.fixed_patient = fixed_patient
        self._patients = {str(person.public_id): person for person in patients}
        if fixed_patient is not None:
            del self.fields["patient"]
        else:
            self.fields["patient"].choices = [("", _("Choose a patient…"))] + [
                (key, f"{person.display_name} · {person.email}") for key, person in self._patients.items()
            ]
        self.fields["offering"].queryset = offerings
        self.fields["offering"].label_from_instance = lambda offering: (
            _("%(name)s (%(minutes)s min)")
            % {
                "name": offering.name,
                "minutes": offering.duration_minutes,
            }
        )
        for number in range(1, MAX_PROPOSED_TIMES + 1):
            self.fields[f"date_{number}"] = _date_field(_("Date"), required=False)
            self.fields[f"time_{number}"] = forms.TimeField(label=_("Start"), required=False, widget=_time_input())
        zone = zone_name.replace("_", " ")
        self.answer_by_help = _(
            "In your time zone, %(zone)s. Leave both empty for 48 hours from now (or an hour before the first "
            "time, if that is sooner)."
        ) % {"zone": zone}

    def time_rows(self):
        """The (date, time) field pairs, for the template."""
        return [(self[f"date_{n}"], self[f"time_{n}"]) for n in range(1, MAX_PROPOSED_TIMES + 1)]

    def clean_patient(self):
        return self._patients[self.cleaned_data["patient"]]

    def clean(self):
        cleaned = super().clean()
        starts = []
        for number in range(1, MAX_PROPOSED_TIMES + 1):
            day, at = cleaned.get(f"date_{number}"), cleaned.get(f"time_{number}")
            if self.has_error(f"date_{number}") or self.has_error(f"time_{number}"):
                continue
            if day is None and at is None:
                continue
            if day is None or at is None:
                missing = f"date_{number}" if day is None else f"time_{number}"
                self.add_error(missing, _("Please give both a date and a start time."))
                continue
            start = _local_start(self, day, at, self.zone_name, f"time_{number}")
            if start is None:
                continue
            if start <= self.now:
                self.add_error(f"time_{number}", _("This time has already passed."))
            elif start in starts:
                self.add_error(f"time_{number}", _("This is the same time as another one above."))
            else:
                starts.append(start)
        row_errors = any(
            self.has_error(f"{part}_{n}") for part in ("date", "time") for n in range(1, MAX_PROPOSED_TIMES + 1)
        )
        if not starts and not row_errors:
            raise ValidationError(_("Please propose at least one time."), code="no_times")
        starts.sort()
        cleaned["starts_at"] = starts
        offering = cleaned.get("offering")
        if offering is not None and starts:
            length = timedelta(minutes=offering.duration_minutes)
            if any(later < earlier + length for earlier, later in pairwise(starts)):
                self.add_error(
                    None,
                    ValidationError(
                        _("Two of the times overlap for a %(minutes)s-minute session. Please space them out."),
                        params={"minutes": offering.duration_minutes},
                        code="overlap",
                    ),
                )
        cleaned["expires_at"] = self._expires_at(cleaned, starts)
        return cleaned

    def _expires_at(self, cleaned, starts) -> datetime | None:
        day, at = cleaned.get("answer_by_date"), cleaned.get("answer_by_time")
        if self.has_error("answer_by_date") or self.has_error("answer_by_time"):
            return None
        if day is None and at is None:
            return self._default_expiry(starts)
        if day is None or at is None:
            self.add_error("answer_by_time", _("Please give both a date and a time, or leave both empty."))
            return None
        expires_at = _local_start(self, day, at, self.zone_name, "answer_by_time")
        problem = None
        if expires_at is None:
            return None
        if expires_at <= self.now:
            problem = _("The answer-by time must be in the future.")
        elif starts and expires_at > starts[0]:
            problem = _("The answer-by time must be before the first proposed time.")
        if problem:
            self.add_error("answer_by_time", problem)
            return None
        return expires_at

    def _default_expiry(self, starts) -> datetime | None:
        if not starts:
            return None
        default = min(self.now + DEFAULT_ANSWER_WINDOW, starts[0] - ANSWER_MARGIN)
        return default if default > self.now else starts[0]

    def save(self, *, specialist, by, answering=None):
        """Send the proposal: `(proposal, 303)`, or `(None, status)` with the
        refusal on the form (409 when a time was just taken, else 422)."""
        if not self.is_valid():
            return None, 422
        data = self.cleaned_data
        try:
            proposal = proposal_create(
                specialist=specialist,
                request=answering,
                by=by,
                now=self.now,
                patient=self.fixed_patient if self.fixed_patient is not None else data["patient"],
                offering=data["offering"],
                starts_at=data["starts_at"],
                expires_at=data["expires_at"],
                payment_required=data.get("payment_required", False),
                note=data["note"],
            )
        except SlotTaken:
            self.add_error(None, self._taken_message(specialist))
            return None, 409
        except ValidationError as error:
            self.add_error(None, error)
            return None, 422
        return proposal, 303

    def _taken_message(self, specialist) -> str:
        """Which of the proposed times another booking holds, if it can tell."""
        taken = starts_taken(
            specialist=specialist, offering=self.cleaned_data["offering"], starts=self.cleaned_data["starts_at"]
        )
        if not taken:
            return _("One of these times was just taken by another booking. Please pick another.")
        names = ", ".join(format_short(start, self.zone_name) for start in taken)
        return _("Another booking already holds %(times)s. Please pick another time.") % {"times": names}
