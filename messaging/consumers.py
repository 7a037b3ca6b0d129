"""Live conversations over WebSockets. The services decide everything; these
consumers only carry JSON between the browser and the channel layer.

`ws/conversations/<public_id>/`: one thread. Refused (closed before the
handshake completes) for anonymous users, people outside the conversation,
staff without a second factor and expired sessions. Once the care
relationship ended both sides may still connect and read; every message
they send errors.

The client sends:
    {"type": "message", "text": "...", "client_id": "<uuid>"}
        stored once per client_id, then broadcast to both sides (the sender's
        own copy is the confirmation: dedupe by `id` or `client_id`)
    {"type": "typing"}                  shown to the other side only
    {"type": "read", "up_to": "<ISO>"}  the reader has seen up to then
                                        (default and at most: now)
    {"type": "resume", "after": "<ISO>"}  what was missed while away

The server sends:
    {"type": "hello", "user_id": "<public_id>", "can_post": bool}  on connect
    {"type": "message", "message": {...}}   shape: messaging.serializers
    {"type": "resume", "messages": [...], "more": bool}
        answer to "resume"; with `more`, resume again after the last one
    {"type": "error", "client_id": "<uuid>" | null, "message": "..."}
        nothing was stored; the socket goes on. Every frame is read
        strictly (messaging.frames): a frame that cannot be read gets this
        too, and after MAX_BAD_FRAMES of them in a row the socket closes
        with code 4400; a frame over the size limit closes it at once with
        code 4413.
    {"type": "typing", "user_id": "<public_id>", "name": "..."}
    {"type": "read", "user_id": "<public_id>", "read_up_to": "<ISO>"}
    {"type": "closed"}  care ended: the user may no longer post; the socket
        then closes
    {"type": "signed_out"}  the session ended (signed out, idle or absolute
        limit); the socket then closes with code 4401

`ws/unread/`: the portal navigation on every page (a thread's page too:
unread counts travel only on this socket). It only sends
    {"type": "unread", "total": n, "counts": {"<conversation public_id>": n}}
on connect and whenever the user's unread messages change (conversations
with nothing unread are left out of `counts`): one query each time, over
the conversations the user had when it connected (looked up again when
one is opened for them).

When the channel layer (Redis) cannot be reached, both kinds are refused
at the handshake, never with a server error: the pages then post and poll
over plain HTTP until it is back. The outage is logged once.

Both kinds of socket live only as long as the session: they close when the
user signs out (at once) and when the session ends some other way, such as
the idle limit or being signed out from another device (within a minute,
`SESSION_CHECK_SECONDS`). Sending a message or typing counts as activity
for the idle limit, as a page request does. That machinery, the frame size
limit and the closing codes are every socket's (core.sockets).

User ids are public ids; message text is plain text, never HTML.
"""

import time

from channels.db import database_sync_to_async
from django.http import Http404
from django.utils import timezone

from core.services import audit_socket_read
from core.sockets import SessionConsumer, session_deadline

from . import frames, selectors, services
from .realtime import conversation_group, user_group
from .serializers import message_json

POST = "messaging.post_in_conversation"
RESUME_LIMIT = 200
# At most one "typing" per socket this often reaches the other side
# (chat.js sends one every 2 s while keys are pressed).
TYPING_EVERY = 1.5


class MessagingConsumer(SessionConsumer):
    """Frames read by messaging.frames; an error names the client's id for
    the message when it sent one that could be read."""

    max_frame = frames.MAX_FRAME
    activity = frozenset({"message", "typing"})
    accepts: frozenset[str] = frozenset()  # the frame types this socket acts on

    def parse(self, text_data) -> frames.Frame:
        return frames.parse(text_data, accepts=self.accepts)

    async def refuse(self, bad, frame=None) -> None:
        client_id = getattr(bad, "client_id", None) if frame is None else frame.client_id
        await self.send_json(
            {"type": "error", "client_id": None if client_id is None else str(client_id), "message": bad.message}
        )


