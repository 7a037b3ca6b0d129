"""Every write to affiliates, their links, payout details and the
organization's attribution rules. Referrals are written by
affiliates.attribution, commissions by affiliates.commissions."""

import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.services import journey_event_record
from organizations.models import Membership, Organization, Program
from organizations.services import member_invite
from specialists.models import SpecialistProfile

from .models import Affiliate, AttributionSettings, ReferralLink
from .selectors import link_programs_for_organization, link_specialists_for_organization

User = get_user_model()

# No 0/O, 1/I/L: a code read aloud or copied from paper comes out right.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def referral_code_normalise(code: str) -> str:
    """How a code is stored and looked up: no spaces, capital letters."""
    return "".join((code or "").split()).upper()


def _code_generate() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _position in range(CODE_LENGTH))
        if not ReferralLink.objects.filter(code=code).exists():
            return code


def _commission_check(*, kind: str, flat_minor: int, basis_points: int) -> None:
    if kind == Affiliate.CommissionKind.FLAT and flat_minor <= 0:
        raise ValidationError({"commission_amount": _("Enter the amount paid per first paid session.")})
    if kind == Affiliate.CommissionKind.PERCENT and not 0 < basis_points <= 10_000:
        raise ValidationError({"commission_percent": _("Enter a percentage above 0 and up to 100.")})


def _commission_fields(*, kind: str, flat_minor: int, basis_points: int, payments: int) -> dict:
    """The rule's fields, with the parts another kind would use set to zero."""
    _commission_check(kind=kind, flat_minor=flat_minor, basis_points=basis_points)
    return {
        "commission_kind": kind,
        "commission_flat_minor": flat_minor if kind == Affiliate.CommissionKind.FLAT else 0,
        "commission_basis_points": basis_points if kind == Affiliate.CommissionKind.PERCENT else 0,
        "commission_payments": payments if kind == Affiliate.CommissionKind.PERCENT else 1,
    }


@transaction.atomic
def affiliate_create(
    *,
    organization: Organization,
    by,
    name: str,
    email: str,
    commission_kind: str,
    commission_flat_minor: int = 0,
    commission_basis_points: int = 0,
    commission_payments: int = 1,
    may_create_links: bool = True,
    link_limit: int = 10,
    sign_in_url: str,
) -> Affiliate:
    """Make the person with `email` an affiliate of the organization.

    They get the affiliate role through the usual invitation (an account is
    made if needed). Amounts are in the organization's currency, which the
    affiliate keeps even if the organization changes its own later.
    """
    email = User.objects.normalize_email(email).lower()
    if Affiliate.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationError({"email": _("This person is already an affiliate of your organization.")})
    rule = _commission_fields(
        kind=commission_kind,
        flat_minor=commission_flat_minor,
        basis_points=commission_basis_points,
        payments=commission_payments,
    )
    membership = member_invite(
        organization=organization, email=email, role=Membership.Role.AFFILIATE, by=by, sign_in_url=sign_in_url
    )
    affiliate = Affiliate(
        organization=organization,
        user=membership.user,
        name=name.strip(),
        currency=organization.currency,
        may_create_links=may_create_links,
        link_limit=link_limit,
        created_by=by,
        **rule,
    )
    affiliate.full_clean()
    affiliate.save()
    journey_event_record(actor=by, verb="affiliate.created", obj=affiliate, data={"commission": commission_kind})
    return affiliate


@transaction.atomic
def affiliate_update(
    *,
    affiliate: Affiliate,
    by,
    name: str,
    commission_kind: str,
    commission_flat_minor: int = 0,
    commission_basis_points: int = 0,
    commission_payments: int = 1,
    may_create_links: bool,
    link_limit: int,
    is_active: bool,
) -> Affiliate:
    """Change an affiliate's rule, what they may do with links, or pause them.

    A new rule applies to payments from now on; commissions already earned
    stay as they were. A paused affiliate's links stop crediting sign-ups.
    """
    affiliate = Affiliate.objects.select_for_update().get(pk=affiliate.pk)
    rule = _commission_fields(
        kind=commission_kind,
        flat_minor=commission_flat_minor,
        basis_points=commission_basis_points,
        payments=commission_payments,
    )
    for field, value in rule.items():
        setattr(affiliate, field, value)
    affiliate.name = name.strip()
    affiliate.may_create_links = may_create_links
    affiliate.link_limit = link_limit
    affiliate.is_active = is_active
    affiliate.full_clean()
    affiliate.save()
    journey_event_record(
        actor=by,
        verb="affiliate.updated",
        obj=affiliate,
        data={"commission": commission_kind, "is_active": is_active},
    )
    return affiliate


