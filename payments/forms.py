"""Forms of the patient's payment pages: parsing only; the services decide.

Neither form has an amount or a currency: what is charged is the
payment's own, so anything else posted is ignored.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class CardPayForm(forms.Form):
    """The test payment page's card number (the offline provider). The
    service checks the digits; a real card number never comes here: with
    Stripe the card is typed into Stripe's own form."""

    card_number = forms.CharField(
        label=_("Card number"),
        max_length=40,
        error_messages={"required": _("Please enter a card number.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class BankStepPayForm(forms.Form):
    """The offline bank's extra step: the patient confirms or cancels."""

    CONFIRM = "confirm"
    CANCEL = "cancel"

    decision = forms.ChoiceField(
        choices=[(CONFIRM, _("Confirm payment")), (CANCEL, _("Cancel"))],
        error_messages={
            "required": _("Please confirm or cancel the payment."),
            "invalid_choice": _("Please confirm or cancel the payment."),
        },
    )

    @property
    def approved(self) -> bool:
        return self.cleaned_data["decision"] == self.CONFIRM
