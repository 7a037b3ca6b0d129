"""The demo affiliate's figures: a made-up newsletter partner of the demo
clinic with three links (the home page, the employer program, Lena
Hoffmann's profile), clicks on each day of the last six months, and a
share of the insights' demo population (insights/demo.py) recorded as having
signed up through them, so some monthly counts are 11 or more and others
show as "<11".

The population has no payments, so commissions come only from payments
that exist: Alex's and Noor's (payments/demo.py) are credited to the
newsletter too, each line earned in the month of its payment and a
refund sent taken back in the month it was sent, through the same
services the payment events call. Statements of months that have ended
are approved (the oldest paid, when there are several); the current
month's stays pending.

Runs after the population (75 > 70). The affiliate already holds its role
(organizations/demo.py), so nobody is invited. A fixed random seed;
idempotent: skipped once the demo affiliate exists.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from organizations.models import Membership, Organization, Program
from payments.models import Payment, Refund
from specialists.models import SpecialistProfile

from .commissions import commission_earn_for_payment, commission_reverse_for_refund, statement_status_set
from .models import Affiliate, CommissionStatement, Referral, ReferralClickDay, ReferralLink
from .services import referral_link_create

ORG_SLUG = "daraport-demo-clinic"
AFFILIATE = "affiliate@demo.daraport.test"
ADMIN = "admin@demo.daraport.test"
COHORT_DOMAIN = "cohort.demo.daraport.test"
PAYING_PATIENTS = ["patient@demo.daraport.test", "noor.haddad@patients.demo.daraport.test"]
PROGRAM_CODE = "WELLBEING2026"
SPECIALIST = "lena.hoffmann@specialists.demo.daraport.test"
DAYS = 183
RANDOM_SEED = 15
# Share of the population that came through the newsletter; of those in the
# employer program, how many through its link; of the others, how many
# through Lena's profile (the rest: the home page).
P_REFERRED = 0.7
P_PROGRAM_LINK = 0.9
P_SPECIALIST_LINK = 0.15
# (code, label, daily clicks range)
LINKS = {
    "home": ("DEMO-NEWS", "Newsletter: clinic home (demo)", (3, 9)),
    "program": ("DEMO-WELLBEING", "Newsletter: employer program (demo)", (1, 4)),
    "specialist": ("DEMO-LENA", "Newsletter: Lena Hoffmann (demo)", (0, 2)),
}


def seed() -> list[str]:
    User = get_user_model()
    org = Organization.objects.filter(slug=ORG_SLUG).first()
    user = User.objects.filter(email=AFFILIATE).first()
    if org is None or user is None:
        return ["skipped: the demo organization or affiliate is missing"]
    if Affiliate.objects.filter(organization=org, user=user).exists():
        return ["already there"]
    admin = User.objects.filter(email=ADMIN).first()
    affiliate = Affiliate.objects.create(
        organization=org,
        user=user,
        name="Demo partner newsletter",
        commission_kind=Affiliate.CommissionKind.PERCENT,
        commission_basis_points=1000,
        commission_payments=5,
        currency=org.currency,
        created_by=admin,
    )
    links = _links(affiliate, admin)
    # Made when the newsletter started, six months ago (the dashboard shows
    # the months before a link existed as empty).
    started = timezone.now() - timedelta(days=DAYS)
    Affiliate.objects.filter(pk=affiliate.pk).update(created_at=started)
    ReferralLink.objects.filter(affiliate=affiliate).update(created_at=started)
    rng = random.Random(RANDOM_SEED)  # noqa: S311 (made-up demo data, not a secret)
    clicks = _clicks(links, rng)
    referred = _referrals(org, affiliate, links, rng)
    commissions = _commissions(affiliate)
    statements = _statements(affiliate, admin)
    return [
        f"{AFFILIATE}: {len(links)} referral links, {clicks} clicks and {referred} sign-ups over six months",
        f"{commissions} commission lines from Alex's and Noor's payments; statements: {statements}",
    ]


def _links(affiliate: Affiliate, admin) -> dict[str, ReferralLink]:
    org = affiliate.organization
    targets = {
        "home": {},
        "program": {"program": Program.objects.filter(organization=org, enrolment_code=PROGRAM_CODE).first()},
        "specialist": {
            "specialist": SpecialistProfile.objects.filter(organization=org, user__email=SPECIALIST).first()
        },
    }
    links = {}
    for target, fields in targets.items():
        code, label, _clicks = LINKS[target]
        if None in fields.values():
            continue  # that part of the demo is missing: fewer links
        try:
            links[target] = referral_link_create(
                affiliate=affiliate,
                by=admin,
                label=label,
                target=target,
                code=code,
                utm_source="newsletter",
                utm_medium="email",
                utm_campaign="demo",
                **fields,
            )
        except ValidationError:
            continue  # a specialist not approved in this demo: no link to them
    return links


def _clicks(links: dict[str, ReferralLink], rng: random.Random) -> int:
    today = timezone.now().date()
    rows = []
    for target, link in links.items():
        low, high = LINKS[target][2]
        for back in range(DAYS):
            clicks = rng.randint(low, high)
            if clicks:
                rows.append(ReferralClickDay(link=link, day=today - timedelta(days=back), clicks=clicks))
    ReferralClickDay.objects.bulk_create(rows)
    return sum(row.clicks for row in rows)


def _referrals(org: Organization, affiliate: Affiliate, links: dict[str, ReferralLink], rng: random.Random) -> int:
    """A share of the population, each with the day they joined the clinic."""
    joined = Membership.objects.filter(organization=org, role=Membership.Role.PATIENT)
    cohort = list(
        joined.filter(user__email__endswith=f"@{COHORT_DOMAIN}")
        .order_by("user__email")
        .values_list("user_id", "created_at")
    )
    enrolled = set(
        Program.objects.filter(organization=org, enrolment_code=PROGRAM_CODE).values_list(
            "enrolments__patient_id", flat=True
        )
    )
    rows = []
    for user_id, registered_at in cohort:
        if rng.random() >= P_REFERRED:
            continue
        if user_id in enrolled and rng.random() < P_PROGRAM_LINK:
            target = "program"
        else:
            target = "specialist" if rng.random() < P_SPECIALIST_LINK else "home"
        link = links.get(target, links["home"])
        rows.append(_referral(org, affiliate, link, user_id, registered_at, rng=rng))
    # The patients whose payments exist, through the home link: joined a week before their first session.
    for user in get_user_model().objects.filter(email__in=PAYING_PATIENTS).exclude(referral__isnull=False):
        first = user.appointments.order_by("starts_at").values_list("starts_at", flat=True).first()
        registered_at = min(user.created_at, (first or user.created_at) - timedelta(days=7))
        rows.append(_referral(org, affiliate, links["home"], user.pk, registered_at, rng=rng))
    Referral.objects.bulk_create(rows)
    return len(rows)


def _referral(org, affiliate, link, user_id, registered_at, *, rng) -> Referral:
    return Referral(
        patient_id=user_id,
        organization=org,
        affiliate=affiliate,
        link=link,
        via=Referral.Via.LINK,
        clicked_at=registered_at - timedelta(hours=rng.randint(1, 72)),
        registered_at=registered_at,
    )


def _commissions(affiliate: Affiliate) -> int:
    """Each payment of a referred patient earned as the payment event would
    have, in its own month; each refund sent taken back in its month."""
    payments = Payment.objects.filter(
        patient__referral__affiliate=affiliate, status=Payment.Status.SUCCEEDED, kind=Payment.Kind.CHARGE
    ).order_by("paid_at", "pk")
    lines = [commission_earn_for_payment(payment_id=p.pk, at=p.paid_at) for p in payments]
    refunds = Refund.objects.filter(
        payment__patient__referral__affiliate=affiliate, status=Refund.Status.SUCCEEDED
    ).order_by("succeeded_at")
    lines += [commission_reverse_for_refund(refund_id=r.pk, at=r.succeeded_at) for r in refunds]
    return sum(line is not None for line in lines)


def _statements(affiliate: Affiliate, admin) -> str:
    """Approve the statements of months that have ended and, when there are
    several, mark the oldest paid: the latest approved one is left for the
    demo admin to pay."""
    today = timezone.now().date()
    ended = [s for s in affiliate.statements.order_by("month") if s.month < today.replace(day=1)]
    for index, statement in enumerate(ended):
        statement_status_set(statement=statement, to=CommissionStatement.Status.APPROVED, by=admin)
        if index == 0 and len(ended) > 1:
            statement_status_set(statement=statement, to=CommissionStatement.Status.PAID, by=admin)
    counts = {status: affiliate.statements.filter(status=status).count() for status in CommissionStatement.Status}
    return ", ".join(f"{n} {status}" for status, n in counts.items())
