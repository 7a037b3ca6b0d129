"""Which link a new account came through.

Following `/r/<code>` counts a click (a daily counter, nothing about the
visitor) and sets a signed first-party cookie holding the code and the time
of the click. At sign-up the cookie and a typed code are the two touches;
the organization's rules pick one, and the result is stored once as a
`Referral` that never changes. Anything doubtful credits nobody and never
gets in the way of the sign-up itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from core.services import journey_event_record
from organizations.models import Organization
from specialists.models import SpecialistProfile

from .models import AttributionSettings, Referral, ReferralClickDay, ReferralLink
from .selectors import attribution_settings_get, referral_link_list_crediting
from .services import referral_code_normalise

logger = logging.getLogger(__name__)
User = get_user_model()

COOKIE_SALT = "affiliates.referral-cookie"
# An account older than this at registration existed before: nobody is
# credited for bringing it in.
SIGNUP_GRACE = timedelta(minutes=15)


@dataclass(frozen=True)
class Touch:
    link: ReferralLink
    clicked_at: datetime | None  # None for a typed code


@dataclass(frozen=True)
class Follow:
    """Where a followed link sends the visitor and the cookie to set (if any)."""

    url: str
    token: str | None = None
    max_age: int = 0


def token_make(*, code: str, clicked_at: datetime) -> str:
    return signing.dumps({"code": code, "clicked_at": clicked_at.isoformat()}, salt=COOKIE_SALT, compress=False)


def _window(settings: AttributionSettings) -> timedelta:
    return timedelta(days=settings.window_days)


def touch_from_token(token: str, *, now: datetime) -> Touch | None:
    """The click a referral cookie vouches for, if it is genuine, its link
    still credits and it is within its organization's window."""
    if not token:
        return None
    try:
        payload = signing.loads(token, salt=COOKIE_SALT)
        code = str(payload["code"])
        clicked_at = datetime.fromisoformat(payload["clicked_at"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    if clicked_at.tzinfo is None or clicked_at > now:
        return None
    link = referral_link_list_crediting().filter(code=code).first()
    if link is None:
        return None
    if now - clicked_at > _window(attribution_settings_get(organization=link.affiliate.organization)):
        return None
    return Touch(link=link, clicked_at=clicked_at)


def touch_from_code(code: str) -> Touch | None:
    code = referral_code_normalise(code)
    if not code:
        return None
    link = referral_link_list_crediting().filter(code=code).first()
    return Touch(link=link, clicked_at=None) if link else None


def link_destination(link: ReferralLink) -> str:
    """The page a link lands on, with its UTM parameters.

    A program that closed or a specialist no longer listed falls back to
    the home page rather than a dead end.
    """
    path = reverse("core:landing")
    if link.target == ReferralLink.Target.PROGRAM and link.program.is_active:
        path = reverse("discovery:program-join-link", args=[link.program.enrolment_code])
    elif link.target == ReferralLink.Target.SPECIALIST and link.specialist.status == SpecialistProfile.Status.APPROVED:
        path = reverse("discovery:profile", args=[link.specialist.slug])
    utm = {
        key: value
        for key, value in (
            ("utm_source", link.utm_source),
            ("utm_medium", link.utm_medium),
            ("utm_campaign", link.utm_campaign),
        )
        if value
    }
    return f"{path}?{urlencode(utm)}" if utm else path


@transaction.atomic
def referral_link_follow(*, code: str, token: str = "") -> Follow:
    """A visitor followed `/r/<code>`: count the click and decide the cookie.

    Unknown or inactive links go to the home page, uncounted, without a
    cookie. Under first touch an unexpired cookie of the same organization
    stays as it is; otherwise the cookie is (re)set for the window.
    """
    link = referral_link_list_crediting().filter(code=referral_code_normalise(code)).first()
    if link is None:
        return Follow(url=reverse("core:landing"))
    now = timezone.now()
    clicks, created = ReferralClickDay.objects.get_or_create(link=link, day=now.date(), defaults={"clicks": 1})
    if not created:
        ReferralClickDay.objects.filter(pk=clicks.pk).update(clicks=F("clicks") + 1)
    organization = link.affiliate.organization
    rules = attribution_settings_get(organization=organization)
    if rules.touch == AttributionSettings.Touch.FIRST:
        earlier = touch_from_token(token, now=now)
        if earlier and earlier.link.affiliate.organization_id == organization.pk:
            return Follow(url=link_destination(link))
    return Follow(
        url=link_destination(link),
        token=token_make(code=link.code, clicked_at=now),
        max_age=int(_window(rules).total_seconds()),
    )


def _email_key(email: str) -> str:
    """An address without its "+tag", so alice+ref@ and alice@ compare equal."""
    local, _at, domain = email.lower().partition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def _is_self_referral(touch: Touch, user) -> bool:
    affiliate_user = touch.link.affiliate.user
    if affiliate_user.pk == user.pk:
        return True
    addresses = {
        affiliate_user.email,
        *EmailAddress.objects.filter(user=affiliate_user).values_list("email", flat=True),
    }
    return _email_key(user.email) in {_email_key(address) for address in addresses}


def _chosen(touches: list[Touch], rules: AttributionSettings) -> Touch | None:
    """Under last touch a code typed at sign-up is the latest touch; under
    first touch a valid cookie came first."""
    typed = [touch for touch in touches if touch.clicked_at is None]
    clicked = [touch for touch in touches if touch.clicked_at is not None]
    ordered = clicked + typed if rules.touch == AttributionSettings.Touch.FIRST else typed + clicked
    return ordered[0] if ordered else None


def _touch_to_credit(*, user, organization, typed_code: str, token: str, now: datetime) -> tuple[Touch | None, str]:
    """The touch that earns the credit, or why none does."""
    if Referral.objects.filter(patient=user).exists() or user.created_at < now - SIGNUP_GRACE:
        return None, "existing_account"
    touches = [
        touch
        for touch in (touch_from_token(token, now=now), touch_from_code(typed_code))
        if touch and touch.link.affiliate.organization_id == organization.pk
    ]
    if not touches:
        return None, "no_valid_link"
    eligible = [touch for touch in touches if not _is_self_referral(touch, user)]
    touch = _chosen(eligible, attribution_settings_get(organization=organization))
    return touch, "" if touch else "self_referral"


def referral_record_at_signup(*, user_id, organization_id, typed_code: str = "", token: str = "") -> Referral | None:
    """Credit the new account to at most one link, once and for good.

    Nothing is credited for a forged or expired cookie, an unknown or
    inactive code, a link of another organization, the affiliate's own
    account or address, or an account that existed before (older than
    `SIGNUP_GRACE`, or already referred). The sign-up goes ahead either way.
    """
    user = User.objects.filter(pk=user_id).first()
    organization = Organization.objects.filter(pk=organization_id).first()
    if not (typed_code or token) or user is None or organization is None:
        return None
    now = timezone.now()
    touch, reason = _touch_to_credit(user=user, organization=organization, typed_code=typed_code, token=token, now=now)
    if touch is None:
        journey_event_record(actor=user, verb="referral.not_credited", data={"reason": reason})
        return None
    try:
        with transaction.atomic():
            referral = Referral.objects.create(
                patient=user,
                organization=organization,
                affiliate=touch.link.affiliate,
                link=touch.link,
                via=Referral.Via.CODE if touch.clicked_at is None else Referral.Via.LINK,
                clicked_at=touch.clicked_at,
                registered_at=now,
            )
            journey_event_record(actor=user, verb="referral.credited", obj=referral, data={"via": referral.via})
    except IntegrityError:
        # A second delivery of the same registration: the first one stands.
        logger.info("referral for user %s already recorded", user.pk)
        return None
    return referral
