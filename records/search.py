"""FHIR search parameters the API understands, parsed into filters.

Dates follow FHIR's search rules: a value stands for the whole range of its
precision (`2026` is the year, `2026-03-01` the day, in UTC when no offset
is given) and a prefix compares with that range: `eq` (default) within it,
`ne` outside it, `lt`/`ge` before/from its start, `le`/`gt` before/from its
end. Repeating a parameter narrows the search (`date=ge…&date=lt…`).
Anything else, an unknown parameter, a modifier or a bad value, is an error
the view answers with 400: silently ignoring it would return more than
the caller asked for.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from dataclasses import dataclass, field
from functools import reduce

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

DEFAULT_COUNT = 50
MAX_COUNT = 200
PREFIXES = ("eq", "ne", "lt", "le", "gt", "ge")
# Parameters about the answer, not the rows; `_format` only in its JSON forms.
CONTROL = {"_count", "_page", "_format"}
JSON_FORMATS = {"json", "application/json", "application/fhir+json"}

_DATE = re.compile(
    r"^(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?:T(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?"
    r"(?P<tz>Z|[+-]\d{2}:\d{2})?)?)?)?$"
)


class SearchError(ValueError):
    """A search the API refuses; the message tells the caller why."""


@dataclass(frozen=True)
class Condition:
    path: str  # ORM field path on the rows
    prefix: str
    start: dt.datetime
    end: dt.datetime  # exclusive

    def q(self) -> Q:
        at_or_after, before = f"{self.path}__gte", f"{self.path}__lt"
        return {
            "eq": Q(**{at_or_after: self.start, before: self.end}),
            "ne": ~Q(**{at_or_after: self.start, before: self.end}),
            "lt": Q(**{before: self.start}),
            "le": Q(**{before: self.end}),
            "gt": Q(**{at_or_after: self.end}),
            "ge": Q(**{at_or_after: self.start}),
        }[self.prefix]

    def matches(self, row) -> bool:
        value = reduce(lambda obj, name: getattr(obj, name, None), self.path.split("__"), row)
        if value is None:
            return self.prefix == "ne"
        inside = self.start <= value < self.end
        return {
            "eq": inside,
            "ne": not inside,
            "lt": value < self.start,
            "le": value < self.end,
            "gt": value >= self.end,
            "ge": value >= self.start,
        }[self.prefix]


@dataclass
class Search:
    conditions: list[Condition] = field(default_factory=list)
    count: int = DEFAULT_COUNT
    page: int = 1

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.count

    def apply(self, rows):
        """`rows` narrowed to the conditions: (page of rows, total)."""
        if isinstance(rows, QuerySet):
            if self.conditions:
                rows = rows.filter(reduce(operator.and_, (c.q() for c in self.conditions)))
            return list(rows[self.offset : self.offset + self.count]), rows.count()
        matched = [row for row in rows if all(c.matches(row) for c in self.conditions)]
        return matched[self.offset : self.offset + self.count], len(matched)


def date_range(value: str) -> tuple[dt.datetime, dt.datetime]:
    """The instants a FHIR date or dateTime search value covers: [start, end)."""
    match = _DATE.match(value)
    if not match:
        raise SearchError(_("“%(value)s” is not a FHIR date, such as 2026-03-01.") % {"value": value})
    parts = match.groupdict()
    tz = dt.UTC
    if parts["tz"] and parts["tz"] != "Z":
        sign = 1 if parts["tz"][0] == "+" else -1
        hours, minutes = int(parts["tz"][1:3]), int(parts["tz"][4:6])
        tz = dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
    try:
        start = dt.datetime(
            int(parts["year"]),
            int(parts["month"] or 1),
            int(parts["day"] or 1),
            int(parts["hour"] or 0),
            int(parts["minute"] or 0),
            int(parts["second"] or 0),
            tzinfo=tz,
        )
    except ValueError:
        raise SearchError(_("“%(value)s” is not a date that exists.") % {"value": value}) from None
    if parts["second"]:
        end = start + dt.timedelta(seconds=1)
    elif parts["minute"]:
        end = start + dt.timedelta(minutes=1)
    elif parts["day"]:
        end = start + dt.timedelta(days=1)
    elif parts["month"]:
        end = (start + dt.timedelta(days=32)).replace(day=1)
    else:
        end = start.replace(year=start.year + 1)
    return start, end


def _positive_int(name: str, value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise SearchError(_("%(name)s must be a whole number from 1.") % {"name": name})
    return int(value)


def search_parse(fhir_type, params) -> Search:
    """The search `params` (a QueryDict) ask of `fhir_type`'s rows."""
    paths = dict(fhir_type.searches)
    if fhir_type.last_updated:
        paths["_lastUpdated"] = fhir_type.last_updated
    search = Search()
    for name, values in params.lists():
        if name not in paths and name not in CONTROL:
            known = ", ".join(sorted(paths | dict.fromkeys(CONTROL - {"_format"}))) or "-"
            raise SearchError(
                _("%(type)s cannot be searched by “%(name)s”. Search parameters: %(known)s.")
                % {"type": fhir_type.name, "name": name, "known": known}
            )
        if name in CONTROL and len(values) > 1:
            raise SearchError(_("Give %(name)s once.") % {"name": name})
        if name == "_count":
            search.count = min(_positive_int(name, values[0]), MAX_COUNT)
        elif name == "_page":
            search.page = _positive_int(name, values[0])
        elif name == "_format":
            if values[0] not in JSON_FORMATS:
                raise SearchError(_("This server answers in JSON only."))
        else:
            search.conditions += [_condition(paths[name], value) for value in values]
    return search


def _condition(path: str, value: str) -> Condition:
    if not value:
        raise SearchError(_("A date search needs a value, such as ge2026-01-01."))
    if "," in value:
        raise SearchError(_("Give one date per parameter; repeat the parameter to narrow the search."))
    prefix = value[:2] if value[:2].isalpha() else "eq"
    if prefix not in PREFIXES:
        raise SearchError(
            _("“%(prefix)s” is not a date prefix this server knows: use one of %(prefixes)s.")
            % {"prefix": prefix, "prefixes": ", ".join(PREFIXES)}
        )
    start, end = date_range(value[2:] if value[:2].isalpha() else value)
    return Condition(path=path, prefix=prefix, start=start, end=end)
