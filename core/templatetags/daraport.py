from django import template

from core.money import Money

register = template.Library()


@register.filter
def money(amount_minor, currency: str) -> str:
    """`{{ offering.price_minor|money:offering.currency }}` → "€90.00"."""
    if amount_minor is None:
        return ""
    return Money(int(amount_minor), currency).format()
