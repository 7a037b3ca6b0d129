"""The room socket's frame reader on anything at all: a signal it can relay,
or BadFrame with a message and a code. Never another exception, and never
a signal carrying what the channel layer could not send."""

import json
import uuid

from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from video import frames

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
CANDIDATES = (
    st.none() | JSON | st.fixed_dictionaries({}, optional={"candidate": JSON, "sdpMid": JSON, "sdpMLineIndex": JSON})
)
FIELDS = st.fixed_dictionaries(
    {"type": st.just("signal") | JSON},
    optional={
        "session": st.just(str(uuid.uuid4())) | JSON,
        "n": st.integers() | JSON,
        "kind": st.sampled_from([*frames.FIELDS, "shout"]) | JSON,
        "sdp": st.text().map(lambda text: "v=0\r\n" + text) | JSON,
        "candidate": CANDIDATES,
        "extra": JSON,
    },
)


@hypothesis_settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text() | FIELDS.map(json.dumps) | JSON.map(json.dumps))
def test_any_text_is_read_as_a_signal_or_refused_with_a_reason(text):
    try:
        signal = frames.parse(text)
    except frames.BadFrame as bad:
        assert bad.message and bad.code in {"malformed", "bad_sdp"}
        return
    assert signal.kind in frames.FIELDS and isinstance(signal.n, int)
    relayed = signal.relayed()
    assert relayed["type"] == "signal" and relayed["kind"] == signal.kind
    json.dumps(relayed, ensure_ascii=False).encode()  # the channel layer carries UTF-8
    if signal.sdp is not None:
        assert signal.sdp.startswith("v=0") and len(signal.sdp) <= frames.MAX_SDP


def test_a_well_formed_ice_frame_is_read_field_by_field():
    session = uuid.uuid4()
    candidate = {"candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host", "sdpMid": "0", "sdpMLineIndex": 0}
    text = json.dumps({"type": "signal", "session": str(session), "n": 3, "kind": "ice", "candidate": candidate})
    assert frames.parse(text) == frames.Signal(session=session, n=3, kind="ice", candidate=candidate)
