"""Timings of the slot engine: free slots over 60 days with 300 existing appointments.

Pure Python, no database. On its own:

    python -m bench.slots

The specialist works Monday to Friday 09:00-12:00 and 13:00-18:00 in
Europe/Berlin (a DST change falls inside the 60 days), with 10-minute buffers,
two hours' notice, a 15-minute grid and 50-minute sessions; 300 appointments
are spread over the working hours. p50/p95 are in milliseconds per call.
"""

import os
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall

from booking.slots import BusyInterval, DateOverride, SlotSettings, TimeRange, WeeklyRule, free_slots

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "200"))
DAYS = 60
APPOINTMENTS = 300


def scenario(seed: int = 7) -> dict:
    first = date(2025, 3, 3)  # Berlin moves its clocks on 30 March
    rules = [WeeklyRule(day, wall(9), wall(12)) for day in range(5)] + [
        WeeklyRule(day, wall(13), wall(18)) for day in range(5)
    ]
    overrides = [
        DateOverride(first + timedelta(days=10), day_off=True),
        DateOverride(first + timedelta(days=12), ranges=(TimeRange(wall(19), wall(21)),)),
    ]
    rng = random.Random(seed)
    busy = []
    for _ in range(APPOINTMENTS):
        day = first + timedelta(days=rng.randrange(DAYS))
        start = datetime(day.year, day.month, day.day, rng.randrange(7, 16), rng.choice([0, 15, 30, 45]), tzinfo=UTC)
        busy.append(BusyInterval(start, start + timedelta(minutes=50)))
    return {
        "zone": "Europe/Berlin",
        "rules": rules,
        "overrides": overrides,
        "busy": busy,
        "settings": SlotSettings(
            buffer_before_minutes=10,
            buffer_after_minutes=10,
            minimum_notice_minutes=120,
            horizon_days=90,
            slot_increment_minutes=15,
        ),
        "duration_minutes": 50,
        "now": datetime(2025, 3, 2, 12, tzinfo=UTC),
        "start_on": first,
        "end_on": first + timedelta(days=DAYS - 1),
    }


def run(rounds: int = ROUNDS) -> None:
    arguments = scenario()
    slots = free_slots(**arguments)  # warm up
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        free_slots(**arguments)
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    p50, p95 = statistics.median(timings), timings[max(int(len(timings) * 0.95) - 1, 0)]
    print(f"slot engine: {DAYS} days, {APPOINTMENTS} appointments, {len(slots)} free slots, {rounds} rounds")
    print(f"{'free slots (one specialist)':32} {p50:8.2f} {p95:8.2f}")


if __name__ == "__main__":
    run()
