"""Reads of the booking engine: free slots from the models."""

from __future__ import annotations

import operator
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import reduce

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from organizations.models import ProgramEnrolment
from specialists.models import Offering, SpecialistProfile

from . import slots
from .models import (
    Appointment,
    AppointmentEvent,
    AvailabilityOverride,
    AvailabilityRule,
    BookingPolicy,
    BookingSettings,
    NextAvailability,
)
from .states import AGREED_STATUSES, ALLOWED, SLOT_HOLDING, AppointmentStatus


def free_slots_for_offering(
    *, offering: Offering, start_on: date, end_on: date, now: datetime | None = None, ignoring=None, appointments=True
):
    """Free start times (aware UTC) for `offering` between two local dates of
    the specialist, minus slot-holding appointments and blocked time (read
    as `slot_inputs_for_specialists` reads them). `ignoring` is an
    appointment whose own time counts as free (the one being rescheduled);
    `appointments=False` ignores them all (the working hours alone). Four
    queries whatever the range.
    """
    inputs = slot_inputs_for_specialists(
        specialist_ids=[offering.specialist_id],
        start_on=start_on,
        end_on=end_on,
        ignoring=ignoring,
        appointments=appointments,
    )[offering.specialist_id]
    return inputs.free_slots(
        duration_minutes=offering.duration_minutes, start_on=start_on, end_on=end_on, now=now or timezone.now()
    )


def specialist_local_date(specialist, moment: datetime) -> date:
    return moment.astimezone(zoneinfo.ZoneInfo(specialist.user.timezone)).date()


def is_free_start(*, offering: Offering, starts_at: datetime, now: datetime, ignoring=None) -> bool:
    """Whether `starts_at` is one of the offering's free start times now."""
    day = specialist_local_date(offering.specialist, starts_at)
    free = free_slots_for_offering(offering=offering, start_on=day, end_on=day, now=now, ignoring=ignoring)
    return starts_at in free


def working_starts_for_offering(*, offering: Offering, on: date, now: datetime) -> list[datetime]:
    """The starts of one local date as if no appointment held any time."""
    return free_slots_for_offering(offering=offering, start_on=on, end_on=on, now=now, appointments=False)


def nearest_free_slots(
    *, offering: Offering, around: datetime, now: datetime | None = None, count: int = 6, ignoring=None
):
    """The free start times closest to `around` (before or after), in time
    order: what to offer someone whose time was just taken. `ignoring` as
    in `free_slots_for_offering`."""
    now = now or timezone.now()
    day = specialist_local_date(offering.specialist, around)
    free = free_slots_for_offering(
        offering=offering, start_on=day - timedelta(days=7), end_on=day + timedelta(days=7), now=now, ignoring=ignoring
    )
    return sorted(sorted(free, key=lambda slot: abs(slot - around))[:count])


def appointments_ahead_exist(*, patient, specialist, now: datetime | None = None) -> bool:
    """Whether the pair has a session still to come or still being arranged
    (held, requested, proposed, awaiting payment, booked, under way)."""
    now = now or timezone.now()
    return Appointment.objects.filter(
        patient=patient, specialist=specialist, status__in=ALLOWED, ends_at__gt=now
    ).exists()


def booking_settings_for(specialist) -> BookingSettings:
    """The specialist's stored settings, or the defaults (unsaved)."""
    return BookingSettings.objects.filter(specialist=specialist).first() or BookingSettings(specialist=specialist)


def booking_policy_for(organization) -> BookingPolicy:
    """The organization's stored policy, or the defaults (unsaved)."""
    return BookingPolicy.objects.filter(organization=organization).first() or BookingPolicy(organization=organization)


def cancellation_window_hours(specialist) -> int:
    """Free cancellation up to this many hours before the start: the
    specialist's own window if set, else the organization's."""
    own = booking_settings_for(specialist).cancellation_window_hours
    if own is not None:
        return own
    return booking_policy_for(specialist.organization).cancellation_window_hours


