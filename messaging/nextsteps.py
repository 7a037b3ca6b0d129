"""The specialist home's "unread messages" section: the conversations with
something new, newest first. Registered with `core.nextsteps` in
`MessagingConfig.ready()`."""

from core import nextsteps
from core.nextsteps import HomeSection
from core.portals import Portal

from .selectors import inbox_for

UNREAD_SHOWN = 5


def specialist_sections(*, user, **context):
    """Reads only, a fixed number of queries (the inbox's)."""
    unread = [
        conversation
        for conversation in inbox_for(user)
        if conversation.unread and conversation.relationship.specialist.user_id == user.pk
    ]
    if unread:
        yield HomeSection(
            "messaging/_home_unread.html",
            {"conversations": unread[:UNREAD_SHOWN], "more": len(unread) - UNREAD_SHOWN},
            order=30,
        )


def register():
    nextsteps.register_section(Portal.SPECIALIST, specialist_sections)
