"""How insights figures are written: rates, scores and money, with the
suppression mark where a figure is withheld."""

from django import template

from core.cells import SUPPRESSED, rate_shown
from core.money import Money

register = template.Library()


@register.filter
def insights_rate(value) -> str:
    """A fraction as a whole percentage; None (withheld) as "<11"."""
    return rate_shown(value if isinstance(value, float | int) else None)


@register.filter
def insights_score(value, suffix: str = "") -> str:
    """A CSAT or NPS score, whole; None (withheld) as "<11"."""
    return SUPPRESSED if value is None else f"{value:.0f}{suffix}"


@register.filter
def insights_money(amount_minor, currency: str) -> str:
    """Minor units in `currency`; None (withheld) as "<11"."""
    return SUPPRESSED if amount_minor is None else Money(int(amount_minor), currency).format()
