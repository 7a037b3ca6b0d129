"""The JSON shape of a message as live clients receive it.

    {"id": "<public_id>", "kind": "text" | "notice",
     "author": {"id": "<user public_id>", "name": "..."} | null,
     "client_id": "<uuid>" | null, "text": "...", "verb": "...",
     "created_at": "<ISO 8601>",
     "attachment": {"name": "...", "size": 1234, "url": "..." | null} | null}

`text` is plain text, never HTML: the client inserts it as text and makes
links clickable itself. The attachment's `url` is its download view; it is
null until that view exists.
"""

from django.urls import NoReverseMatch, reverse

from .models import Message


def _attachment_url(message: Message) -> str | None:
    try:
        return reverse("messaging:attachment", kwargs={"public_id": message.public_id})
    except NoReverseMatch:
        return None


def message_json(message: Message) -> dict:
    """`message` (with `author` loaded) for a client."""
    author = message.author
    attachment = None
    if message.attachment:
        attachment = {
            "name": message.attachment_name,
            "size": message.attachment_size,
            "url": _attachment_url(message),
        }
    return {
        "id": str(message.public_id),
        "kind": message.kind,
        "author": None if author is None else {"id": str(author.public_id), "name": author.display_name},
        "client_id": None if message.client_id is None else str(message.client_id),
        "text": message.text or "",
        "verb": message.verb,
        "created_at": message.created_at.isoformat(),
        "attachment": attachment,
    }
