"""What every live socket of the site shares: it lives only as long as the
signed-in session it was opened with, reads frames strictly, and a channel
layer that cannot be reached refuses it cleanly.

A socket closes when its user signs out (at once: `end_session` tells the
session's group) and when the session ends some other way, such as the
idle limit or being signed out from another device (within
`SESSION_CHECK_SECONDS`). Then it sends `{"type": "signed_out"}` and closes
with code 4401.

Frames: one over the consumer's `max_frame` closes the socket at once (code
4413); a frame that cannot be read gets an error frame, and after
MAX_BAD_FRAMES of those in a row the socket closes (code 4400). Our own
clients send neither. A frame that was read but is refused (by the
consumer's own checks or a service's PermissionDenied/ValidationError) gets
an error frame too, and the socket goes on.

When the channel layer (Redis) cannot be reached, sockets are refused at the
handshake, never with a server error: pages fall back to plain HTTP until it
is back. The outage is logged once.

The protocols themselves are the consumers': messaging.consumers,
video.consumers.
"""

import asyncio
import contextlib
import json
import logging
import time
import uuid

from asgiref.sync import async_to_sync
from channels.auth import get_user
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from .portals import is_staff_member, mfa_satisfied
from .sessions import SEEN_WRITE_EVERY, SESSION_SEEN_KEY, session_ends_at, session_load

logger = logging.getLogger(__name__)

# The close code of a socket whose session ended ("unauthorized").
SIGNED_OUT = 4401
# Close codes for abuse: a frame over the consumer's `max_frame` ("too
# large"), and more than MAX_BAD_FRAMES unreadable frames in a row ("bad
# request").
TOO_LARGE = 4413
BAD_FRAMES = 4400
MAX_BAD_FRAMES = 10
# What the channel layer raises when its server cannot be reached.
LAYER_DOWN = (RedisError, OSError)
# Whether this process already logged the outage under way: every page
# retries its sockets, and one line per attempt would bury the log.
_layer_down = False


def session_group(session_key: str) -> str:
    """Every socket of one signed-in session: they close when it ends."""
    return f"session.{session_key}"


def end_session(session_key: str) -> None:
    """Close the sockets of a session that was just signed out."""
    try:
        async_to_sync(get_channel_layer().group_send)(session_group(session_key), {"type": "session.ended"})
    except Exception:  # the session is gone anyway: its sockets find out at their next check
        logger.exception("closing the sockets of a signed-out session failed")


def session_deadline(scope) -> float | None:
    """When the connecting user's session ends, or None when it already has
    (or there is no user, or staff without their second factor)."""
    user = scope.get("user")
    if user is None or not user.is_authenticated:
        return None
    if is_staff_member(user) and not mfa_satisfied(user):
        return None
    now = time.time()
    ends = session_ends_at(user, scope["session"], now)
    return ends if ends > now else None


def _layer_failed(error: Exception) -> None:
    global _layer_down
    if not _layer_down:
        logger.warning(
            "The channel layer cannot be reached (%s): sockets are refused and pages poll until it is back.",
            type(error).__name__,
            exc_info=error,
        )
    _layer_down = True


def _first_error(error) -> str:
    return next(iter(error.messages), "") if isinstance(error, ValidationError) else str(error)


class BadFrame(ValueError):
    """A frame the socket will not act on. `message` is for the person,
    `code` for the client's code."""

    def __init__(self, message: str, code: str = "malformed"):
        super().__init__(message)
        self.message = message
        self.code = code


def json_object(text_data, *, max_length: int, error: type[BadFrame] = BadFrame) -> dict:
    """The JSON object a text frame holds, or `error` ("That could not be
    read.") for anything else: not text, too long, not JSON, nested past the
    parser's depth, or not an object."""
    unreadable = error(_("That could not be read."))
    if not isinstance(text_data, str) or len(text_data) > max_length:
        raise unreadable
    try:
        content = json.loads(text_data)
    except (ValueError, RecursionError):
        raise unreadable from None
    if not isinstance(content, dict):
        raise unreadable
    return content


def uuid_or_none(value: str, *, max_length: int) -> uuid.UUID | None:
    """A UUID a frame names, or None when it is not one (or too long to be)."""
    if len(value) > max_length:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


