"""Time helpers. Aware UTC datetimes everywhere; local time only at the edges."""

import zoneinfo
from datetime import date, datetime, timedelta
from functools import cache

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


@cache
def timezone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(timezone_names())]


def validate_timezone(value: str) -> None:
    if value not in timezone_names():
        raise ValidationError(_("“%(value)s” is not a time zone we know."), params={"value": value}, code="invalid")


# Dates and times taken from people, browsers and addresses lie within this
# many years of now: plenty for any plan or filter, and far from the ends of
# the calendar (years 1 and 9999), where adding a duration or changing zones
# overflows.
INPUT_YEARS = 5
INPUT_RANGE = timedelta(days=INPUT_YEARS * 366)


def validate_date_in_range(value: date) -> None:
    """A form validator: `value` is within INPUT_YEARS of today."""
    today = timezone.localdate()
    if not today - INPUT_RANGE <= value <= today + INPUT_RANGE:
        raise ValidationError(
            _("Please pick a date within %(years)d years of today."), params={"years": INPUT_YEARS}, code="out_of_range"
        )


def validate_moment_in_range(value: datetime) -> None:
    """`value` (aware) is within INPUT_YEARS of now. Compared, never
    converted: a moment near year 9999 with an offset cannot be moved to
    UTC at all."""
    now = timezone.now()
    if not now - INPUT_RANGE <= value <= now + INPUT_RANGE:
        raise ValidationError(
            _("Please pick a time within %(years)d years of now."), params={"years": INPUT_YEARS}, code="out_of_range"
        )


def to_zone(moment: datetime, zone_name: str) -> datetime:
    """`moment` (aware) as wall-clock time in the IANA zone `zone_name`."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(zoneinfo.ZoneInfo(zone_name))


# A date's style, each naming formats of core/formats/<language>/formats.py.
# One rule for the year: a page is read as it is drawn, so "" and "long"
# write the year only when the date falls in another year than today's
# (in the zone the date is shown in): "Tue 24 Nov", "Tue 5 Jan 2027".
# What is kept and read later (emails, thread notices, PDFs) always writes
# it: "year" and "long year". The "long" styles spell the names out
# ("Tuesday 24 November") for screen readers only; pages show the short
# ones.
DATE_STYLES = {
    "": ("SHORT_DATE_FORMAT", "DATE_FORMAT"),
    "year": ("DATE_FORMAT", "DATE_FORMAT"),
    "long": ("LONG_SHORT_DATE_FORMAT", "LONG_DATE_FORMAT"),
    "long year": ("LONG_DATE_FORMAT", "LONG_DATE_FORMAT"),
}
DATETIME_STYLES = {
    "": ("SHORT_DATETIME_FORMAT", "DATETIME_FORMAT"),
    "year": ("DATETIME_FORMAT", "DATETIME_FORMAT"),
    "long": ("LONG_SHORT_DATETIME_FORMAT", "LONG_DATETIME_FORMAT"),
    "long year": ("LONG_DATETIME_FORMAT", "LONG_DATETIME_FORMAT"),
}


def _format(name: str) -> str:
    """The active language's format `name`; Django's own names fall back to
    settings, ours (LONG_*) to English."""
    from django.utils import formats

    if name in formats.FORMAT_SETTINGS:
        return formats.get_format(name)
    for module in formats.get_format_modules():
        if hasattr(module, name):
            return getattr(module, name)
    from core.formats.en import formats as english

    return getattr(english, name)


def _local(value, zone_name: str | None):
    if zone_name is None or not isinstance(value, datetime):
        return value
    return to_zone(value, zone_name)


def _style_format(styles: dict, style: str, value, zone_name: str | None) -> str:
    """The format of `style` for `value` (already local): the one without
    the year when `value` falls in the current year of its zone."""
    this_year, other_year = styles[style]
    if this_year == other_year:
        return _format(this_year)
    today = timezone.localdate(timezone=zoneinfo.ZoneInfo(zone_name) if zone_name else None)
    return _format(this_year if value.year == today.year else other_year)


def format_date(value, style: str = "", zone_name: str | None = None) -> str:
    """A date (or a moment's date) in one of DATE_STYLES: "Tue 24 Nov".

    A moment is shown in `zone_name`, or as given when None (a template has
    already put it in the viewer's zone, which is then the active one)."""
    from django.utils import formats

    value = _local(value, zone_name)
    return formats.date_format(value, _style_format(DATE_STYLES, style, value, zone_name))


def format_date_range(start, end) -> str:
    """Two dates as one span: "Mon 25 Oct \u2013 Sun 31 Oct" (an en dash), with the year once,
    at the end, when the span is not in the current year (on both sides
    when it crosses a new year)."""
    from django.utils import formats

    if start.year == end.year:
        return f"{formats.date_format(start, _format('SHORT_DATE_FORMAT'))} \u2013 {format_date(end)}"
    return f"{format_date(start, 'year')} \u2013 {format_date(end, 'year')}"


def format_datetime(value: datetime, style: str = "", zone_name: str | None = None) -> str:
    """A moment with its time, in one of DATETIME_STYLES: "Tue 24 Nov, 09:00"."""
    from django.utils import formats

    value = _local(value, zone_name)
    return formats.date_format(value, _style_format(DATETIME_STYLES, style, value, zone_name))


def format_time(value, zone_name: str | None = None) -> str:
    """A time of day: "09:00"."""
    from django.utils import formats

    return formats.time_format(_local(value, zone_name), _format("TIME_FORMAT"))


def format_in_zone(moment: datetime, zone_name: str) -> str:
    """A moment as its reader sees it in their own zone, with the zone named:
    "Tue 24 Nov 2026, 09:00 (Europe/Berlin)". For emails, notifications and
    calendar text, where the reader's zone is not the active one."""
    return f"{format_datetime(moment, 'year', zone_name)} ({zone_name.replace('_', ' ')})"


def format_short(moment: datetime, zone_name: str) -> str:
    """A moment in `zone_name` for a sentence on a page: "Tue 24 Nov, 09:00"."""
    return format_datetime(moment, zone_name=zone_name)
