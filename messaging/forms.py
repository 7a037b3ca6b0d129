from django import forms
from django.utils.translation import gettext_lazy as _

from .attachments import checked_upload
from .models import MESSAGE_MAX_LENGTH


class MessageForm(forms.Form):
    """One message: text and/or one file. The checks on the text (empty,
    too long) and the permission to post belong to `message_post`; the
    form parses and checks the file by its content."""

    text = forms.CharField(
        label=_("Write a message"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": MESSAGE_MAX_LENGTH, "placeholder": _("Write a message")}),
    )
    attachment = forms.FileField(label=_("Attach an image or PDF"), required=False)
    client_id = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def clean_attachment(self):
        uploaded = self.cleaned_data.get("attachment")
        return checked_upload(uploaded) if uploaded else None

    @property
    def is_too_large(self) -> bool:
        return any(error.code == "too_large" for error in self.errors.as_data().get("attachment", []))
