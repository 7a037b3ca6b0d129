from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core import signing
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import get_random_string
from django.utils.translation import gettext_lazy as _

from .models import User

MAGIC_LINK_SALT = "accounts.magic-link"


def magic_link_token(code: str) -> str:
    return signing.dumps(code, salt=MAGIC_LINK_SALT, compress=True)


def magic_link_code(token: str) -> str:
    """The login code inside a magic-link token; raises signing.BadSignature
    (or SignatureExpired) for a forged or stale link."""
    return signing.loads(token, salt=MAGIC_LINK_SALT, max_age=settings.ACCOUNT_LOGIN_BY_CODE_TIMEOUT)


class AccountAdapter(DefaultAccountAdapter):
    # allauth's form errors, in the product's voice.
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "cannot_remove_primary_email": _("This is your main email address, so it stays."),
        "duplicate_email": _("This email address is already on your account."),
        "email_password_mismatch": _("The email or password is not right."),
        "email_taken": _("An account already uses this email address."),
        "incorrect_code": _("That code is not right. Please check it and try again."),
        "incorrect_password": _("That password is not right."),
        "invalid_or_expired_key": _("This link has run out or was already used."),
        "invalid_login": _("That did not work. Please try again."),
        "invalid_password_reset": _("This password link has run out or was already used."),
        "same_as_current": _("That is the same as the current one."),
        "too_many_login_attempts": _("Too many tries in a row. Please wait a few minutes, then try again."),
        "unverified_primary_email": _("Please confirm your main email address first."),
        "rate_limited": _("Too many tries in a row. Please wait a minute, then try again."),
    }

    def new_user(self, request):
        # A new account reads Daraport in the language it signed up in.
        user = super().new_user(request)
        user.locale = translation.get_language() or settings.LANGUAGE_CODE
        return user

    def send_mail(self, template_prefix, email, context):
        # The login-code email also carries a magic link: the same code,
        # signed and time-limited, that only completes the sign-in on the
        # device whose session asked for it.
        if template_prefix == "account/email/login_code":
            path = reverse("accounts:magic-link", args=[magic_link_token(context["code"])])
            context = {**context, "magic_link": context["request"].build_absolute_uri(path)}
        # In the account's language, whoever asked (a signed-out visitor
        # resetting a password is in the browser's); an address without an
        # account, in the language of the page that sent it.
        recipient = context.get("user") or User.objects.filter(email__iexact=email).first()
        language = recipient.language if recipient is not None else translation.get_language()
        with translation.override(language):
            return super().send_mail(template_prefix, email, context)

    def send_account_already_exists_mail(self, email: str) -> None:
        # Signing up with an email that has an account sends this instead of
        # creating one. Creating one hashes the password, the slow part: do
        # the same work here, or the answer's speed tells which emails have
        # an account (as Django's login does for unknown users).
        make_password(get_random_string(32))
        super().send_account_already_exists_mail(email)


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "incorrect_code": _("That did not work. Please check the code, or try your key again."),
        "unverified_email": _("Please confirm your email address before you turn on two-factor authentication."),
    }


def user_display(user) -> str:
    """How allauth names a user in its pages and emails."""
    return user.display_name
