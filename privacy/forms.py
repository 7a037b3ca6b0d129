from django import forms
from django.utils.translation import gettext_lazy as _


class DeletionForm(forms.Form):
    """Confirm deleting the account: the password again (when the account
    has one) and an explicit tick."""

    password = forms.CharField(label=_("Your password"), strip=False, widget=forms.PasswordInput)
    understood = forms.BooleanField(
        label=_("I understand that I can no longer sign in and that my coming sessions are cancelled.")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not user.has_usable_password():
            # Signed in by code or single sign-on: allauth's reauthentication
            # has confirmed it is them (privacy.views).
            del self.fields["password"]
        else:
            self.fields["password"].widget.attrs["autocomplete"] = "current-password"

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password."), code="wrong_password")
        return password
