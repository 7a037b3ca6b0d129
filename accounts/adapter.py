from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core import signing
from django.urls import reverse
from django.utils.crypto import get_random_string

MAGIC_LINK_SALT = "accounts.magic-link"


def magic_link_token(code: str) -> str:
    return signing.dumps(code, salt=MAGIC_LINK_SALT, compress=True)


def magic_link_code(token: str) -> str:
    """The login code inside a magic-link token; raises signing.BadSignature
    (or SignatureExpired) for a forged or stale link."""
    return signing.loads(token, salt=MAGIC_LINK_SALT, max_age=settings.ACCOUNT_LOGIN_BY_CODE_TIMEOUT)


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix, email, context):
        # The login-code email also carries a magic link: the same code,
        # signed and time-limited, that only completes the sign-in on the
        # device whose session asked for it.
        if template_prefix == "account/email/login_code":
            path = reverse("accounts:magic-link", args=[magic_link_token(context["code"])])
            context = {**context, "magic_link": context["request"].build_absolute_uri(path)}
        return super().send_mail(template_prefix, email, context)

    def send_account_already_exists_mail(self, email: str) -> None:
        # Signing up with an email that has an account sends this instead of
        # creating one. Creating one hashes the password, the slow part: do
        # the same work here, or the answer's speed tells which emails have
        # an account (as Django's login does for unknown users).
        make_password(get_random_string(32))
        super().send_account_already_exists_mail(email)


def user_display(user) -> str:
    """How allauth names a user in its pages and emails."""
    return user.display_name
