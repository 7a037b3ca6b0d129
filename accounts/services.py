from allauth.usersessions.internal.flows.sessions import end_sessions
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.db import transaction

from .models import User


@transaction.atomic
def user_update_profile(*, user: User, full_name: str, preferred_name: str, timezone: str) -> User:
    """Change the names and time zone a user is shown and scheduled in."""
    user.full_name = full_name.strip()
    user.preferred_name = preferred_name.strip()
    user.timezone = timezone
    user.full_clean(validate_unique=False)
    user.save(update_fields=["full_name", "preferred_name", "timezone", "updated_at"])
    return user


def user_sign_out_everywhere(*, request, user: User) -> None:
    """End every session of `user`, this one included."""
    end_sessions(request, UserSession.objects.purge_and_list(user))


def user_set_locale(*, user: User, locale: str) -> User:
    """Store the language `user` reads pages and emails in (one of settings.LANGUAGES)."""
    if locale not in dict(settings.LANGUAGES):
        raise ValueError(f"Unsupported language: {locale!r}")
    if user.locale != locale:
        user.locale = locale
        user.save(update_fields=["locale", "updated_at"])
    return user
