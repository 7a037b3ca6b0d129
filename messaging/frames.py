"""What a browser may send on a socket, read strictly before anything acts
on it (the protocol is in messaging.consumers).

A frame is one JSON object of at most MAX_FRAME characters, with a known
`type` and only that type's fields, each of its own JSON type and length,
holding text the database can store. Anything else raises `BadFrame`,
whose message the socket sends back as an error frame: nothing is stored
or broadcast. Values are checked at the top level only, so a deeply nested
value is refused without being walked.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from core import sockets
from core.timeutils import validate_moment_in_range

# A 10,000-character message as browsers send it fits with room to spare.
MAX_FRAME = 100_000
# An ISO 8601 instant with microseconds and an offset is 32 characters.
MAX_INSTANT_LENGTH = 40
# A UUID written any way uuid.UUID reads it ("urn:uuid:{…}") is shorter.
MAX_CLIENT_ID_LENGTH = 50
# The fields each type may carry.
FIELDS = {
    "message": frozenset({"type", "text", "client_id"}),
    "typing": frozenset({"type"}),
    "read": frozenset({"type", "up_to"}),
    "resume": frozenset({"type", "after"}),
}
# NUL (PostgreSQL refuses it) and lone surrogates (JSON allows "\ud800";
# UTF-8, and so encryption and the database, cannot hold it).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class BadFrame(sockets.BadFrame):
    """A frame that cannot be acted on; `client_id` is the client's own id
    for the message (as a UUID string), when it sent one that could be
    read."""

    def __init__(self, message: str, client_id: str | None = None):
        super().__init__(message)
        self.client_id = client_id


@dataclass(frozen=True)
class Frame:
    type: str
    text: str = ""  # "message"
    client_id: uuid.UUID | None = None  # "message"
    at: datetime | None = None  # "read": up to when (None: now); "resume": after when


def parse(text_data, *, accepts=frozenset(FIELDS)) -> Frame:
    """The frame in `text_data` if it is one of the types in `accepts`."""
    content = sockets.json_object(text_data, max_length=MAX_FRAME, error=BadFrame)
    raw_id = content.get("client_id")
    client_id = sockets.uuid_or_none(raw_id, max_length=MAX_CLIENT_ID_LENGTH) if isinstance(raw_id, str) else None
    echo = None if client_id is None else str(client_id)
    kind = content.get("type")
    if not isinstance(kind, str) or kind not in accepts:
        raise BadFrame(_("Unknown request."), echo)
    if not content.keys() <= FIELDS[kind]:
        raise BadFrame(_("That request has fields we do not know."), echo)
    if kind == "message":
        text = content.get("text")
        if not isinstance(text, str) or UNSTORABLE.search(text):
            raise BadFrame(_("That message could not be read."), echo)
        if raw_id is not None and client_id is None:
            raise BadFrame(_("The message id could not be read."))
        return Frame(type=kind, text=text, client_id=client_id)
    if kind == "read":
        up_to = content.get("up_to")
        return Frame(type=kind, at=None if up_to is None else _instant(up_to))
    if kind == "resume":
        return Frame(type=kind, at=_instant(content.get("after")))
    return Frame(type=kind)


def _instant(value) -> datetime:
    """An aware datetime from an ISO 8601 string (naive means UTC), within
    the range the app accepts from anyone."""
    unreadable = BadFrame(_("That time could not be read."))
    if not isinstance(value, str) or len(value) > MAX_INSTANT_LENGTH:
        raise unreadable
    try:
        parsed = parse_datetime(value)  # ValueError: well formed, but no such time (or offset)
    except ValueError:
        raise unreadable from None
    if parsed is None:
        raise unreadable
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=UTC)
    try:
        validate_moment_in_range(parsed)
    except ValidationError as error:
        raise BadFrame(error.messages[0]) from None
    return parsed.astimezone(UTC)