# Apps above booking that link patients to specialists (care) register a
# source here: a callable(specialist) -> queryset of patient ids.
_patient_sources = []


def register_patient_source(source) -> None:
    if source not in _patient_sources:
        _patient_sources.append(source)


def patients_of_specialist(specialist) -> QuerySet:
    """The people a specialist may propose times to: anyone who booked or
    asked them, and the patients other apps link to them (care)."""
    linked = Q(appointments__specialist=specialist) | Q(availability_requests__specialist=specialist)
    for source in _patient_sources:
        linked |= Q(pk__in=source(specialist))
    return get_user_model().objects.filter(linked, is_active=True).distinct().order_by("full_name", "email")


def specialist_ids_linked_to(*, patient, specialists) -> set[int]:
    """Which of `specialists` the apps above booking link `patient` to now
    (care: an active care relationship, not an ended one). Booking alone
    cannot tell, so with no source registered it is none of them. One
    query, however many specialists."""
    patients = get_user_model().objects.filter(pk=patient.pk)
    linked = [
        Q(Exists(patients.filter(pk__in=source(specialist))), pk=specialist.pk)
        for specialist in specialists
        for source in _patient_sources
    ]
    if not linked:
        return set()
    return set(SpecialistProfile.objects.filter(reduce(operator.or_, linked)).values_list("pk", flat=True))


# --- The slot engine's inputs, for one specialist or a directory page --------


@dataclass(frozen=True)
class SlotInputs:
    """What the slot engine needs of one specialist for a span of dates:
    their zone and settings, weekly rules, that span's overrides and the
    busy time of their slot-holding appointments."""

    zone: zoneinfo.ZoneInfo
    settings: slots.SlotSettings
    rules: tuple[slots.WeeklyRule, ...]
    overrides: tuple[slots.DateOverride, ...]
    busy: tuple[slots.BusyInterval, ...]

    def free_slots(self, *, duration_minutes: int, start_on: date, end_on: date, now: datetime) -> list[datetime]:
        """Free starts (aware UTC) between two local dates, both within the
        span the inputs were loaded for."""
        return slots.free_slots(
            zone=self.zone,
            rules=self.rules,
            duration_minutes=duration_minutes,
            now=now,
            start_on=start_on,
            end_on=end_on,
            overrides=self.overrides,
            busy=self.busy,
            settings=self.settings,
        )


# The settings the slot engine reads (BookingSettings field = SlotSettings field).
_SETTINGS_FIELDS = (
    "buffer_before_minutes",
    "buffer_after_minutes",
    "minimum_notice_minutes",
    "horizon_days",
    "slot_increment_minutes",
)


