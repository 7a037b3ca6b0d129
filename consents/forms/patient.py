"""Forms of the patient's guided flow: parsing only; the services decide
whether a name matches, a version may be signed or an answer fits."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .. import schema as form_schema
from ..services.patient import WITHDRAWAL_REASON_MAX_LENGTH


class SignForm(forms.Form):
    """The signature block: typed full name and the explicit checkbox.

    Both are optional here so that `consent_sign` gives the one clear
    message for each (it also refuses a name that does not match)."""

    typed_name = forms.CharField(
        label=_("Type your full name"),
        max_length=150,
        required=False,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "name", "maxlength": 150}),
    )
    agreed = forms.BooleanField(label=_("I have read and agree to this document."), required=False)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you withdrawing your consent?"),
        max_length=WITHDRAWAL_REASON_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": WITHDRAWAL_REASON_MAX_LENGTH}),
        error_messages={"required": _("Please say why you are withdrawing your consent.")},
    )


def raw_answers(data, schema: dict) -> dict:
    """The posted answers of a form version, by question id: a list for
    multiple choice, else one string. Other posted fields are ignored."""
    raw = {}
    for question in form_schema.questions(schema):
        qid = question["id"]
        if question["type"] == "multiple_choice":
            raw[qid] = data.getlist(qid)
        elif qid in data:
            raw[qid] = data.get(qid, "")
    return raw
