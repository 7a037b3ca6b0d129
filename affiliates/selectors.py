"""Reads of affiliates, their links and the organization's attribution rules.

Every read here is already narrowed to who asks: an organization's admin
reads its own affiliates, an affiliate reads the rows that are theirs.
"""

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from core.selectors import get_for_user
from organizations.models import Membership, Organization, Program
from specialists.models import SpecialistProfile

from .models import Affiliate, AttributionSettings, ReferralLink


def attribution_settings_get(*, organization: Organization) -> AttributionSettings:
    """The organization's rules; the defaults (unsaved) until it changes them."""
    return AttributionSettings.objects.filter(organization=organization).first() or AttributionSettings(
        organization=organization
    )


def _affiliate_membership_active() -> Exists:
    return Exists(
        Membership.objects.filter(
            user=OuterRef("affiliate__user"),
            organization=OuterRef("affiliate__organization"),
            role=Membership.Role.AFFILIATE,
            is_active=True,
        )
    )


def referral_link_list_crediting() -> QuerySet[ReferralLink]:
    """Links that may still earn credit: the link, its affiliate and the
    affiliate's role in the organization are all active."""
    return (
        ReferralLink.objects.filter(is_active=True, affiliate__is_active=True)
        .filter(_affiliate_membership_active())
        .select_related("affiliate", "affiliate__organization", "affiliate__user", "program", "specialist")
    )


def affiliate_list_for_organization(*, organization: Organization) -> QuerySet[Affiliate]:
    return (
        Affiliate.objects.filter(organization=organization)
        .select_related("user")
        .annotate(active_links=Count("links", filter=Q(links__is_active=True)))
        .order_by("-is_active", "name")
    )


def affiliate_get_for_admin(*, organization: Organization, public_id) -> Affiliate:
    """One of the organization's affiliates; another organization's is a 404."""
    return get_for_user(Affiliate.objects.filter(organization=organization).select_related("user"), public_id)


def affiliate_list_for_user(*, user) -> QuerySet[Affiliate]:
    """The affiliate's own rows, one per organization whose affiliate role
    they still hold."""
    return (
        Affiliate.objects.filter(
            user=user,
            organization__memberships__user=user,
            organization__memberships__role=Membership.Role.AFFILIATE,
            organization__memberships__is_active=True,
        )
        .select_related("organization")
        .order_by("organization__name", "name")
    )


def affiliate_get_for_user(*, user, public_id) -> Affiliate:
    """One of the user's own affiliate rows; anyone else's is a 404."""
    return get_for_user(affiliate_list_for_user(user=user), public_id)


def referral_link_list_for_affiliate(*, affiliate: Affiliate) -> QuerySet[ReferralLink]:
    return (
        ReferralLink.objects.filter(affiliate=affiliate)
        .select_related("program", "specialist")
        .order_by("-is_active", "-created_at")
    )


def referral_link_get_for_admin(*, affiliate: Affiliate, public_id) -> ReferralLink:
    return get_for_user(ReferralLink.objects.filter(affiliate=affiliate), public_id)


def link_programs_for_organization(*, organization: Organization) -> QuerySet[Program]:
    """Programs a link may land on: the organization's open ones."""
    return Program.objects.filter(organization=organization, is_active=True).order_by("name")


def link_specialists_for_organization(*, organization: Organization) -> QuerySet[SpecialistProfile]:
    """Specialists a link may land on: the organization's approved ones."""
    return SpecialistProfile.objects.filter(
        organization=organization, status=SpecialistProfile.Status.APPROVED
    ).order_by("display_name")
