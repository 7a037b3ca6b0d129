from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .models import GRACE_MINUTES_MAX, OPENS_MINUTES_MAX, VideoPolicy, VideoPreference


class PreferenceForm(forms.Form):
    background = forms.ChoiceField(
        choices=VideoPreference.Background.choices,
        error_messages={"invalid_choice": _("Choose none, blur or colour."), "required": _("Choose a background.")},
    )


class VideoPolicyForm(forms.Form):
    opens_minutes_before = forms.IntegerField(
        label=_("The room opens (minutes before the start)"),
        min_value=0,
        max_value=OPENS_MINUTES_MAX,
        help_text=format_lazy(
            _("0 to {max}. Early enough for a patient to try their camera and microphone."), max=OPENS_MINUTES_MAX
        ),
    )
    grace_minutes = forms.IntegerField(
        label=_("The room stays open (minutes after the end)"),
        min_value=0,
        max_value=GRACE_MINUTES_MAX,
        help_text=format_lazy(
            _(
                "0 to {max}. Also how long after the start a specialist waits before recording a no-show. "
                "A session under way is never cut off."
            ),
            max=GRACE_MINUTES_MAX,
        ),
    )

    @staticmethod
    def initial_for(policy: VideoPolicy) -> dict:
        return {"opens_minutes_before": policy.opens_minutes_before, "grace_minutes": policy.grace_minutes}
