"""A scripted participant of a video session: an aiortc peer that speaks the
room's signalling over `ws/video/<appointment public id>/` like the room's
JavaScript does, for tests and the bench where a second browser is not
needed (or is the other side).

    cookie = login_cookie(patient)  # needs the database: call it outside the event loop
    async with ScriptedPeer(live_server.url, cookie, appointment.public_id, role="patient") as peer:
        await peer.wait_state(admitted=True, peer_present=True)
        await peer.wait_connected()
        await peer.wait_frames(10)

The specialist is the offerer: when the session is admitted and the other
side present it makes a fresh offer (again whenever the other side comes
back, or asks for `restart`: aiortc cannot restart ICE in place, so it
renegotiates with a new connection). The patient answers each offer with a
new connection. aiortc gathers every candidate before it sends its SDP, so
this peer sends no `ice` frames; it adds the other side's. It sends a
moving test picture and silent audio, and counts the video frames it
decodes.
"""

import asyncio
import contextlib
import json
import time
from collections import Counter
from collections.abc import Callable

from aiortc import (
    AudioStreamTrack,
    RTCConfiguration,
    RTCIceServer,
    RTCIceTransportPolicy,
    RTCPeerConnection,
    RTCSessionDescription,
    VideoStreamTrack,
)
from aiortc.mediastreams import MediaStreamError
from aiortc.sdp import candidate_from_sdp
from django.conf import settings
from django.test import Client
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

TIMEOUT = 15


def login_cookie(user) -> str:
    """A Cookie header signing `user` in (a session row like a real sign-in)."""
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


class PeerFailed(AssertionError):
    pass