def slot_inputs_for_specialists(
    *, specialist_ids, start_on: date, end_on: date, ignoring=None, appointments=True
) -> dict[int, SlotInputs]:
    """The slot engine's inputs of each specialist in `specialist_ids`
    (unknown ids are left out) for the dates `start_on`..`end_on`.

    The batch form of what `free_slots_for_offering` loads for one, read
    the same way: a day off without hours removes the day, a day off with
    hours is busy time, extra hours add a range, and slot-holding
    appointments near the span are busy. Four queries whatever the number
    of specialists, so a page of the directory costs the same as one card.
    The dates bound every specialist alike: give a day more on each side
    than the local dates asked of any of them. `ignoring` and
    `appointments` as in `free_slots_for_offering`.
    """
    # The zone and the stored settings (NULLs without a row) in one query.
    names = ["pk", "user__timezone", *(f"booking_settings__{field}" for field in _SETTINGS_FIELDS)]
    zones, settings = {}, {}
    for pk, zone_name, *values in SpecialistProfile.objects.filter(pk__in=list(specialist_ids)).values_list(*names):
        zones[pk] = zoneinfo.ZoneInfo(zone_name)
        settings[pk] = slots.SlotSettings(
            **{
                field: BookingSettings._meta.get_field(field).default if value is None else value
                for field, value in zip(_SETTINGS_FIELDS, values, strict=True)
            }
        )
    rules = defaultdict(list)
    weekly = AvailabilityRule.objects.filter(specialist_id__in=list(zones)).order_by()
    for specialist_id, weekday, start, end in weekly.values_list("specialist_id", "weekday", "start_time", "end_time"):
        rules[specialist_id].append(slots.WeeklyRule(weekday, start, end))
    overrides, busy = defaultdict(list), defaultdict(list)
    for override in AvailabilityOverride.objects.filter(
        specialist_id__in=list(zones), date_on__range=(start_on, end_on)
    ):
        zone = zones[override.specialist_id]
        if override.kind == AvailabilityOverride.Kind.EXTRA_HOURS:
            overrides[override.specialist_id].append(
                slots.DateOverride(override.date_on, (slots.TimeRange(override.start_time, override.end_time),))
            )
        elif override.start_time is None:
            overrides[override.specialist_id].append(slots.DateOverride(override.date_on, day_off=True))
        else:
            # An end of 00:00 is midnight: the start of the next day.
            end_on_day = override.date_on + timedelta(days=1) if override.end_time == time(0) else override.date_on
            local = [
                datetime.combine(override.date_on, override.start_time, tzinfo=zone),
                datetime.combine(end_on_day, override.end_time, tzinfo=zone),
            ]
            busy[override.specialist_id].append(slots.BusyInterval(local[0].astimezone(UTC), local[1].astimezone(UTC)))
    window_start = datetime.combine(start_on - timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    window_end = datetime.combine(end_on + timedelta(days=2), datetime.min.time(), tzinfo=UTC)
    holding = Appointment.objects.filter(
        specialist_id__in=list(zones), status__in=SLOT_HOLDING, starts_at__lt=window_end, ends_at__gt=window_start
    )
    if ignoring is not None:
        holding = holding.exclude(pk=ignoring.pk)
    if not appointments:
        holding = holding.none()
    for specialist_id, starts_at, ends_at in holding.values_list("specialist_id", "starts_at", "ends_at").order_by():
        busy[specialist_id].append(slots.BusyInterval(starts_at, ends_at))
    return {
        pk: SlotInputs(
            zone=zone,
            settings=settings[pk],
            rules=tuple(rules[pk]),
            overrides=tuple(overrides[pk]),
            busy=tuple(busy[pk]),
        )
        for pk, zone in zones.items()
    }


@dataclass(frozen=True)
class WeeklyHours:
    """A specialist's weekly rules and the zone their wall-clock times are in."""

    zone: str
    rules: tuple[slots.WeeklyRule, ...]


def weekly_hours_for_specialists(*, profiles: QuerySet) -> dict[int, WeeklyHours]:
    """Specialist id → their weekly hours, for the `profiles`
    (SpecialistProfile) that have any. One query, whatever their number:
    `profiles` goes in as a subquery."""
    found: dict[int, tuple[str, list[slots.WeeklyRule]]] = {}
    rows = (
        AvailabilityRule.objects.filter(specialist__in=profiles.values("pk"))
        .order_by("specialist_id", "weekday", "start_time")
        .values_list("specialist_id", "specialist__user__timezone", "weekday", "start_time", "end_time")
    )
    for specialist_id, zone, weekday, start, end in rows:
        found.setdefault(specialist_id, (zone, []))[1].append(slots.WeeklyRule(weekday, start, end))
    return {pk: WeeklyHours(zone=zone, rules=tuple(rules)) for pk, (zone, rules) in found.items()}


def shortest_direct_durations(*, specialist_ids) -> dict[int, int]:
    """Specialist id → the length of their shortest active offering that
    patients book directly; specialists without one are left out. One
    query."""
    durations: dict[int, int] = {}
    rows = (
        Offering.objects.filter(
            specialist_id__in=list(specialist_ids), is_active=True, booking_mode=Offering.BookingMode.DIRECT
        )
        .order_by("specialist_id", "duration_minutes")
        .values_list("specialist_id", "duration_minutes")
    )
    for specialist_id, minutes in rows:
        durations.setdefault(specialist_id, minutes)
    return durations


def next_available_annotate(profiles: QuerySet, *, now: datetime | None = None) -> QuerySet:
    """`profiles` (SpecialistProfile) with what a card says about their
    next free time, in the same query:

    - `next_available_at`: the stored earliest free start, or None;
    - `next_available_known`: whether there is a value to show (a new
      profile waits for the sweep, and a stored start already past means
      the sweep is behind: say nothing rather than something wrong);
    - `booking_horizon_days`: how far ahead they take bookings;
    - `books_directly`: whether any active offering is booked directly
      (if not, the card says "On request");
    - `book_offering_id`: the public id of the offering a card's "Book"
      button opens (the shortest one booked directly), or None.

    Correlated subqueries rather than joins: PostgreSQL evaluates them for
    the page's rows only (unless sorting or filtering needs them), and plans
    the query several times faster than with two more outer joins.
    """
    direct = Offering.objects.filter(
        specialist_id=OuterRef("pk"), is_active=True, booking_mode=Offering.BookingMode.DIRECT
    )
    now = now or timezone.now()
    stored = NextAvailability.objects.filter(specialist_id=OuterRef("pk"))
    horizon = BookingSettings.objects.filter(specialist_id=OuterRef("pk")).values("horizon_days")
    return profiles.annotate(
        next_available_at=Subquery(stored.filter(starts_at__gt=now).values("starts_at")),
        next_available_known=Exists(stored.filter(Q(starts_at__isnull=True) | Q(starts_at__gt=now))),
        booking_horizon_days=Coalesce(
            Subquery(horizon), Value(BookingSettings._meta.get_field("horizon_days").default)
        ),
        books_directly=Exists(direct),
        book_offering_id=Subquery(direct.order_by("duration_minutes", "position").values("public_id")[:1]),
    )


def agreed(queryset: QuerySet[Appointment]) -> QuerySet[Appointment]:
    """The appointments that were agreed (confirmed, or awaiting payment to
    be): "booked", whatever became of them since. A hold, request or
    proposal still open, run out, declined or called off before anyone
    agreed was never booked."""
    called_off_unagreed = AppointmentEvent.objects.filter(
        appointment=OuterRef("pk"),
        from_status__in=[AppointmentStatus.HELD, AppointmentStatus.REQUESTED, AppointmentStatus.PROPOSED],
        to_status=AppointmentStatus.CANCELLED,
    )
    return queryset.filter(status__in=AGREED_STATUSES).exclude(Exists(called_off_unagreed))


def appointment_list_for_organization(
    organization,
    *,
    status: str = "",
    late: bool = False,
    program=None,
    specialist=None,
    starts_from: datetime | None = None,
    starts_until: datetime | None = None,
    booked_from: datetime | None = None,
    booked_until: datetime | None = None,
) -> QuerySet[Appointment]:
    """Every appointment with the organization's specialists, newest session
    first, narrowed by the given filters (ranges are [from, until)). `late`
    keeps the late cancellations only. One query per page, whatever its
    length: the row's patient, specialist and offering come joined."""
    queryset = Appointment.objects.filter(specialist__organization=organization).select_related(
        "patient", "specialist", "offering"
    )
    if status:
        queryset = queryset.filter(status=status)
    if late:
        queryset = queryset.filter(status="cancelled", is_late_cancellation=True)
    if program is not None:
        queryset = queryset.filter(
            Exists(ProgramEnrolment.objects.filter(program=program, patient_id=OuterRef("patient_id")))
        )
    if specialist is not None:
        queryset = queryset.filter(specialist=specialist)
    if starts_from is not None:
        queryset = queryset.filter(starts_at__gte=starts_from)
    if starts_until is not None:
        queryset = queryset.filter(starts_at__lt=starts_until)
    if booked_from is not None or booked_until is not None:
        queryset = agreed(queryset)
    if booked_from is not None:
        queryset = queryset.filter(created_at__gte=booked_from)
    if booked_until is not None:
        queryset = queryset.filter(created_at__lt=booked_until)
    return queryset.order_by("-starts_at", "-pk")
