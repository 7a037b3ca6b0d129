"""Forms of the feedback pages: the patient's answer and the organization's
settings. Rules (what may be answered, ranges) are the services' too."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Feedback

CSAT_CHOICES = [(value, str(value)) for value in range(1, 6)]
NPS_CHOICES = [(value, str(value)) for value in range(0, 11)]


class FeedbackForm(forms.Form):
    """The questions asked about one session; the ones not asked are dropped."""

    csat = forms.TypedChoiceField(
        label=_("How satisfied are you with this session?"),
        choices=CSAT_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose a number from 1 to 5.")},
    )
    progress = forms.ChoiceField(
        label=_("Since you started, how are things going?"),
        choices=Feedback.Progress.choices,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose how things are going from the list.")},
    )
    nps = forms.TypedChoiceField(
        label=_("How likely are you to recommend us to a friend or colleague?"),
        help_text=_("0 is not at all likely, 10 is extremely likely."),
        choices=NPS_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose a number from 0 to 10.")},
    )
    comment = forms.CharField(
        label=_("Anything you would like to add?"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": _("A comment is at most %(limit_value)d characters.")},
    )

    def __init__(self, *args, ask_csat=True, ask_progress=True, ask_nps=False, **kwargs):
        super().__init__(*args, **kwargs)
        for name, asked in (("csat", ask_csat), ("progress", ask_progress), ("nps", ask_nps)):
            if not asked:
                del self.fields[name]

    def clean(self):
        data = super().clean()
        answered = [data.get(name) for name in ("csat", "progress", "nps") if name in self.fields]
        if not any(value not in (None, "") for value in answered) and not (data.get("comment") or "").strip():
            raise forms.ValidationError(_("Answer at least one question."), code="empty")
        return data

    def answers(self) -> dict:
        data = self.cleaned_data
        return {
            "csat": data.get("csat"),
            "progress": data.get("progress") or "",
            "nps": data.get("nps"),
            "comment": data.get("comment") or "",
        }

    @staticmethod
    def initial_for(feedback: Feedback) -> dict:
        return {
            "csat": feedback.csat,
            "progress": feedback.progress,
            "nps": feedback.nps,
            "comment": feedback.comment or "",
        }


class FeedbackSettingsForm(forms.Form):
    """What one organization (or one of its programs) asks after a session."""

    follow_default = forms.BooleanField(
        label=_("Use the organization's settings for this program"),
        required=False,
    )
    ask_csat = forms.BooleanField(label=_("Ask how satisfied the patient is (1 to 5)"), required=False)
    ask_progress = forms.BooleanField(label=_("Ask how things are going"), required=False)
    ask_nps = forms.BooleanField(label=_("Ask how likely they are to recommend you (0 to 10)"), required=False)
    nps_from_session = forms.IntegerField(
        label=_("First asked after session number"),
        min_value=1,
        max_value=100,
        help_text=_("1 to 100. A patient is asked from this completed session on."),
    )
    nps_every_days = forms.IntegerField(
        label=_("Then asked again every (days)"),
        min_value=1,
        max_value=730,
        help_text=_("1 to 730. Never more often, however many sessions they have."),
        error_messages={"min_value": _("Ask again after at least 1 day.")},
    )
    anonymous = forms.BooleanField(
        label=_("Anonymous: specialists see answers without the patient's name"),
        help_text=_("Dates are then shown by week only. Answers given while anonymous stay anonymous."),
        required=False,
    )

    def __init__(self, *args, for_program=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not for_program:
            del self.fields["follow_default"]

    def clean(self):
        data = super().clean()
        if data.get("follow_default"):
            # The program's own values are not used: nothing else to check.
            for name in ("nps_from_session", "nps_every_days"):
                self.errors.pop(name, None)
            return data
        if not (data.get("ask_csat") or data.get("ask_progress") or data.get("ask_nps")):
            raise forms.ValidationError(
                _("Ask at least one question, or patients get no feedback prompt at all."), code="nothing_asked"
            )
        return data

    def settings(self) -> dict:
        data = self.cleaned_data
        return {
            "ask_csat": data["ask_csat"],
            "ask_progress": data["ask_progress"],
            "nps_from_session": data["nps_from_session"] if data["ask_nps"] else 0,
            "nps_every_days": data["nps_every_days"],
            "anonymous": data["anonymous"],
        }

    @staticmethod
    def initial_for(rules, *, follow_default=False) -> dict:
        return {
            "follow_default": follow_default,
            "ask_csat": rules.ask_csat,
            "ask_progress": rules.ask_progress,
            "ask_nps": rules.nps_from_session > 0,
            "nps_from_session": rules.nps_from_session or 3,
            "nps_every_days": rules.nps_every_days,
            "anonymous": rules.anonymous,
        }
