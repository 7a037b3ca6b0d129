from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings

from .portals import portal_accesses


def portal_shell(request):
    """What the header needs on every page: role switcher and demo banner."""
    user = request.user
    signed_in = user.is_authenticated
    accesses = portal_accesses(user) if signed_in else []
    portal = getattr(request, "portal", None)
    match = getattr(request, "resolver_match", None)
    org_slug = match.kwargs.get("org_slug") if match else None
    current = next((a for a in accesses if a.portal == portal and a.organization_slug == org_slug), None)
    return {
        "portal_accesses": accesses,
        "current_portal": portal,
        "current_access": current,
        "demo_mode": settings.DEMO_MODE,
        "demo_mfa_skipped": signed_in and user.email in settings.DEMO_MFA_EXEMPT_EMAILS and not is_mfa_enabled(user),
    }
