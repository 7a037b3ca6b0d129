import logging
import time
import zoneinfo

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from .models import AuditLog
from .portals import no_store
from .selectors import NotYours
from .services import audit_record
from .sessions import SEEN_WRITE_EVERY, SESSION_SEEN_KEY, SESSION_STARTED_KEY, session_ends_at

logger = logging.getLogger(__name__)


NUL = "\x00"


def _has_nul(*texts) -> bool:
    return any(NUL in text for text in texts if isinstance(text, str))


def _query_has_nul(query) -> bool:
    return any(_has_nul(key, *values) for key, values in query.lists())


class RefuseNulMiddleware:
    """A NUL character anywhere in a request answers 400 before anything
    reads it. PostgreSQL refuses NUL in text, so it would otherwise surface
    as a server error at whichever query first met it (a session lookup, a
    filter, a save).

    The address, query string, headers and cookies (a quoted one may spell
    NUL as \\000) are checked before the session is loaded; posted fields
    once the view is known (CSRF protection parses the body at that point
    anyway).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        headers = (value for key, value in request.META.items() if key.startswith("HTTP_"))
        if (
            _has_nul(request.path_info, *headers)
            or _query_has_nul(request.GET)
            or any(_has_nul(key, value) for key, value in request.COOKIES.items())
        ):
            return _bad_input()
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST" or getattr(view_func, "csrf_exempt", False):
            return None  # an exempt view reads its own body (a webhook's signature covers it)
        # File names need no look: Django drops unprintable characters.
        if _query_has_nul(request.POST):
            return _bad_input()
        return None


def _bad_input() -> HttpResponseBadRequest:
    # Rendered without the request: no context processor may look up the
    # user or the session on the way (400.html stands alone).
    reason = _("This request contains a character we cannot accept (a NUL). Please remove it and try again.")
    return HttpResponseBadRequest(render_to_string("400.html", {"reason": reason}))


class SessionTimeoutMiddleware:
    """End sessions after the idle and absolute limits of core.sessions."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            now = time.time()
            session = request.session
            session.setdefault(SESSION_STARTED_KEY, now)
            if now > session_ends_at(user, session, now):
                logout(request)
                messages.info(request, _("You were signed out to keep your account safe. Please sign in again."))
                return redirect_to_login(request.get_full_path())
            if now - session.get(SESSION_SEEN_KEY, 0) > SEEN_WRITE_EVERY:
                session[SESSION_SEEN_KEY] = now
        return self.get_response(request)


class TimezoneMiddleware:
    """Render every request in the user's own time zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        zone = getattr(request.user, "timezone", "") if request.user.is_authenticated else ""
        if not zone:
            return self.get_response(request)
        timezone.activate(zoneinfo.ZoneInfo(zone))
        try:
            return self.get_response(request)
        finally:
            # Threads serve many users: never leave one user's zone behind.
            timezone.deactivate()


class InvalidFormStatusMiddleware:
    """A POST that re-renders an invalid form answers 422, not 200.

    Our own views set the status themselves; this covers the sign-in and
    account pages rendered by allauth, so bad input always gets a 4xx.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_template_response(self, request, response):
        if request.method == "POST" and response.status_code == 200:
            form = (response.context_data or {}).get("form")
            if form is not None and getattr(form, "is_bound", False) and form.errors:
                response.status_code = 422
        return response


class ServiceUnavailableMiddleware:
    """Redis unreachable: answer a calm 503 at once instead of a crash.

    Sign-in rate limits live in the cache, so when it is down sign-in fails
    closed (no throttle, no sign-in) while pages that need no cache render.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, RedisError):
            logger.warning("cache unavailable: %s", type(exception).__name__)
            response = render(request, "503.html", status=503)
            response["Retry-After"] = "30"
            return response
        return None


class PrivateResponseMiddleware:
    """Whatever a signed-in person is shown is theirs alone: never cache it.

    One rule for every page (portals, account settings, admin), so a new
    page cannot forget it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated:
            no_store(response)
        return response


class DeniedAccessAuditMiddleware:
    """Every denied access to someone else's record writes an audit row
    (SECURITY.md), while the answer stays a plain 404."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, NotYours):
            audit_record(request=request, action=AuditLog.Action.DENIED, obj=exception.obj)
