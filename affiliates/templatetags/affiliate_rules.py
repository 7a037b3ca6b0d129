from decimal import Decimal

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.money import Money

from ..models import Affiliate, ReferralLink

register = template.Library()


def percent_text(basis_points: int) -> str:
    """1250 → "12.5"."""
    return f"{Decimal(basis_points) / 100:f}".rstrip("0").rstrip(".") if basis_points else "0"


@register.filter
def commission_rule(affiliate: Affiliate) -> str:
    """`{{ affiliate|commission_rule }}` → "€25.00 per first paid session"."""
    if affiliate.commission_kind == Affiliate.CommissionKind.FLAT:
        amount = Money(affiliate.commission_flat_minor, affiliate.currency).format()
        return _("%(amount)s per first paid session") % {"amount": amount}
    if affiliate.commission_kind == Affiliate.CommissionKind.PERCENT:
        return ngettext(
            "%(percent)s%% of the first payment",
            "%(percent)s%% of each of the first %(count)s payments",
            affiliate.commission_payments,
        ) % {"percent": percent_text(affiliate.commission_basis_points), "count": affiliate.commission_payments}
    return _("No commission")


@register.filter
def link_lands_on(link: ReferralLink) -> str:
    """`{{ link|link_lands_on }}` → "Program: Staff wellbeing"."""
    if link.target == ReferralLink.Target.PROGRAM:
        return _("Program: %(name)s") % {"name": link.program.name}
    if link.target == ReferralLink.Target.SPECIALIST:
        return _("Specialist: %(name)s") % {"name": link.specialist.display_name}
    return _("Home page")
