from dataclasses import dataclass

from allauth.socialaccount.adapter import get_adapter
from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from organizations.selectors import sso_app_ids_for_user

register = template.Library()


@register.simple_tag(takes_context=True)
def connectable_sign_ins(context) -> list:
    """`{% connectable_sign_ins as providers %}`: the third-party sign-ins the
    signed-in user may connect: the single sign-on of their own
    organizations and those set up for everyone (Google). Another
    organization's single sign-on is none of their business."""
    request = context["request"]
    own = sso_app_ids_for_user(user=request.user)
    return [
        provider
        for provider in get_adapter().list_providers(request)
        if provider.app is not None and (provider.app.pk is None or provider.app.pk in own)
    ]


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    current: bool


# (label, URL name, the view names or "/path/" parts that mark it current).
# The portal's pages live in several apps; this module only names them.
_OPERATIONS = [
    (_("Overview"), "organizations:home", {"organizations:home", "insights:org-overview"}),
    (_("Patients"), "care:org-patients", {"care:org-patients", "care:org-patient", "care:org-patient-deactivate"}),
    (_("Bookings"), "booking:org-bookings", {"booking:org-bookings"}),
    (_("Readiness"), "booking:org-readiness", {"booking:org-readiness"}),
    (
        _("Specialists"),
        "specialists:org-specialists",
        {"specialists:org-specialists", "specialists:org-specialist-review", "insights:org-specialists"},
    ),
    (_("Insights"), "insights:org-insights", {"insights:org-insights"}),
    (_("Financials"), "payments:org-financials", {"payments:org-financials"}),
    (_("Affiliates"), "affiliates:org-list", {"/affiliates/"}),
    (_("Audit log"), "organizations:audit", {"organizations:audit"}),
]
_SETTINGS = [
    (_("Brand"), "organizations:brand", {"organizations:brand"}),
    (_("Terms"), "organizations:terms", {"organizations:terms"}),
    (_("Members"), "organizations:members", {"organizations:members"}),
    (_("Sign-on"), "organizations:sso", {"organizations:sso"}),
    (_("Programs"), "organizations:programs", {"organizations:programs", "organizations:program"}),
    (_("Booking policy"), "booking:org-policy", {"booking:org-policy"}),
    (_("Consents & forms"), "consents:org-author-home", {"/consents/"}),
    (_("Billing"), "payments:org-billing", {"payments:org-billing"}),
    (_("Video"), "video:org-settings", {"video:org-settings"}),
    (_("Feedback"), "care:org-feedback-settings", {"care:org-feedback-settings"}),
    (
        _("Clinical notes"),
        "care:org-clinical-access",
        {"care:org-clinical-access", "care:org-notes", "care:org-note"},
    ),
    (_("Record retention"), "organizations:retention", {"organizations:retention"}),
    (_("API tokens"), "records:org-api-tokens", {"records:org-api-tokens", "records:org-api-token-revoke"}),
    (_("Data export"), "records:org-export", {"/settings/export/"}),
]


@register.simple_tag(takes_context=True)
def organization_nav(context, slug: str) -> dict:
    """`{% organization_nav slug as nav %}`: the organization portal's
    operations links, its settings links, and whether this page is one of
    the settings (they then share a side menu)."""
    request = context["request"]
    match = request.resolver_match
    view_name = match.view_name if match else ""

    def links(entries):
        return [
            NavLink(
                label,
                reverse(name, args=[slug]),
                any(marker == view_name or (marker.startswith("/") and marker in request.path) for marker in markers),
            )
            for label, name, markers in entries
        ]

    settings_links = links(_SETTINGS)
    return {
        "operations": links(_OPERATIONS),
        "settings": settings_links,
        "in_settings": any(link.current for link in settings_links),
    }
