import time

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from .sessions import SESSION_SEEN_KEY, SESSION_STARTED_KEY
from .sockets import end_session


@receiver(user_logged_in, dispatch_uid="core.start_session_clock")
def start_session_clock(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[SESSION_STARTED_KEY] = now
        request.session[SESSION_SEEN_KEY] = now


@receiver(user_logged_out, dispatch_uid="core.close_sockets")
def close_sockets(sender, request, user, **kwargs):
    """Signing out closes the session's open sockets at once."""
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if session_key:
        end_session(session_key)
