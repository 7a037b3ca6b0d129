from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings

from .portals import Portal, last_portal_access, portal_accesses
from .selectors import unread_notification_count

# Portals whose navigation shows a notification inbox.
NOTIFICATION_PORTALS = frozenset({Portal.PATIENT, Portal.SPECIALIST})


def portal_shell(request):
    """What the header needs on every page: role switcher, demo banner, the
    unread count beside "Notifications" (one COUNT, only inside a portal
    with an inbox) and the portal shell that pages outside the portals
    extend (`shell_template`)."""
    user = request.user
    signed_in = user.is_authenticated
    accesses = portal_accesses(user) if signed_in else []
    portal = getattr(request, "portal", None)
    match = getattr(request, "resolver_match", None)
    org_slug = match.kwargs.get("org_slug") if match else None
    current = next((a for a in accesses if a.portal == portal and a.organization_slug == org_slug), None)
    # Outside the portals (account settings), the last portal's navigation.
    shell = current or (last_portal_access(request) if signed_in else None)
    return {
        "portal_accesses": accesses,
        "current_portal": portal,
        "current_access": current,
        "shell_access": shell,
        "shell_template": f"portals/{shell.portal}/base.html" if shell else "_base.html",
        "demo_mode": settings.DEMO_MODE,
        "demo_mfa_skipped": signed_in and user.email in settings.DEMO_MFA_EXEMPT_EMAILS and not is_mfa_enabled(user),
        "notification_unread_count": (
            unread_notification_count(user, portal) if signed_in and portal in NOTIFICATION_PORTALS else 0
        ),
    }
