"""Where and when an appointment's session can be joined.

The video room belongs to an app higher up. It answers by registering
providers in its `AppConfig.ready`, so the pages, emails and calendar files
of lower apps (booking, messaging) can offer "Join session" without
importing it. Until one is registered there is no link to offer and nobody
is waiting.

- `register(provider)`: `provider(appointment, user, now)` returns the
  `JoinLink` of the appointment's room for `user` (None: whoever may see the
  appointment), or None (no room, or not theirs). Pages ask it for every
  session near enough to be open soon (`may_be_near`), so it should read
  little; emails and calendar files ask days ahead, before the room opens.
- `register_waiting(provider)`: `provider(appointment)` says whether the
  patient waits in the room to be let in (the specialist's pages offer it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

# A room that opens within this time counts as near: lists and homes then
# say when it opens (further ahead, the time of the session says enough).
NEAR = timedelta(hours=1)
# The earliest a room may open before its session (the video app's
# organization setting goes up to this).
LONGEST_LEAD = timedelta(hours=1)


@dataclass(frozen=True)
class JoinLink:
    """The room of one appointment: its address (a path of this site, the
    same for both sides) and the window in which it can be entered."""

    url: str
    opens_at: datetime
    closes_at: datetime
    is_open: bool

    @property
    def is_early(self) -> bool:
        """Not open yet: the window lies ahead."""
        return not self.is_open and timezone.now() < self.opens_at

    @property
    def opens_soon(self) -> bool:
        """Not open yet, and opening within `NEAR`."""
        return self.is_early and self.opens_at - timezone.now() <= NEAR


Provider = Callable[[object, object, datetime | None], "JoinLink | None"]
WaitingProvider = Callable[[object], bool]
_provider: Provider | None = None
_waiting_provider: WaitingProvider | None = None


def register(provider: Provider) -> None:
    global _provider
    _provider = provider


def register_waiting(provider: WaitingProvider) -> None:
    global _waiting_provider
    _waiting_provider = provider


def join_link(appointment, user=None, now: datetime | None = None) -> JoinLink | None:
    """The room of `appointment` as `user` may enter it (None: anyone who
    may see the appointment), or None when it has no room, or not for them."""
    return _provider(appointment, user, now) if _provider is not None else None


def may_be_near(starts_at: datetime, now: datetime | None = None) -> bool:
    """Whether a session starting at `starts_at` can have its room open or
    opening soon: lists ask for the links of those only, not of every row."""
    return starts_at - (now or timezone.now()) <= LONGEST_LEAD + NEAR


def waiting(appointment) -> bool:
    """Whether `appointment`'s patient is in the room, waiting to be let in."""
    return _waiting_provider is not None and bool(_waiting_provider(appointment))
