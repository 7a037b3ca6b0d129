"""Every write of messaging: opening and closing conversations (with the
object permissions that decide who reads and posts), posting messages and
notices, read markers. A message is stored before it is broadcast: the
broadcast goes out after commit, and a client that missed it fetches it.
"""

from .conversations import conversation_close, conversation_open
from .email import unread_message_email, unread_message_emails_send
from .messages import conversation_mark_read, message_post, notice_post

__all__ = [
    "conversation_close",
    "conversation_mark_read",
    "conversation_open",
    "message_post",
    "notice_post",
    "unread_message_email",
    "unread_message_emails_send",
]
