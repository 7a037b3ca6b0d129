"""The portal shell: which portals a user may enter, and the gate for them.

Roles live higher up (organizations); core learns them through one provider
registered at start-up, so core never imports the app that owns them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db import models
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext_lazy as _

from .models import AuditLog
from .services import audit_record


class Portal(models.TextChoices):
    PATIENT = "patient", _("Patient")
    SPECIALIST = "specialist", _("Specialist")
    ORGANIZATION = "organization", _("Organization")
    AFFILIATE = "affiliate", _("Affiliate")


# Portals that show other people's health data: second factor required.
STAFF_PORTALS = frozenset({Portal.SPECIALIST, Portal.ORGANIZATION})


@dataclass(frozen=True)
class PortalAccess:
    """One entry of the role switcher."""

    portal: Portal
    label: str
    url: str
    organization_slug: str | None = None


AccessProvider = Callable[[object], Iterable[PortalAccess]]
_access_provider: AccessProvider | None = None


def register_access_provider(provider: AccessProvider) -> None:
    global _access_provider
    _access_provider = provider


def portal_accesses(user) -> list[PortalAccess]:
    """Every portal `user` may enter, computed once per user object."""
    if not user.is_authenticated or not user.is_active or _access_provider is None:
        return []
    cached = getattr(user, "_portal_accesses", None)
    if cached is None:
        cached = list(_access_provider(user))
        user._portal_accesses = cached
    return cached


def has_portal(user, portal: Portal, organization_slug: str | None = None) -> bool:
    return any(
        access.portal == portal and (organization_slug is None or access.organization_slug == organization_slug)
        for access in portal_accesses(user)
    )


def is_staff_member(user) -> bool:
    return any(access.portal in STAFF_PORTALS for access in portal_accesses(user))


def mfa_satisfied(user) -> bool:
    """True when the user has a second factor, or is a seeded demo account.

    The demo exemption list is empty outside the embedded dev settings.
    """
    return is_mfa_enabled(user) or user.email in settings.DEMO_MFA_EXEMPT_EMAILS


def no_store(response):
    """Keep personal data out of browser and proxy caches. Every response to
    a signed-in person gets this (core.middleware.PrivateResponseMiddleware)."""
    add_never_cache_headers(response)
    patch_cache_control(response, no_store=True, private=True)
    return response


# The portal a person was last in: pages outside the portals (account
# settings) keep its navigation.
LAST_PORTAL_SESSION_KEY = "last_portal"


def _remember_portal(request, portal: Portal, org_slug: str | None) -> None:
    entry = [str(portal), org_slug]
    if request.session.get(LAST_PORTAL_SESSION_KEY) != entry:
        request.session[LAST_PORTAL_SESSION_KEY] = entry


def last_portal_access(request) -> PortalAccess | None:
    """The portal whose navigation a page outside the portals wears: the
    one last visited if the user still holds it, else their first."""
    accesses = portal_accesses(request.user)
    session = getattr(request, "session", {})
    portal, org_slug = session.get(LAST_PORTAL_SESSION_KEY, (None, None))
    same_portal = [access for access in accesses if access.portal == portal]
    exact = [access for access in same_portal if access.organization_slug == org_slug]
    return next(iter(exact or same_portal or accesses), None)


def portal_required(portal: Portal):
    """Admit only users who hold `portal`'s role; staff must have a second factor.

    Organization portal views take an `org_slug` keyword: an admin of another
    organization gets 404 (the organization's portal does not exist for
    them); a user with no such role at all gets a friendly 403 page.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_portal(user, portal):
                audit_record(request=request, action=AuditLog.Action.DENIED)
                return render(request, "portals/no_access.html", {"wanted": portal}, status=403)
            if portal == Portal.ORGANIZATION and not has_portal(user, portal, kwargs.get("org_slug")):
                audit_record(request=request, action=AuditLog.Action.DENIED)
                raise Http404
            if portal in STAFF_PORTALS and not mfa_satisfied(user):
                return redirect("core:mfa-required")
            request.portal = portal
            _remember_portal(request, portal, kwargs.get("org_slug"))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