class ScriptedPeer:
    def __init__(
        self,
        base_url: str,
        cookie: str,
        appointment_id,
        *,
        role: str,
        ice_servers: list[dict] | None = None,
        relay_only: bool = False,
    ):
        if role not in ("patient", "specialist"):
            raise ValueError(f"role must be patient or specialist, not {role!r}")
        self.base_url, self.cookie, self.role = base_url.rstrip("/"), cookie, role
        self.session = str(appointment_id)
        self.url = "ws" + self.base_url.removeprefix("http") + f"/ws/video/{self.session}/"
        self.configuration = RTCConfiguration(
            iceServers=[RTCIceServer(**server) for server in ice_servers or []],
            iceTransportPolicy=RTCIceTransportPolicy.RELAY if relay_only else RTCIceTransportPolicy.ALL,
        )
        # What happened, for assertions and the bench.
        self.states: list[dict] = []  # every "state" frame, in order
        self.errors: list[dict] = []  # every "error" frame
        self.ended: dict | None = None
        self.close_code: int | None = None
        self.sent: Counter[str] = Counter()  # signal kinds sent
        self.received: Counter[str] = Counter()  # frame types and signal kinds received
        self.connection_states: list[str] = []
        self.frames_received = 0
        self.connected_at: float | None = None  # time.monotonic() of the first "connected"
        self.failures: list[BaseException] = []
        self.pc: RTCPeerConnection | None = None
        self._n = 0
        self._socket = None
        self._tasks: set[asyncio.Task] = set()
        self._changed = asyncio.Event()

    # --- Lifetime -------------------------------------------------------------

    async def __aenter__(self):
        await self.open()
        return self

    async def __aexit__(self, *exc_info):
        await self.close()

    async def open(self) -> None:
        """Open the socket; a refusal shows as `close_code` (and no state frame)."""
        self._socket = await connect(self.url, origin=self.base_url, additional_headers={"Cookie": self.cookie})
        self._spawn(self._read())

    async def close(self) -> None:
        if self._socket is not None:
            await self._socket.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._drop_connection()

    # --- Waiting --------------------------------------------------------------

    @property
    def state(self) -> dict | None:
        return self.states[-1] if self.states else None

    async def wait_until(self, condition: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if self.failures:
                raise PeerFailed(f"{self.role} failed while waiting for {what}") from self.failures[0]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PeerFailed(f"{self.role}: no {what} within {timeout} s ({self.describe()})")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    async def wait_state(self, timeout: float = TIMEOUT, **expected) -> dict:
        """The latest state frame once it has the `expected` values."""

        def matches() -> bool:
            return self.state is not None and all(self.state.get(key) == value for key, value in expected.items())

        await self.wait_until(matches, f"state {expected}", timeout)
        return self.state

    async def wait_connected(self, timeout: float = TIMEOUT) -> None:
        await self.wait_until(
            lambda: self.pc is not None and self.pc.connectionState == "connected", "connection", timeout
        )

    async def wait_frames(self, count: int = 1, timeout: float = TIMEOUT) -> None:
        await self.wait_until(lambda: self.frames_received >= count, f"{count} video frames", timeout)

    async def wait_closed(self, timeout: float = TIMEOUT) -> int:
        await self.wait_until(lambda: self.close_code is not None, "closed socket", timeout)
        return self.close_code

    def describe(self) -> str:
        return (
            f"state={self.state} connection={self.connection_states} errors={self.errors} "
            f"ended={self.ended} close={self.close_code} sent={dict(self.sent)} received={dict(self.received)}"
        )

    # --- Signalling -------------------------------------------------------------

    async def send_signal(self, kind: str, **fields) -> None:
        """A client frame as the room sends it (`n` counts up per socket)."""
        self._n += 1
        frame = {"type": "signal", "session": self.session, "n": self._n, "kind": kind, **fields}
        await self.send_raw(frame)
        self.sent[kind] += 1

    async def send_raw(self, frame: dict | str) -> None:
        """Any frame, as is: for tests of refusals."""
        await self._socket.send(frame if isinstance(frame, str) else json.dumps(frame))

    async def _read(self) -> None:
        try:
            async for text in self._socket:
                frame = json.loads(text)
                kind = frame.get("kind") if frame.get("type") == "signal" else None
                self.received[kind or frame.get("type", "?")] += 1
                await self._on_frame(frame)
                self._changed.set()
        except ConnectionClosed:
            pass
        except Exception as error:  # a broken handler must fail the test, not hang it
            self.failures.append(error)
        finally:
            self.close_code = self._socket.close_code
            self._changed.set()

    async def _on_frame(self, frame: dict) -> None:
        match frame.get("type"), frame.get("kind"):
            case "state", _:
                before = self.state or {}
                self.states.append(frame)
                await self._on_state(before, frame)
            case "signal", "offer" if self.role == "patient":
                await self._answer(frame["sdp"])
            case "signal", "answer" if self.role == "specialist" and self.pc is not None:
                await self.pc.setRemoteDescription(RTCSessionDescription(sdp=frame["sdp"], type="answer"))
            case "signal", "ice" if self.pc is not None and self.pc.remoteDescription is not None:
                await self._add_candidate(frame.get("candidate"))
            case "signal", "restart" if self.role == "specialist":
                await self._offer()
            case "error", _:
                self.errors.append(frame)
            case "ended", _:
                self.ended = frame
                await self._drop_connection()

    async def _on_state(self, before: dict, now: dict) -> None:
        ready = now.get("admitted") and now.get("peer_present")
        was_ready = before.get("admitted") and before.get("peer_present")
        if not now.get("peer_present"):
            await self._drop_connection()  # the other side left: its connection is gone
        elif ready and not was_ready and self.role == "specialist":
            await self._offer()

    # --- Media --------------------------------------------------------------------

    async def _new_connection(self) -> RTCPeerConnection:
        await self._drop_connection()
        pc = RTCPeerConnection(self.configuration)
        self.pc = pc

        @pc.on("connectionstatechange")
        def on_state():
            if pc is self.pc:
                self.connection_states.append(pc.connectionState)
                if pc.connectionState == "connected" and self.connected_at is None:
                    self.connected_at = time.monotonic()
                self._changed.set()

        @pc.on("track")
        def on_track(track):
            if track.kind == "video":
                self._spawn(self._count_frames(track))

        return pc

    async def _offer(self) -> None:
        pc = await self._new_connection()
        pc.addTrack(AudioStreamTrack())
        pc.addTrack(VideoStreamTrack())
        await pc.setLocalDescription(await pc.createOffer())
        await self.send_signal("offer", sdp=pc.localDescription.sdp)

    async def _answer(self, sdp: str) -> None:
        pc = await self._new_connection()
        await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
        for transceiver in pc.getTransceivers():
            pc.addTrack(AudioStreamTrack() if transceiver.kind == "audio" else VideoStreamTrack())
        await pc.setLocalDescription(await pc.createAnswer())
        await self.send_signal("answer", sdp=pc.localDescription.sdp)

    async def _add_candidate(self, candidate: dict | None) -> None:
        if not candidate or not candidate.get("candidate"):
            await self.pc.addIceCandidate(None)  # end of candidates
            return
        parsed = candidate_from_sdp(candidate["candidate"].removeprefix("candidate:"))
        parsed.sdpMid, parsed.sdpMLineIndex = candidate.get("sdpMid"), candidate.get("sdpMLineIndex")
        await self.pc.addIceCandidate(parsed)

    async def _count_frames(self, track) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                await track.recv()
                self.frames_received += 1
                self._changed.set()

    async def _drop_connection(self) -> None:
        pc, self.pc = self.pc, None
        if pc is not None:
            await pc.close()

    def _spawn(self, coroutine) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
