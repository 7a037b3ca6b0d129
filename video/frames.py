"""What a browser may send on a video room's socket, read strictly before
anything is relayed (the protocol is in video.consumers).

A frame is one JSON object of at most MAX_FRAME characters:
`{"type": "signal", "session": ..., "n": ..., "kind": ...}` plus what its
kind carries (`sdp` for an offer or answer, `candidate` for ice, nothing
for restart), each of its own JSON type and length. Anything else raises
`BadFrame` ("malformed", or "bad_sdp" for a description that is too long
or not one), which the socket sends back as an error frame: nothing is
relayed. Whether the frame belongs to this room and comes in order is the
consumer's to check. Values are checked at the top level (and a
candidate's three fields) only, so a deeply nested value is refused
without being walked.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from django.utils.translation import gettext as _

from core import sockets
from core.sockets import BadFrame

# A session description as browsers make them for one audio and one video
# track (a few kilobytes) fits with room to spare.
MAX_SDP = 16_000
# An SDP of MAX_SDP characters, its line breaks escaped, and the rest of
# the frame: a larger frame closes the socket (core.sockets).
MAX_FRAME = 40_000
# An ICE candidate line is about a hundred characters; a media id a few.
MAX_CANDIDATE = 1_000
MAX_MID = 64
MAX_LINE_INDEX = 65_535
# The largest integer a browser counts to exactly (Number.MAX_SAFE_INTEGER).
MAX_N = 2**53 - 1
# A UUID written any way uuid.UUID reads it ("urn:uuid:{…}") is shorter.
MAX_SESSION_LENGTH = 50
# The fields each kind may carry.
FIELDS = {
    "offer": frozenset({"type", "session", "n", "kind", "sdp"}),
    "answer": frozenset({"type", "session", "n", "kind", "sdp"}),
    "ice": frozenset({"type", "session", "n", "kind", "candidate"}),
    "restart": frozenset({"type", "session", "n", "kind"}),
}
CANDIDATE_FIELDS = frozenset({"candidate", "sdpMid", "sdpMLineIndex"})
# NUL and lone surrogates: no browser makes them, and a channel layer that
# encodes UTF-8 cannot carry a lone surrogate.
UNSENDABLE = re.compile("[\x00\ud800-\udfff]")


@dataclass(frozen=True)
class Signal:
    """A signalling frame as read. `session` is None when what was sent is
    not a UUID (so it is no room's)."""

    session: uuid.UUID | None
    n: int
    kind: str
    sdp: str | None = None  # offer, answer
    candidate: dict | None = None  # ice: None means the end of candidates
    type = "signal"

    def relayed(self) -> dict:
        """What the other side receives."""
        if self.kind == "ice":
            return {"type": "signal", "kind": "ice", "candidate": self.candidate}
        if self.kind == "restart":
            return {"type": "signal", "kind": "restart"}
        return {"type": "signal", "kind": self.kind, "sdp": self.sdp}


def parse(text_data) -> Signal:
    """The signalling frame in `text_data`; raises BadFrame."""
    content = sockets.json_object(text_data, max_length=MAX_FRAME)
    kind = content.get("kind")
    if content.get("type") != "signal" or not isinstance(kind, str) or kind not in FIELDS:
        raise BadFrame(_("Unknown request."))
    if not content.keys() <= FIELDS[kind]:
        raise BadFrame(_("That request has fields we do not know."))
    n = content.get("n")
    if not isinstance(n, int) or isinstance(n, bool) or abs(n) > MAX_N:
        raise BadFrame(_("That request has no number in order."))
    raw_session = content.get("session")
    if not isinstance(raw_session, str):
        raise BadFrame(_("That request does not say which session it is for."))
    signal = {"session": sockets.uuid_or_none(raw_session, max_length=MAX_SESSION_LENGTH), "n": n, "kind": kind}
    if kind in ("offer", "answer"):
        return Signal(**signal, sdp=_sdp(content.get("sdp")))
    if kind == "ice":
        if "candidate" not in content:
            raise BadFrame(_("That network candidate could not be read."))
        return Signal(**signal, candidate=_candidate(content["candidate"]))
    return Signal(**signal)


def _sdp(value) -> str:
    """A session description: text that starts as every one does."""
    if not isinstance(value, str):
        raise BadFrame(_("That request has no session description."))
    if len(value) > MAX_SDP or not value.startswith("v=0") or UNSENDABLE.search(value):
        raise BadFrame(_("That session description was refused."), code="bad_sdp")
    return value


def _candidate(value) -> dict | None:
    """An ICE candidate as `RTCIceCandidate.toJSON()` gives its three
    fields, or null (no more candidates)."""
    if value is None:
        return None
    unreadable = BadFrame(_("That network candidate could not be read."))
    if not isinstance(value, dict) or not value.keys() <= CANDIDATE_FIELDS:
        raise unreadable
    line, mid, index = value.get("candidate"), value.get("sdpMid"), value.get("sdpMLineIndex")
    if not isinstance(line, str) or len(line) > MAX_CANDIDATE or UNSENDABLE.search(line):
        raise unreadable
    if mid is not None and (not isinstance(mid, str) or len(mid) > MAX_MID or UNSENDABLE.search(mid)):
        raise unreadable
    if index is not None and (
        not isinstance(index, int) or isinstance(index, bool) or not 0 <= index <= MAX_LINE_INDEX
    ):
        raise unreadable
    return {"candidate": line, "sdpMid": mid, "sdpMLineIndex": index}
