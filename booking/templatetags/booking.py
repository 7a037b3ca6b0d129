from urllib.parse import urlsplit

from django import template
from django.urls import Resolver404, resolve

from booking.selectors_patient import bookable_specialist_name

register = template.Library()


@register.simple_tag
def booking_specialist(next_url) -> str:
    """`{% booking_specialist redirect_field_value as name %}`: whom the
    visitor was booking when a booking page sent them to sign in ("" when
    `next_url` is not a booking page)."""
    try:
        match = resolve(urlsplit(next_url or "").path)
    except Resolver404:
        return ""
    if match.namespace != "booking":
        return ""
    if match.url_name in ("book", "request-time"):
        return bookable_specialist_name(offering_public_id=match.kwargs["public_id"])
    if match.url_name == "availability-request":
        return bookable_specialist_name(slug=match.kwargs["slug"])
    return ""
