import logging
import time
import zoneinfo

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from .models import AuditLog
from .portals import no_store
from .selectors import NotYours
from .services import audit_record
from .sessions import SEEN_WRITE_EVERY, SESSION_SEEN_KEY, SESSION_STARTED_KEY, session_ends_at

logger = logging.getLogger(__name__)


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
