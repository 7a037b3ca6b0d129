"""The video room's signalling, and the specialist's waiting-room count,
over WebSockets. Media never passes here: these sockets carry the few
frames two browsers need to find each other, and say who is in the room.

`ws/video/<appointment public_id>/`: the room. Refused before the handshake
completes (code 4403) for anonymous users, anyone but the appointment's
patient and specialist (with their care relationship active), staff
without a second factor, expired sessions, and while the room's window is
not open. A socket is a stay in the room (video.services.participation_join
and participation_leave): the person is present while it is open. A newer
socket of the same person in the same room (a reload, another tab or
device) replaces the older, which closes with code 4409.

The server sends:
    {"type": "state", "role": "patient"|"specialist", "admitted": bool,
     "peer_present": bool}
        on connect and whenever admission or presence changes. When the
        other side comes back on a new socket while shown present, it is
        shown absent first: both sides then start a new connection.
    {"type": "signal", "kind": "offer"|"answer", "sdp": "..."}
    {"type": "signal", "kind": "ice", "candidate": {...}|null}
    {"type": "signal", "kind": "restart"}
        what the other side's current socket sent, once the patient is
        admitted
    {"type": "ended", "reason": "..."}  then the socket closes with 4410:
        the session ended (the reason is the session's end reason or the
        appointment's status), the care relationship ended ("care_ended"),
        or the room closed ("closed")
    {"type": "error", "code": "...", "message": "..."}  a refused frame:
        nothing was relayed and the socket goes on. Codes: malformed,
        bad_sdp, wrong_session, replayed, flood, not_admitted.

The client sends (video.frames reads them strictly):
    {"type": "signal", "session": "<appointment public_id>", "n": <int>,
     "kind": "offer"|"answer", "sdp": "v=0..."}
    ... "kind": "ice", "candidate": {"candidate", "sdpMid", "sdpMLineIndex"}|null
    ... "kind": "restart"
    `n` grows with every frame of a socket; an ICE frame beyond
    ICE_PER_WINDOW in ICE_WINDOW_SECONDS is refused. Every frame looks
    again at the room: an ended session or care relationship ends the
    socket; the frame of a socket that was replaced is dropped.

The specialist offers (afresh whenever the patient appears), the patient
answers; either may ask for an ICE restart.

`ws/video/lobby/`: specialists only (else refused with 4403). It sends
    {"type": "waiting", "count": n}
on connect and whenever a patient starts or stops waiting in one of the
specialist's rooms.

Both kinds close with the signed-in session (4401) and read frames as
every socket does (core.sockets). Being in a call counts as activity for
the idle limit: it needs no clicks.
"""

import collections
import time

from channels.db import database_sync_to_async
from django.utils.translation import gettext as _

from booking.states import TERMINAL
from core.portals import Portal, has_portal
from core.sockets import LAYER_DOWN, BadFrame, SessionConsumer, session_deadline

from . import frames, selectors, services
from .models import VideoParticipation

# Close codes: refused at the handshake, replaced by a newer socket of the
# same person, the session (or the room) ended.
REFUSED = 4403
REPLACED = 4409
ENDED = 4410
# More ICE frames than this in ICE_WINDOW_SECONDS is a flood: a call
# gathers a few dozen candidates, an ICE restart as many again.
ICE_PER_WINDOW = 60
ICE_WINDOW_SECONDS = 10


