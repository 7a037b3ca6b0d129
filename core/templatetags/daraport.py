from django import template
from django.utils.translation import gettext

from core import meetings
from core import payments as core_payments
from core.money import Money
from core.timeutils import format_date, format_date_range, format_datetime, format_time

register = template.Library()


@register.filter
def translated(text) -> str:
    """`{{ event.reason|translated }}`: a fixed English phrase kept as data
    (marked with gettext_noop where it is written) in the reader's
    language; anything else, such as a person's own words, as it is."""
    return gettext(text) if text else ""


@register.filter
def money(amount_minor, currency: str) -> str:
    """`{{ offering.price_minor|money:offering.currency }}` → "€90.00"."""
    if amount_minor is None:
        return ""
    return Money(int(amount_minor), currency).format()


# The one way pages show dates and times, in the viewer's zone (Django puts
# a moment there before these filters see it), with the year only when it
# is not this year. The style is one of core.timeutils.DATE_STYLES; pages
# use the default, and "long" only in text for screen readers
# (aria-label, .visually-hidden).


@register.filter(expects_localtime=True)
def day(value, style: str = "") -> str:
    """`{{ appointment.starts_at|day }}` → "Tue 24 Nov" ("Tue 5 Jan 2027"
    in another year); `aria-label="{{ …|day:'long' }}"` → "Tuesday 24 November"."""
    return format_date(value, style) if value not in (None, "") else ""


@register.filter
def days(start, end) -> str:
    """`{{ week.start|days:week.end }}` → "Mon 25 Oct \u2013 Sun 31 Oct" (the
    year once, at the end, outside the current year)."""
    return format_date_range(start, end)


@register.filter(expects_localtime=True)
def day_time(value, style: str = "") -> str:
    """`{{ appointment.starts_at|day_time }}` → "Tue 24 Nov, 09:00"."""
    return format_datetime(value, style) if value not in (None, "") else ""


@register.filter(expects_localtime=True)
def clock(value) -> str:
    """`{{ appointment.starts_at|clock }}` → "09:00"."""
    return format_time(value) if value not in (None, "") else ""


@register.simple_tag(takes_context=True)
def join_link(context, appointment, user=None):
    """`{% join_link appointment as join %}`: the session room of
    `appointment` for the viewer (`user=` for someone else, in emails), a
    `core.meetings.JoinLink` or None (no video, or not theirs)."""
    if appointment is None:
        return None
    if user is None:
        # An include `with … only` keeps the request on the context, not in it.
        request = getattr(context, "request", None) or context.get("request")
        user = getattr(request, "user", None)
    return meetings.join_link(appointment, user)


@register.filter
def session_near(appointment) -> bool:
    """`{% if appointment|session_near %}`: whether its room can be open or
    opening soon (core.meetings.may_be_near), before asking for its link."""
    return meetings.may_be_near(appointment.starts_at)


@register.filter
def pay_url(appointment) -> str:
    """`{% with pay=appointment|pay_url %}`: the page where the patient pays
    for `appointment`, or "" when there is nothing to pay (core.payments)."""
    return core_payments.pay_url(appointment) if appointment is not None else ""


@register.simple_tag
def session_waiting(appointment) -> bool:
    """`{% session_waiting appointment as waiting %}`: whether the patient
    is in the session room, waiting to be let in (core.meetings)."""
    return appointment is not None and meetings.waiting(appointment)
