"""Where to send a patient back to after a detour: the guided consents
flow, entered from a booking that waits for it, returns to that booking.

The way back travels as a `next` query parameter. It is never followed as
given: it must be a path on this site that resolves to a route an app has
registered here, and that app's resolver must recognise the object in it as
the user's own. The resolver rebuilds the address from the object, so the
link that is followed is always one the app made. Anything else is dropped,
and the flow carries on as if there were no way back.

Apps higher up register resolvers in `AppConfig.ready`, so the app that
follows the way back (consents) never imports the app it leads to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode, urlsplit

from django.http import QueryDict
from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme

NEXT_PARAM = "next"
MAX_LENGTH = 500


@dataclass(frozen=True)
class ReturnTo:
    """A validated way back, with what the page on the way says about it."""

    url: str  # rebuilt by the resolver, never the raw parameter
    label: str  # the link's text, e.g. "Back to your booking"
    # While the time the patient picked is held for them: until when.
    held_until: datetime | None = None
    # Said instead when nothing is held (a request not sent yet, a hold
    # that ran out).
    note: str = ""
    # Lower-layer facts of the booking waiting (a SpecialistProfile and an
    # Offering, or None): what is due before it depends on them.
    specialist: object | None = None
    offering: object | None = None


Resolver = Callable[[object, dict, QueryDict], "ReturnTo | None"]
_resolvers: dict[str, Resolver] = {}


def register(url_name: str, resolver: Resolver) -> None:
    """`resolver(user, url_kwargs, query)` answers for one named route: a
    `ReturnTo` when the object in it is the user's, else None."""
    _resolvers[url_name] = resolver


def return_target(user, raw: str | None) -> ReturnTo | None:
    """The way back that `raw` names for `user`, or None if it names none."""
    if not raw or len(raw) > MAX_LENGTH or not raw.startswith("/") or raw.startswith("//"):
        return None
    if not url_has_allowed_host_and_scheme(raw, allowed_hosts=None):
        return None
    parts = urlsplit(raw)
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    resolver = _resolvers.get(match.view_name)
    if resolver is None:
        return None
    return resolver(user, match.kwargs, QueryDict(parts.query))


def with_return(url: str, return_url: str) -> str:
    """`url` carrying `return_url` as its way back."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}{urlencode({NEXT_PARAM: return_url})}"
