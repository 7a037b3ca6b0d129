from django.conf import settings
from django.utils import translation

from .languages import set_language_cookie


class UserLanguageMiddleware:
    """A signed-in user's pages in the language stored on their account.

    LocaleMiddleware, earlier, picked one from the language cookie or the
    browser; the account's choice wins. The cookie follows the account, so
    pages stay in that language after signing out (and at the next sign-in
    page on this device).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            language = request.user.language
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        # Asked again: this request may have signed someone in or changed their language.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            language = user.language
            if request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language:
                set_language_cookie(response, language)
        return response
