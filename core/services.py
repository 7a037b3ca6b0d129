"""Writes to core's own logs: the journey and the audit trail."""

from allauth.account.adapter import get_adapter as get_account_adapter
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models

from .models import AuditLog, JourneyEvent


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


def audit_record(*, request=None, actor=None, action: str, obj: models.Model | None = None) -> AuditLog:
    """Append one audit row for a read, write, download, export or denial.

    Every view that shows health data calls this (through `audit_read`), so
    the trail answers "who saw this record, when, from where".
    """
    if request is not None:
        actor = actor or (request.user if request.user.is_authenticated else None)
        meta = {
            "path": request.path[:512],
            "ip_address": client_ip(request),
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:256],
        }
    else:
        meta = {}
    return AuditLog.objects.create(actor=actor, action=action, **_ref(obj), **meta)


def audit_read(request, obj: models.Model) -> AuditLog:
    return audit_record(request=request, action=AuditLog.Action.READ, obj=obj)


def client_ip(request) -> str | None:
    """The client address, trusting as many proxies as ALLAUTH_TRUSTED_PROXY_COUNT.

    The same answer allauth's rate limits use, so audit rows and throttles
    agree on who the client was.
    """
    try:
        return get_account_adapter().get_client_ip(request)
    except PermissionDenied:
        return None
