"""Time helpers. Aware UTC datetimes everywhere; local time only at the edges."""

import zoneinfo
from datetime import datetime
from functools import cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


@cache
def timezone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(timezone_names())]


def validate_timezone(value: str) -> None:
    if value not in timezone_names():
        raise ValidationError(_("“%(value)s” is not a time zone we know."), params={"value": value}, code="invalid")


def to_zone(moment: datetime, zone_name: str) -> datetime:
    """`moment` (aware) as wall-clock time in the IANA zone `zone_name`."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(zoneinfo.ZoneInfo(zone_name))


def format_in_zone(moment: datetime, zone_name: str) -> str:
    """A moment as its reader sees it in their own zone, with the zone named:
    "Tue 24 Nov 2026, 09:00 (Europe/Berlin)". For emails, notifications and
    calendar text, where the reader's zone is not the active one."""
    from django.utils import formats

    return f"{formats.date_format(to_zone(moment, zone_name), 'D j M Y, H:i')} ({zone_name.replace('_', ' ')})"


def format_short(moment: datetime, zone_name: str) -> str:
    """A moment in `zone_name` for a sentence on a page: "Tue 24 Nov, 09:00"."""
    from django.utils import formats

    return formats.date_format(to_zone(moment, zone_name), "D j M, H:i")
