from django.conf import settings
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ..attribution import referral_link_follow


@never_cache
@require_GET
def follow_view(request, code):
    """`/r/<code>`: count the click, remember it in a signed cookie, land the
    visitor on the link's page. An unknown or inactive code just lands on
    the home page."""
    follow = referral_link_follow(code=code, token=request.COOKIES.get(settings.REFERRAL_COOKIE_NAME, ""))
    response = redirect(follow.url)
    if follow.token:
        response.set_cookie(
            settings.REFERRAL_COOKIE_NAME,
            follow.token,
            max_age=follow.max_age,
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    return response