@transaction.atomic
def affiliate_set_payout_details(*, affiliate: Affiliate, by, payout_details: str) -> Affiliate:
    """Where the organization sends the affiliate's money (stored encrypted)."""
    affiliate.payout_details = payout_details.strip()
    affiliate.save(update_fields=["payout_details", "updated_at"])
    journey_event_record(actor=by, verb="affiliate.payout_details_changed", obj=affiliate)
    return affiliate


def _target_check(
    *, organization: Organization, target: str, program: Program | None, specialist: SpecialistProfile | None
) -> tuple[Program | None, SpecialistProfile | None]:
    """Only the organization's own open programs and approved specialists."""
    if target == ReferralLink.Target.PROGRAM:
        if program is None or not link_programs_for_organization(organization=organization).filter(pk=program.pk):
            raise ValidationError({"program": _("Choose one of your organization's open programs.")})
        return program, None
    if target == ReferralLink.Target.SPECIALIST:
        allowed = link_specialists_for_organization(organization=organization)
        if specialist is None or not allowed.filter(pk=specialist.pk):
            raise ValidationError({"specialist": _("Choose one of your organization's approved specialists.")})
        return None, specialist
    if target != ReferralLink.Target.HOME:
        raise ValidationError({"target": _("Choose where the link lands.")})
    return None, None


@transaction.atomic
def referral_link_create(
    *,
    affiliate: Affiliate,
    by,
    label: str,
    target: str = ReferralLink.Target.HOME,
    program: Program | None = None,
    specialist: SpecialistProfile | None = None,
    code: str = "",
    utm_source: str = "",
    utm_medium: str = "",
    utm_campaign: str = "",
) -> ReferralLink:
    """A new `/r/<code>` link for the affiliate, landing inside its organization.

    The code is the one chosen (spaces removed, capitals) or a generated one.
    """
    program, specialist = _target_check(
        organization=affiliate.organization, target=target, program=program, specialist=specialist
    )
    code = referral_code_normalise(code)
    if code and ReferralLink.objects.filter(code=code).exists():
        raise ValidationError({"code": _("This code is taken. Choose another, or leave it empty for one of ours.")})
    link = ReferralLink(
        affiliate=affiliate,
        code=code or _code_generate(),
        label=label.strip(),
        target=target,
        program=program,
        specialist=specialist,
        utm_source=utm_source.strip(),
        utm_medium=utm_medium.strip(),
        utm_campaign=utm_campaign.strip(),
        created_by=by,
    )
    link.full_clean()
    link.save()
    journey_event_record(actor=by, verb="referral_link.created", obj=link, data={"target": target})
    return link


@transaction.atomic
def referral_link_create_by_affiliate(*, affiliate: Affiliate, by, **fields) -> ReferralLink:
    """The affiliate's own link, within what the organization allows: they
    may create links at all, are active, and stay under their limit of
    active links (the affiliate row is locked while counting)."""
    affiliate = Affiliate.objects.select_related("organization").select_for_update(of=("self",)).get(pk=affiliate.pk)
    if not affiliate.is_active:
        raise ValidationError(_("Your partnership with %(org)s is paused.") % {"org": affiliate.organization.name})
    if not affiliate.may_create_links:
        raise ValidationError(
            _("%(org)s creates your links for you. Ask them for a new one.") % {"org": affiliate.organization.name}
        )
    if affiliate.links.filter(is_active=True).count() >= affiliate.link_limit:
        raise ValidationError(
            _("You have %(limit)s active links, the most %(org)s allows. Ask them to turn one off first.")
            % {"limit": affiliate.link_limit, "org": affiliate.organization.name}
        )
    return referral_link_create(affiliate=affiliate, by=by, **fields)


@transaction.atomic
def referral_link_deactivate(*, link: ReferralLink, by) -> ReferralLink:
    """Turn a link off: it lands on the home page and credits nobody from now on.

    Sign-ups already credited through it stay credited.
    """
    if link.is_active:
        link.is_active = False
        link.save(update_fields=["is_active", "updated_at"])
        journey_event_record(actor=by, verb="referral_link.deactivated", obj=link)
    return link


@transaction.atomic
def attribution_settings_update(*, organization: Organization, by, window_days: int, touch: str) -> AttributionSettings:
    """How long a click counts and which link gets the credit. Applies to
    sign-ups from now on; referrals already recorded never change."""
    settings, _created = AttributionSettings.objects.select_for_update().get_or_create(organization=organization)
    settings.window_days = window_days
    settings.touch = touch
    settings.full_clean()
    settings.save()
    journey_event_record(
        actor=by,
        verb="attribution.settings_changed",
        obj=organization,
        data={"window_days": window_days, "touch": touch},
    )
    return settings
