"""Talking to live connections through the channel layer: one group per
conversation, one per user (their unread counts); core.sockets keeps one
per session (signing out closes its sockets). Sends happen after
commit; if the layer is down the message is still stored, and clients
fetch what they missed when they reconnect."""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)


def conversation_group(conversation) -> str:
    return f"conversation.{conversation.public_id.hex}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def _send(group: str, event: dict) -> None:
    try:
        async_to_sync(get_channel_layer().group_send)(group, event)
    except Exception:  # the message is stored; a reconnecting client catches up
        logger.exception("broadcast to %s failed", group)


def broadcast(conversation, event: dict) -> None:
    _send(conversation_group(conversation), event)


def tell_user(user_id: int, event: dict) -> None:
    _send(user_group(user_id), event)
