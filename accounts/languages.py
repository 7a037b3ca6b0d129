"""The language a person reads Daraport in.

Anonymous visitors: Django's language cookie, else their browser's
Accept-Language (LocaleMiddleware). Signed-in users: `User.locale`, set by
the language switcher and at sign-up from the language they signed up in.
Emails use the recipient's `User.language` whoever triggers them.
"""

from django.conf import settings


def set_language_cookie(response, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
