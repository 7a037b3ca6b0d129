"""The directory's "next available": each specialist's earliest free start,
stored in `NextAvailability` so a page of cards, the "soonest" sort and the
"available within N days" filter cost one join instead of a slot search.

What is stored is the earliest free start of the specialist's shortest
active offering that patients book directly (the shortest fits into the most
gaps, so it is the soonest time anyone could book). On-request offerings do
not count: their times are asked for, not booked, and the card says
"On request" instead. No such offering, no working hours or nothing free
within the horizon: `starts_at` is None.

`valid_until` is the moment the stored value stops being right by itself:

- with a start, when minimum notice overtakes it (`starts_at - notice`):
  until then no earlier time can appear by itself (the horizon only adds
  later ones) and that start stays bookable unless something happens, and
  everything that can happen sends an event (`booking.receivers`);
- in any case within `MAX_AGE` (30 to 60 minutes, spread by specialist so
  rows written together do not come due together): with nothing free, the
  horizon moving forward brings new days in; and a change that sends no
  event (a time zone or an offering edited elsewhere) is picked up anyway.

The sweep (a beat task every five minutes) refreshes rows past
`valid_until` and approved profiles without a row, so the directory is at
most a few minutes behind the clock.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.utils import timezone

from specialists.models import SpecialistProfile

from .. import selectors
from ..models import NextAvailability

# Most specialists have a free time within a week: look there first (local
# today and the seven days after), and load the rest of the horizon only for
# those who have none.
FIRST_CHUNK_DAYS = 8
MAX_AGE = timedelta(hours=1)
MAX_AGE_SPREAD_MINUTES = 30
# Specialists refreshed together: a constant number of queries each.
BATCH_SIZE = 200
# A sweep does at most this many, most overdue first; the rest wait five minutes.
SWEEP_MAX = 5000


def next_available_refresh(*, specialist_ids, now: datetime | None = None) -> list[NextAvailability]:
    """Compute and store the next free start of each specialist in
    `specialist_ids` (unknown ids are skipped) and return the rows.

    A batch of up to `BATCH_SIZE` costs the same number of queries whatever
    its size: six (the offerings, four for the slot inputs, one upsert), plus four
    when someone has nothing free in the first week.
    """
    now = now or timezone.now()
    ids = sorted(set(specialist_ids))
    rows: list[NextAvailability] = []
    for first in range(0, len(ids), BATCH_SIZE):
        rows += _refresh_batch(ids[first : first + BATCH_SIZE], now)
    return rows


def _refresh_batch(ids: list[int], now: datetime) -> list[NextAvailability]:
    durations = selectors.shortest_direct_durations(specialist_ids=ids)
    today = now.astimezone(UTC).date()
    # Local today is within a day of the UTC date in every zone.
    inputs = selectors.slot_inputs_for_specialists(
        specialist_ids=ids, start_on=today - timedelta(days=1), end_on=today + timedelta(days=FIRST_CHUNK_DAYS)
    )
    found: dict[int, datetime | None] = {}
    later = []
    for pk, specialist in inputs.items():
        if pk not in durations:
            found[pk] = None
            continue
        local_today = now.astimezone(specialist.zone).date()
        free = specialist.free_slots(
            duration_minutes=durations[pk],
            start_on=local_today,
            end_on=local_today + timedelta(days=FIRST_CHUNK_DAYS - 1),
            now=now,
        )
        horizon_on = (now + timedelta(days=specialist.settings.horizon_days)).astimezone(specialist.zone).date()
        if free or horizon_on < local_today + timedelta(days=FIRST_CHUNK_DAYS):
            found[pk] = free[0] if free else None
        else:
            later.append(pk)
    if later:
        last = max(now + timedelta(days=inputs[pk].settings.horizon_days) for pk in later)
        rest = selectors.slot_inputs_for_specialists(
            specialist_ids=later,
            start_on=today + timedelta(days=FIRST_CHUNK_DAYS - 1),
            end_on=last.astimezone(UTC).date() + timedelta(days=1),
        )
        for pk in later:
            specialist = rest[pk]
            start_on = now.astimezone(specialist.zone).date() + timedelta(days=FIRST_CHUNK_DAYS)
            end_on = (now + timedelta(days=specialist.settings.horizon_days)).astimezone(specialist.zone).date()
            free = specialist.free_slots(duration_minutes=durations[pk], start_on=start_on, end_on=end_on, now=now)
            found[pk] = free[0] if free else None
    rows = [
        NextAvailability(
            specialist_id=pk,
            starts_at=starts_at,
            valid_until=_valid_until(pk, starts_at, inputs[pk].settings.minimum_notice_minutes, now),
            computed_at=now,
        )
        for pk, starts_at in found.items()
    ]
    NextAvailability.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["specialist"],
        update_fields=["starts_at", "valid_until", "computed_at"],
    )
    return rows


def _valid_until(pk: int, starts_at: datetime | None, notice_minutes: int, now: datetime) -> datetime:
    latest = now + MAX_AGE - timedelta(minutes=pk % MAX_AGE_SPREAD_MINUTES)
    if starts_at is None:
        return latest
    return min(starts_at - timedelta(minutes=notice_minutes), latest)


def next_available_sweep(*, now: datetime | None = None) -> int:
    """Refresh what is due: approved profiles without a row first, then rows
    whose `valid_until` has passed, most overdue first, at most `SWEEP_MAX`.
    Returns how many were refreshed. Idempotent, so two overlapping runs
    only repeat work."""
    now = now or timezone.now()
    approved = SpecialistProfile.objects.filter(status=SpecialistProfile.Status.APPROVED)
    missing = list(
        approved.filter(next_availability__isnull=True).order_by("pk").values_list("pk", flat=True)[:SWEEP_MAX]
    )
    due = list(
        NextAvailability.objects.filter(valid_until__lte=now, specialist__in=approved)
        .order_by("valid_until")
        .values_list("specialist_id", flat=True)[: SWEEP_MAX - len(missing)]
    )
    ids = missing + due
    next_available_refresh(specialist_ids=ids, now=now)
    return len(ids)
