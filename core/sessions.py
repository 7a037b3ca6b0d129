"""How long a signed-in session lasts: an idle and an absolute limit that
depend on the role (staff: 30 minutes idle, 12 hours in all). One rule for
HTTP requests (core.middleware) and for open WebSockets (core.sockets).
The clock starts at sign-in (core.receivers)."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module

from django.conf import settings

from .portals import is_staff_member

SESSION_STARTED_KEY = "daraport_started_at"
SESSION_SEEN_KEY = "daraport_seen_at"
# "Seen" is written at most this often, not on every request or frame.
SEEN_WRITE_EVERY = 60


def session_limits(user) -> tuple[int, int]:
    """(idle, absolute) in seconds for `user`'s role."""
    if is_staff_member(user):
        return settings.SESSION_IDLE_TIMEOUT_STAFF, settings.SESSION_ABSOLUTE_TIMEOUT_STAFF
    return settings.SESSION_IDLE_TIMEOUT_PATIENT, settings.SESSION_ABSOLUTE_TIMEOUT_PATIENT


def session_ends_at(user, session: Mapping, now: float) -> float:
    """When `session` ends unless the user is seen again (a time in the
    past: it has ended). Missing marks count from `now`."""
    idle, absolute = session_limits(user)
    started, seen = session.get(SESSION_STARTED_KEY, now), session.get(SESSION_SEEN_KEY, now)
    return min(seen + idle, started + absolute)


def session_load(session_key: str | None):
    """The session as stored now (another tab may have signed out, or kept
    it alive), or None when it no longer exists."""
    if not session_key:
        return None
    store = import_module(settings.SESSION_ENGINE).SessionStore
    session = store(session_key=session_key)
    return session if session.exists(session_key) else None
