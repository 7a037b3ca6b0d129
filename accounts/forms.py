from django import forms
from django.utils.translation import gettext_lazy as _

from core.timeutils import timezone_choices

from .models import User


class ProfileForm(forms.ModelForm):
    timezone = forms.ChoiceField(label=_("Time zone"), choices=timezone_choices)

    class Meta:
        model = User
        fields = ["full_name", "preferred_name", "timezone"]
        help_texts = {
            "preferred_name": _("What your specialist should call you, if not your full name."),
        }
