import time

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .sessions import SESSION_SEEN_KEY, SESSION_STARTED_KEY


@receiver(user_logged_in, dispatch_uid="core.start_session_clock")
def start_session_clock(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[SESSION_STARTED_KEY] = now
        request.session[SESSION_SEEN_KEY] = now
