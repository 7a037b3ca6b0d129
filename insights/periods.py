"""The dates a figure covers, checked before any query runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

# Two years: long enough for a year-on-year look, short enough that a query
# never has to walk the whole history.
MAX_SPAN_DAYS = 731
# Nothing older can be on Daraport; an earlier date is a typo.
MAX_AGE_DAYS = 10 * 366


@dataclass(frozen=True)
class Period:
    """Whole days, both ends included, in the viewer's zone."""

    start_on: date
    end_on: date

    def bounds(self, zone: tzinfo | None = None) -> tuple[datetime, datetime]:
        """The first moment of the first day and the first moment after the last one."""
        zone = zone or timezone.get_current_timezone()
        start = datetime.combine(self.start_on, time.min, tzinfo=zone)
        end = datetime.combine(self.end_on + timedelta(days=1), time.min, tzinfo=zone)
        return start, end

    @property
    def days(self) -> int:
        return (self.end_on - self.start_on).days + 1


def period_clean(*, start_on: date, end_on: date, today: date | None = None) -> Period:
    """A `Period`, or a `ValidationError` that says what is wrong with it.

    Refused: an end before the start, an end after today (nothing has
    happened there yet), a span over two years, a start over ten years ago.
    """
    today = today or timezone.localdate()
    if not isinstance(start_on, date) or not isinstance(end_on, date):
        raise ValidationError(_("Choose a start and an end date."), code="missing")
    if end_on < start_on:
        raise ValidationError(
            _("The range ends (%(end)s) before it starts (%(start)s). Swap the two dates."),
            params={"start": start_on.isoformat(), "end": end_on.isoformat()},
            code="reversed",
        )
    if end_on > today:
        raise ValidationError(
            _("The range ends after today (%(today)s). Choose today or an earlier day."),
            params={"today": today.isoformat()},
            code="future",
        )
    if (today - start_on).days > MAX_AGE_DAYS:
        raise ValidationError(_("The range starts more than ten years ago. Check the year."), code="too_old")
    if (end_on - start_on).days + 1 > MAX_SPAN_DAYS:
        raise ValidationError(
            _("A range can cover at most two years (%(days)d days). Choose a shorter one."),
            params={"days": MAX_SPAN_DAYS},
            code="too_long",
        )
    return Period(start_on, end_on)
