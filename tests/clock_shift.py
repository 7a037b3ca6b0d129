"""`--clock-shift-days=N`: run the whole session N days in the future.

A test that only passes near the day it was written (a literal date that has
since passed, a clock nobody froze) fails here. `make test` runs the
non-browser suite once more this way. The clock keeps ticking, so waits,
Hypothesis and the live server work as usual; a test's own
`time_machine.travel` still wins while it lasts. The database server's clock
does not move (SQL `now()` stays real): the code never asks it the time.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

_traveller = pytest.StashKey[time_machine.travel]()


def pytest_addoption(parser):
    parser.addoption(
        "--clock-shift-days",
        type=int,
        default=0,
        metavar="DAYS",
        help="move the clock this many days ahead of the real one for the whole run",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    days = config.getoption("clock_shift_days")
    if days:
        traveller = time_machine.travel(datetime.now(UTC) + timedelta(days=days), tick=True)
        traveller.start()
        config.stash[_traveller] = traveller


def pytest_unconfigure(config):
    traveller = config.stash.get(_traveller, None)
    if traveller is not None:
        traveller.stop()


def pytest_report_header(config):
    if _traveller in config.stash:
        return f"clock shifted {config.getoption('clock_shift_days')} days: now {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    return None
