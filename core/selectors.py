"""The one door for ids in URLs, and core's own reads."""

import uuid

from django.db.models import Model, QuerySet
from django.http import Http404

from .models import Notification


class NotYours(Http404):
    """The 404 for an object that exists but is someone else's. It answers
    exactly like any 404; `core.middleware.DeniedAccessAuditMiddleware`
    records the attempt in the audit log."""

    def __init__(self, obj: Model):
        super().__init__()
        self.obj = obj


def get_for_user(queryset: QuerySet, public_id) -> Model:
    """The object with `public_id` from `queryset`, which is already narrowed
    to what the user may see; anything else is 404, never 403, so the
    existence of other people's records does not leak.
    """
    try:
        wanted = uuid.UUID(str(public_id))
    except ValueError:
        raise Http404 from None
    try:
        return queryset.get(public_id=wanted)
    except queryset.model.DoesNotExist:
        other = queryset.model._base_manager.filter(public_id=wanted).first()
        raise (Http404 if other is None else NotYours(other)) from None


def notifications_for(user, portal: str, limit: int = 50) -> list[Notification]:
    """`user`'s newest notifications in `portal`, read and unread, newest first.

    Only their own rows; nothing to eager-load, since a notification shows
    its own fields only.
    """
    return list(Notification.objects.filter(user=user, portal=portal)[:limit])


def unread_notification_count(user, portal: str) -> int:
    """How many of `user`'s notifications in `portal` are unread: one COUNT,
    served by the (user, portal, read_at) index."""
    return Notification.objects.filter(user=user, portal=portal, read_at__isnull=True).count()


def notification_get_for_user(*, user, portal: str, public_id) -> Notification:
    """One of `user`'s own notifications in `portal`; anyone else's is 404."""
    return get_for_user(Notification.objects.filter(user=user, portal=portal), public_id)