class ConversationConsumer(MessagingConsumer):
    accepts = frozenset(frames.FIELDS)

    @database_sync_to_async
    def admit(self):
        """The conversation when the user may read it, with the session's
        deadline; else None."""
        ends = session_deadline(self.scope)
        if ends is None:
            return None
        public_id = self.scope["url_route"]["kwargs"]["public_id"]
        try:
            conversation = selectors.conversation_get_for_user(user=self.scope["user"], public_id=public_id)
        except Http404:
            return None
        self.ends = ends
        audit_socket_read(self.scope, conversation)  # reading it live
        return conversation

    async def connect(self):
        self.conversation = await self.admit()
        if self.conversation is None:
            await self.close()
            return
        self.user = self.scope["user"]
        relationship = self.conversation.relationship
        self.people = {person.pk: person for person in (relationship.patient, relationship.specialist.user)}
        await self.join(conversation_group(self.conversation))
        await self.accept()
        # Care that ends later closes the socket (conversation_closed), so
        # what holds at connect holds for the socket's life.
        self.may_post = await self.can_post()
        await self.send_json({"type": "hello", "user_id": str(self.user.public_id), "can_post": self.may_post})

    @database_sync_to_async
    def can_post(self) -> bool:
        return self.user.has_perm(POST, self.conversation)

    def public_user_id(self, user_id: int) -> str | None:
        person = self.people.get(user_id)
        return None if person is None else str(person.public_id)

    # --- From the client ----------------------------------------------------

    async def act(self, frame: frames.Frame) -> None:
        handlers = {
            "message": self.post,
            "typing": self.announce_typing,
            "read": self.mark_read,
            "resume": self.resume,
        }
        await handlers[frame.type](frame)

    async def post(self, frame: frames.Frame) -> None:
        retried = await self.store(frame)
        if retried is not None:
            # Stored before and broadcast then: confirm it to this socket.
            await self.send_json({"type": "message", "message": retried})

    @database_sync_to_async
    def store(self, frame: frames.Frame) -> dict | None:
        """Checked again on every message (the relationship may have ended).
        Returns the message when a retry found it already stored."""
        started = timezone.now()
        message = services.message_post(
            conversation=self.conversation, author=self.user, text=frame.text, client_id=frame.client_id
        )
        return message_json(message) if message.created_at < started else None

    last_typing: float = 0
    may_post = False

    async def announce_typing(self, frame: frames.Frame) -> None:
        now = time.monotonic()
        if not self.may_post or now - self.last_typing < TYPING_EVERY:
            return  # a client sending too often is not told: it changes nothing
        self.last_typing = now
        await self.channel_layer.group_send(
            conversation_group(self.conversation),
            {"type": "typing", "user_id": self.user.pk, "name": self.user.display_name},
        )

    @database_sync_to_async
    def mark_read(self, frame: frames.Frame) -> None:
        now = timezone.now()
        up_to = now if frame.at is None else min(frame.at, now)
        services.conversation_mark_read(conversation=self.conversation, user=self.user, up_to=up_to)

    async def resume(self, frame: frames.Frame) -> None:
        messages = await self.load_after(frame.at)
        await self.send_json(
            {"type": "resume", "messages": messages[:RESUME_LIMIT], "more": len(messages) > RESUME_LIMIT}
        )

    @database_sync_to_async
    def load_after(self, after) -> list[dict]:
        # One more than a page says whether there is more, without reading it all.
        messages = selectors.messages_after(self.conversation, after=after, limit=RESUME_LIMIT + 1)
        if messages:
            audit_socket_read(self.scope, self.conversation)
        return [message_json(m) for m in messages]

    # --- From the channel layer -----------------------------------------------

    async def message_new(self, event):
        message = await self.load_message(event["message_id"])
        if message is not None:
            await self.send_json({"type": "message", "message": message})

    @database_sync_to_async
    def load_message(self, message_id) -> dict | None:
        message = self.conversation.messages.select_related("author").filter(pk=message_id).first()
        return None if message is None else message_json(message)

    async def typing(self, event):
        if event["user_id"] != self.user.pk:
            await self.send_json(
                {"type": "typing", "user_id": self.public_user_id(event["user_id"]), "name": event["name"]}
            )

    async def read_changed(self, event):
        await self.send_json(
            {"type": "read", "user_id": self.public_user_id(event["user_id"]), "read_up_to": event["read_up_to"]}
        )

    async def conversation_closed(self, event):
        if not await self.can_post():
            await self.send_json({"type": "closed"})
            await self.close()


class UnreadConsumer(MessagingConsumer):
    """`ws/unread/`: the user's unread counts for the portal navigation."""

    @database_sync_to_async
    def admit(self) -> bool:
        self.ends = session_deadline(self.scope) or 0
        return self.ends > 0

    async def connect(self):
        if not await self.admit():
            await self.close()
            return
        self.user = self.scope["user"]
        await self.join(user_group(self.user.pk))
        await self.accept()
        await self.unread_changed({})

    public_ids: dict | None = None  # the user's conversations: pk -> public id

    async def unread_changed(self, event):
        if event.get("conversations"):
            self.public_ids = None  # one was opened for the user
        await self.send_json({"type": "unread", **await self.counts()})

    @database_sync_to_async
    def counts(self) -> dict:
        if self.public_ids is None:
            self.public_ids = dict(selectors.conversations_for(self.user).values_list("pk", "public_id"))
        counts = selectors.unread_counts(self.user, self.public_ids)
        return {"total": sum(counts.values()), "counts": {str(self.public_ids[pk]): n for pk, n in counts.items() if n}}
