from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from core.timeutils import to_zone, validate_timezone


def test_known_time_zones_validate():
    validate_timezone("America/Sao_Paulo")


@pytest.mark.parametrize("value", ["Mars/Olympus", "", "utc+2", "Europe/berlin"])
def test_unknown_time_zones_are_refused(value):
    with pytest.raises(ValidationError):
        validate_timezone(value)


def test_to_zone_shows_wall_clock_time_across_dst():
    summer = datetime(2026, 7, 1, 12, tzinfo=UTC)
    winter = datetime(2026, 12, 1, 12, tzinfo=UTC)
    assert to_zone(summer, "Europe/Berlin").hour == 14
    assert to_zone(winter, "Europe/Berlin").hour == 13


def test_to_zone_refuses_naive_datetimes():
    with pytest.raises(ValueError, match="naive"):
        to_zone(datetime(2026, 1, 1, 12), "Europe/Berlin")
