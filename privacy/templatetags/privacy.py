from django import template

from ..selectors import may_use_privacy_pages

register = template.Library()


@register.filter
def has_data_page(user) -> bool:
    """Whether account settings show "Your data" (patients only):
    `{% if user|has_data_page %}`."""
    return may_use_privacy_pages(user)
