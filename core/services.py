"""Writes to core's own tables: the journey, the audit trail, notifications."""

import ipaddress
import uuid
from collections.abc import Iterable

from allauth.account.adapter import get_adapter as get_account_adapter
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from .models import AuditLog, JourneyEvent, Notification


def _ref(obj: models.Model | None) -> dict:
    if obj is None:
        return {"content_type": None, "object_public_id": None}
    return {
        "content_type": ContentType.objects.get_for_model(obj),
        "object_public_id": getattr(obj, "public_id", None),
    }


def journey_event_record(
    *, actor, verb: str, obj: models.Model | None = None, data: dict | None = None
) -> JourneyEvent:
    """Append one journey step. `data` holds ids and flags only, never PHI."""
    return JourneyEvent.objects.create(actor=actor, verb=verb, data=data or {}, **_ref(obj))


def _audit_row(*, request=None, actor=None, action: str, obj: models.Model | None = None) -> AuditLog:
    if request is not None:
        actor = actor or (request.user if request.user.is_authenticated else None)
        meta = {
            "path": request.path[:512],
            "ip_address": client_ip(request),
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:256],
        }
    else:
        meta = {}
    return AuditLog(actor=actor, action=action, **_ref(obj), **meta)


def audit_record(*, request=None, actor=None, action: str, obj: models.Model | None = None) -> AuditLog:
    """Append one audit row for a read, write, download, export or denial.

    Every view that shows health data calls this (through `audit_read`), so
    the trail answers "who saw this record, when, from where".
    """
    row = _audit_row(request=request, actor=actor, action=action, obj=obj)
    row.save()
    return row


def audit_read(request, obj: models.Model) -> AuditLog:
    return audit_record(request=request, action=AuditLog.Action.READ, obj=obj)


def audit_reads(request, objs: Iterable[models.Model]) -> list[AuditLog]:
    """One read row per object of a list page, written in one insert."""
    return AuditLog.objects.bulk_create(
        [_audit_row(request=request, action=AuditLog.Action.READ, obj=obj) for obj in objs]
    )


def audit_socket_read(scope, obj: models.Model) -> AuditLog:
    """A read over a WebSocket: its ASGI scope stands in for the request."""
    headers = dict(scope.get("headers") or [])
    address = (scope.get("client") or (None,))[0]
    try:
        address = str(ipaddress.ip_address(address))
    except ValueError:
        address = None  # a unix socket, or a test scope
    return AuditLog.objects.create(
        actor=scope["user"],
        action=AuditLog.Action.READ,
        path=scope.get("path", "")[:512],
        ip_address=address,
        user_agent=headers.get(b"user-agent", b"").decode("latin-1")[:256],
        **_ref(obj),
    )


def client_ip(request) -> str | None:
    """The client address, trusting as many proxies as ALLAUTH_TRUSTED_PROXY_COUNT.

    The same answer allauth's rate limits use, so audit rows and throttles
    agree on who the client was.
    """
    try:
        return get_account_adapter().get_client_ip(request)
    except PermissionDenied:
        return None


def notification_create(*, user, portal: str, text: str, url: str = "") -> Notification:
    """Put one unread line in `user`'s inbox for `portal`.

    `text` is a plain sentence ("Your session on Tue 24 Nov, 09:00 was
    confirmed"), never health details: it shows in the navigation of a
    shared screen. `url` must be a path inside the site (or empty), so a
    notification can never send someone elsewhere.
    """
    text = text.strip()
    if url and not (url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=None)):
        raise ValidationError({"url": _("A notification links only to a page of this site.")}, code="invalid")
    notification = Notification(user=user, portal=portal, text=text, url=url)
    # The user is a saved instance already: skip the query that checks it.
    notification.full_clean(exclude=["user"])
    with transaction.atomic():
        notification.save()
    return notification


def notifications_mark_read(*, user, portal: str, public_ids: Iterable | None = None) -> int:
    """Mark `user`'s unread notifications of `portal` as read; returns how many.

    `public_ids` narrows it to those notifications (None: all of them). Ids
    of other people's notifications, of another portal or that are not ids
    at all match nothing and are ignored, so a forged list changes nothing.
    """
    unread = Notification.objects.filter(user=user, portal=portal, read_at__isnull=True)
    if public_ids is not None:
        unread = unread.filter(public_id__in=_uuids(public_ids))
    now = timezone.now()
    with transaction.atomic():
        return unread.update(read_at=now, updated_at=now)


def _uuids(values: Iterable) -> list[uuid.UUID]:
    found = []
    for value in values:
        try:
            found.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    return found