class SessionConsumer(AsyncJsonWebsocketConsumer):
    """Group membership, frame reading, and the session's lifetime: `ends`
    is when the session ends as last seen; a task looks again then (or each
    `SESSION_CHECK_SECONDS`) and closes the socket if it has ended.

    A subclass checks `session_deadline` before accepting, sets `user` and
    `ends`, joins its groups with `join`, and implements `parse` and `act`.
    """

    user = None
    groups_joined: tuple[str, ...] = ()
    ends: float = 0
    last_active: float = 0
    watcher: asyncio.Task | None = None
    max_frame = 100_000  # characters (or bytes) of one frame
    activity: frozenset[str] = frozenset()  # frame types that mean the user is there (for the idle limit)
    bad_frames = 0  # unreadable frames in a row

    async def __call__(self, scope, receive, send):
        """A channel layer that cannot be reached (the socket's own channel
        is made before the handshake, its groups are joined during it)
        closes the socket cleanly instead of failing with a server error."""
        try:
            await super().__call__(scope, receive, send)
        except LAYER_DOWN as error:
            _layer_failed(error)
            # The socket ends here: the server's disconnect will not reach it.
            await self.disconnect(None)
            await send({"type": "websocket.close"})

    async def join(self, *groups: str) -> None:
        global _layer_down
        groups = (*groups, session_group(self.scope["session"].session_key))
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined = groups
        _layer_down = False  # reachable again: a new outage is logged again
        self.watcher = asyncio.create_task(self.watch_session())

    async def disconnect(self, code):
        if self.watcher is not None:
            self.watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.watcher
        try:
            for group in self.groups_joined:
                await self.channel_layer.group_discard(group, self.channel_name)
        except LAYER_DOWN as error:  # nothing to leave: memberships lapse on the layer's side
            _layer_failed(error)

    async def watch_session(self) -> None:
        while True:
            now = time.time()
            await asyncio.sleep(max(0.0, min(self.ends, now + settings.SESSION_CHECK_SECONDS) - now))
            try:
                if not await self.session_open():
                    return
            except Exception:  # the session store was unreachable: look again next time
                logger.exception("checking a socket's session failed")
                self.ends = time.time() + settings.SESSION_CHECK_SECONDS

    async def session_open(self) -> bool:
        """Look at the session as stored now; close the socket if it ended."""
        session = await database_sync_to_async(session_load)(self.scope["session"].session_key)
        user = await get_user({"session": session}) if session is not None else None
        ends = await self.session_refresh(session) if user is not None and user.pk == self.user.pk else None
        if ends is None:
            await self.session_ended({})
            return False
        self.ends = ends
        return True

    @database_sync_to_async
    def session_refresh(self, session) -> float | None:
        """Count activity on this socket as the user being seen (written
        at most once a minute, as page requests do); when the session ends."""
        now = time.time()
        if self.in_use():
            self.last_active = now
        seen = session.get(SESSION_SEEN_KEY, 0)
        if self.last_active - seen > SEEN_WRITE_EVERY and session_ends_at(self.user, session, now) > self.last_active:
            session[SESSION_SEEN_KEY] = self.last_active
            session.save()
        ends = session_ends_at(self.user, session, now)
        return ends if ends > now else None

    def in_use(self) -> bool:
        """Whether the socket being open means the user is there, without
        any frame (a live call). Runs in a worker thread: may query."""
        return False

    async def session_ended(self, event):
        """Signed out (the channel layer says so at once), or found ended."""
        await self.send_json({"type": "signed_out"})
        await self.close(code=SIGNED_OUT)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if time.time() >= self.ends and not await self.session_open():
            return
        if len(text_data or bytes_data or "") > self.max_frame:
            await self.close(code=TOO_LARGE)
            return
        try:
            frame = self.parse(text_data)
        except BadFrame as bad:
            self.bad_frames += 1
            if self.bad_frames > MAX_BAD_FRAMES:
                await self.close(code=BAD_FRAMES)
            else:
                await self.refuse(bad)
            return
        self.bad_frames = 0
        if frame.type in self.activity:
            self.last_active = time.time()
        try:
            await self.act(frame)
        except BadFrame as bad:
            await self.refuse(bad, frame)
        except (PermissionDenied, ValidationError) as error:
            await self.refuse(BadFrame(_first_error(error), code="refused"), frame)
        except LAYER_DOWN:
            raise  # the socket closes (see __call__)
        except Exception:  # a fault of ours: the socket (and its watcher) must survive it
            logger.exception("a socket frame failed")
            await self.refuse(BadFrame(_("Something went wrong. Please try again."), code="failed"), frame)

    def parse(self, text_data):
        """The frame in `text_data` (None for a binary frame), with a `type`;
        raises BadFrame."""
        raise NotImplementedError

    async def act(self, frame) -> None:
        """Do what a well-formed frame asks; raise BadFrame (or a service's
        PermissionDenied or ValidationError) to refuse it."""
        raise NotImplementedError

    async def refuse(self, bad: BadFrame, frame=None) -> None:
        """Tell the client its frame was refused (`frame`: as read, when it
        could be)."""
        await self.send_json({"type": "error", "code": bad.code, "message": bad.message})
