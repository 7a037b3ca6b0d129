"""Reading a list page's filters from its query string.

A value that cannot be used is ignored with a notice the page shows, never
an error: a bookmarked or hand-edited address still opens the list.
"""

from __future__ import annotations

import uuid
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .timeutils import INPUT_YEARS, validate_date_in_range


def date_filter(raw: str, label: str, notices: list[str]) -> date | None:
    """The ISO date in `raw`, or None (with a notice when it was not empty)."""
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        notices.append(
            _("We ignored the %(field)s date: we could not read “%(value)s”.") % {"field": label, "value": raw}
        )
        return None
    try:
        validate_date_in_range(day)  # days are added to it: the year 9999 would overflow
    except ValidationError:
        notices.append(
            _("We ignored the %(field)s date: please pick one within %(years)d years of today.")
            % {"field": label, "years": INPUT_YEARS}
        )
        return None
    return day


def choice_filter(raw: str, options, label: str, notices: list[str]):
    """The option whose `public_id` is `raw`, or None (with a notice when it was not empty)."""
    if not raw:
        return None
    try:
        wanted = uuid.UUID(raw)
    except ValueError:
        wanted = None
    chosen = next((option for option in options if option.public_id == wanted), None)
    if chosen is None:
        notices.append(_("We ignored the %(field)s filter: we could not find it.") % {"field": label})
    return chosen
