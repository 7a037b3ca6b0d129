"""Dates, times and money as each language writes them."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.template import Context, Template
from django.utils import timezone, translation

from core.money import Money
from core.timeutils import format_date, format_datetime, format_time

BERLIN = ZoneInfo("Europe/Berlin")
# A Tuesday in November, seen from a "now" in the same year and from the next.
MOMENT = datetime(2030, 11, 26, 9, 5, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("language", "short", "with_year", "long", "clock"),
    [
        ("en", "Tue 26 Nov, 09:05", "Tue 26 Nov 2030", "Tuesday 26 November", "09:05"),
        ("de", "Di, 26. Nov., 09:05", "Di, 26. Nov. 2030", "Dienstag, 26. November", "09:05"),
        ("es", "mar, 26 nov, 09:05", "mar, 26 nov 2030", "Martes, 26 de noviembre", "09:05"),
    ],
)
def test_dates_and_times_read_as_each_language_writes_them(language, short, with_year, long, clock):
    with time_machine.travel(datetime(2030, 6, 1, tzinfo=BERLIN), tick=False), translation.override(language):
        assert format_datetime(MOMENT, zone_name="Europe/Berlin") == short
        assert format_date(MOMENT, "year", zone_name="Europe/Berlin") == with_year
        assert format_date(MOMENT, "long", zone_name="Europe/Berlin").lower() == long.lower()
        assert format_time(MOMENT, zone_name="Europe/Berlin") == clock


def test_the_year_shows_outside_the_current_one_in_every_language():
    with time_machine.travel(datetime(2031, 2, 1, tzinfo=BERLIN), tick=False):
        for language, text in [("en", "Tue 26 Nov 2030"), ("de", "Di, 26. Nov. 2030"), ("es", "mar, 26 nov 2030")]:
            with translation.override(language):
                assert format_date(MOMENT, zone_name="Europe/Berlin") == text


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["€1,234.56", "$90.00", "¥5,000", "1.500 KWD"]),
        ("de", ["1.234,56\u00a0€", "90,00\u00a0$", "5.000\u00a0¥", "1,500 KWD"]),
        ("es", ["1\u00a0234,56\u00a0€", "90,00\u00a0$", "5\u00a0000\u00a0¥", "1,500 KWD"]),
    ],
)
def test_money_reads_as_each_language_writes_it(language, expected):
    amounts = [Money(123456, "EUR"), Money(9000, "USD"), Money(5000, "JPY"), Money(1500, "KWD")]
    with translation.override(language):
        assert [amount.format() for amount in amounts] == expected


def test_templates_format_money_and_dates_in_the_active_language():
    template = Template("{% load daraport %}{{ amount|money:'EUR' }} · {{ moment|day_time:'year' }}")
    with translation.override("de"), timezone.override(BERLIN):
        assert template.render(Context({"amount": 9050, "moment": MOMENT})) == "90,50\u00a0€ · Di, 26. Nov. 2030, 09:05"
