from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from insights.periods import MAX_SPAN_DAYS, period_clean


def test_a_valid_range_covers_whole_days_both_ends_included(today):
    period = period_clean(start_on=today - timedelta(days=6), end_on=today)
    start, end = period.bounds()
    assert period.days == 7
    assert end - start == timedelta(days=7)


def test_two_years_is_the_longest_range(today):
    assert period_clean(start_on=today - timedelta(days=MAX_SPAN_DAYS - 1), end_on=today).days == MAX_SPAN_DAYS


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (0, -5, "before it starts"),
        (-3, 1, "ends after today"),
        (-MAX_SPAN_DAYS, 0, "at most two years"),
        (-4000, -3800, "more than ten years ago"),
    ],
)
def test_reversed_or_absurd_ranges_are_explained(today, start, end, message):
    with pytest.raises(ValidationError, match=message):
        period_clean(start_on=today + timedelta(days=start), end_on=today + timedelta(days=end))


def test_a_missing_date_is_explained(today):
    with pytest.raises(ValidationError, match="Choose a start and an end date"):
        period_clean(start_on=None, end_on=today)