class VideoConsumer(SessionConsumer):
    """`ws/video/<public_id>/`: one person's stay in one room."""

    max_frame = frames.MAX_FRAME
    activity = frozenset({"signal"})
    participation: VideoParticipation | None = None
    # False once replaced or ended: the socket relays and announces nothing more.
    current = True
    last_n = 0  # the number of this socket's last frame
    told: dict | None = None  # the last state frame sent
    peer_stay: int | None = None  # the other side's open stay when it was sent

    def parse(self, text_data) -> frames.Signal:
        return frames.parse(text_data)

    # --- Entering and leaving -------------------------------------------------------

    @database_sync_to_async
    def enter(self) -> bool:
        """Whether the user may be in the room now; remembers the room."""
        ends = session_deadline(self.scope)
        if ends is None:
            return False
        user = self.scope["user"]
        session = selectors.session_for_user(self.scope["url_route"]["kwargs"]["public_id"], user)
        if session is None:
            return False
        appointment = session.appointment
        self.policy = selectors.policy_for(appointment.specialist.organization_id)
        if self.room_window(session).state != "open":
            return False
        self.ends, self.user, self.session = ends, user, session
        self.role = selectors.role_of(session, user)
        is_patient = self.role == VideoParticipation.Role.PATIENT
        self.peer_id = appointment.specialist.user_id if is_patient else appointment.patient_id
        self.group = selectors.session_group(session)
        self.ice_times = collections.deque(maxlen=ICE_PER_WINDOW + 1)
        return True

    def room_window(self, session) -> selectors.Window:
        return selectors.appointment_window(session.appointment, policy=self.policy, ended=session.ended_at is not None)

    async def connect(self):
        if not await self.enter():
            await self.close(code=REFUSED)
            return
        await self.join(self.group)
        await self.accept()
        self.participation = await database_sync_to_async(services.participation_join)(self.session, self.user)
        # After the join: an older socket of this person finds its stay closed.
        await self.announce(joined=True)
        await self.send_state(always=True)

    async def disconnect(self, code):
        if self.participation is not None:
            await database_sync_to_async(services.participation_leave)(self.participation)
            if self.current:
                try:
                    await self.announce(joined=False)
                except LAYER_DOWN:  # the other side's socket is as cut off as this one
                    pass
        await super().disconnect(code)

    async def announce(self, *, joined: bool) -> None:
        """Tell the room this stay began or ended. A socket can hear of a
        stay that began just before it joined the group (the layer hands
        messages to the group's members when it reads them): stay ids, which
        grow, say which is the later."""
        event = {"type": "video.presence", "user_id": self.user.pk, "stay": self.participation.pk, "joined": joined}
        await self.channel_layer.group_send(self.group, event)

    # --- State ----------------------------------------------------------------------

    async def send_state(self, *, always: bool = False) -> None:
        """The state frame, when it changed since the last one (`always`:
        whether or not)."""
        state = await self.room_state()
        if always or state != self.told:
            self.told = state
            await self.send_json(state)

    @database_sync_to_async
    def room_state(self) -> dict:
        """The state frame, read now (and the other side's stay). The first
        time both are in with the patient admitted, the session starts."""
        self.session.refresh_from_db(fields=["admitted_at", "started_at", "ended_at"])
        admitted = self.session.admitted_at is not None
        self.peer_stay = selectors.open_stay_id(self.session, self.peer_id)
        peer_present = self.peer_stay is not None
        if admitted and peer_present and self.session.started_at is None:
            services.mark_started(self.session)
        return {"type": "state", "role": self.role, "admitted": admitted, "peer_present": peer_present}

    def in_use(self) -> bool:
        """In a call: the other side is in the room too."""
        return self.current and selectors.is_present(self.session, self.peer_id)

    # --- From the client ------------------------------------------------------------

    async def act(self, signal: frames.Signal) -> None:
        if not self.current:
            return
        if signal.session != self.session.appointment.public_id:
            raise BadFrame(_("That frame belongs to another session."), code="wrong_session")
        if signal.n <= self.last_n:
            raise BadFrame(_("That frame was already sent."), code="replayed")
        self.last_n = signal.n
        if signal.kind == "ice" and self.flooding():
            raise BadFrame(_("Too many network candidates at once."), code="flood")
        ended, replaced, admitted = await self.look_again()
        if ended:
            await self.leave_room(ended)
        elif replaced:
            await self.replaced()
        elif not admitted:
            raise BadFrame(_("The patient has not been let in yet."), code="not_admitted")
        else:
            event = {"type": "video.signal", "user_id": self.user.pk, "signal": signal.relayed()}
            await self.channel_layer.group_send(self.group, event)

    def flooding(self) -> bool:
        """Whether this ICE frame is one too many for the last few seconds."""
        now = time.monotonic()
        self.ice_times.append(now)
        return len(self.ice_times) > ICE_PER_WINDOW and self.ice_times[0] > now - ICE_WINDOW_SECONDS

    @database_sync_to_async
    def look_again(self) -> tuple[str | None, bool, bool]:
        """(why the room ended for this socket or None, whether a newer
        socket of the user replaced it, whether the patient is admitted)."""
        session = selectors.session_for_user(self.session.appointment.public_id, self.user)
        if session is None:
            return "care_ended", False, False
        if self.room_window(session).state != "open":
            return ended_reason(session), False, False
        self.participation.refresh_from_db(fields=["left_at"])
        return None, self.participation.left_at is not None, session.admitted_at is not None

    # --- From the channel layer -----------------------------------------------------

    async def video_presence(self, event):
        if not self.current:
            return
        if event["user_id"] == self.user.pk:
            if event["joined"] and event["stay"] > self.participation.pk:
                await self.replaced()
            return
        if event["joined"] and self.told["peer_present"] and event["stay"] > self.peer_stay:
            # Back on a new socket: to this side they left and came back.
            self.told = {**self.told, "peer_present": False}
            await self.send_json(self.told)
        await self.send_state()

    async def video_state(self, event):
        if self.current:
            await self.send_state()

    async def video_signal(self, event):
        if self.current and event["user_id"] != self.user.pk:
            await self.send_json(event["signal"])

    async def video_ended(self, event):
        if self.current:
            await self.leave_room(event["reason"])

    async def replaced(self) -> None:
        self.current = False
        await self.close(code=REPLACED)

    async def leave_room(self, reason: str) -> None:
        self.current = False
        await self.send_json({"type": "ended", "reason": reason})
        await self.close(code=ENDED)


def ended_reason(session) -> str:
    """Why a room that is no longer open closed, as the services say it."""
    if session.ended_at is not None:
        return session.end_reason
    status = session.appointment.status
    return status if status in TERMINAL else "closed"


class LobbyConsumer(SessionConsumer):
    """`ws/video/lobby/`: how many patients wait for the specialist now."""

    @database_sync_to_async
    def enter(self) -> bool:
        ends = session_deadline(self.scope)
        if ends is None or not has_portal(self.scope["user"], Portal.SPECIALIST):
            return False
        self.ends, self.user = ends, self.scope["user"]
        return True

    async def connect(self):
        if not await self.enter():
            await self.close(code=REFUSED)
            return
        await self.join(selectors.lobby_group(self.user.pk))
        await self.accept()
        await self.video_lobby({})

    def parse(self, text_data):
        raise BadFrame(_("This connection takes no requests."))

    async def video_lobby(self, event):
        count = await database_sync_to_async(selectors.waiting_count_for_specialist)(user=self.user)
        await self.send_json({"type": "waiting", "count": count})
