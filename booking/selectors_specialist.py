"""Reads of the specialist's side of scheduling: their own appointments,
requests and proposals (anyone else's is 404), and the appointments page."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time, timedelta

from django.db.models import Prefetch, Q

from core.selectors import get_for_user

from . import slots
from .models import Appointment, AvailabilityRequest, Proposal
from .selectors import cancellation_window_hours, free_slots_for_offering
from .states import SLOT_HOLDING, AppointmentStatus

S = AppointmentStatus

PAST_SHOWN = 20
UPCOMING_SHOWN = 50
# Quick picks when proposing: free starts over the next two weeks.
SUGGESTION_DAYS = 14


def appointment_get_for_specialist(*, user, public_id) -> Appointment:
    queryset = Appointment.objects.filter(specialist__user=user).select_related(
        "patient", "offering", "specialist__user", "proposal"
    )
    return get_for_user(queryset, public_id)


def availability_request_get_for_specialist(*, user, public_id) -> AvailabilityRequest:
    queryset = AvailabilityRequest.objects.filter(specialist__user=user).select_related("patient", "offering")
    return get_for_user(queryset, public_id)


def proposal_get_for_specialist(*, user, public_id) -> Proposal:
    queryset = Proposal.objects.filter(specialist__user=user).select_related("patient", "offering", "request")
    return get_for_user(queryset.prefetch_related("appointments"), public_id)


def request_windows(availability_request: AvailabilityRequest) -> list[dict]:
    """The patient's preferred windows as aware datetimes (in the patient's
    zone); templates show them in both zones."""
    zone = zoneinfo.ZoneInfo(availability_request.patient_timezone)
    windows = []
    for window in availability_request.windows:
        day = date.fromisoformat(window["date"])
        windows.append(
            {
                "starts_at": datetime.combine(day, time.fromisoformat(window["from"]), tzinfo=zone),
                "ends_at": datetime.combine(day, time.fromisoformat(window["until"]), tzinfo=zone),
            }
        )
    return windows


def appointment_overview_for_specialist(*, profile, now: datetime) -> dict:
    """Everything the list shows, in a fixed number of queries."""
    appointments = Appointment.objects.filter(specialist=profile).select_related("patient", "offering", "specialist")
    live = list(
        appointments.filter(
            Q(status__in=[S.REQUESTED, S.AWAITING_PAYMENT])
            | Q(status__in=[S.CONFIRMED, S.IN_PROGRESS], ends_at__gt=now)
        ).order_by("starts_at")
    )
    # Options of proposals that never became a booking are shown with their
    # proposal, not as cancelled sessions.
    never_booked = Q(proposal__isnull=False) & (
        Q(status=S.DECLINED)
        | Q(status=S.CANCELLED, proposal__status=Proposal.Status.WITHDRAWN)
        | Q(status=S.EXPIRED, proposal__status=Proposal.Status.EXPIRED)
    )
    past = list(
        appointments.filter(
            Q(status__in=[S.COMPLETED, S.CANCELLED, S.DECLINED, S.EXPIRED, S.NO_SHOW])
            | Q(status__in=[S.CONFIRMED, S.IN_PROGRESS], ends_at__lte=now)
        )
        .exclude(never_booked)
        .order_by("-starts_at")[:PAST_SHOWN]
    )
    upcoming = [a for a in live if a.status in (S.CONFIRMED, S.IN_PROGRESS)]
    window = timedelta(hours=cancellation_window_hours(profile)) if upcoming else None
    for appointment in upcoming:
        appointment.inside_window = now > appointment.starts_at - window
    return {
        "requested": [a for a in live if a.status == S.REQUESTED],
        "open_requests": list(
            AvailabilityRequest.objects.filter(specialist=profile, status=AvailabilityRequest.Status.OPEN)
            .select_related("patient", "offering")
            .order_by("created_at")
        ),
        "open_proposals": list(
            Proposal.objects.filter(specialist=profile, status=Proposal.Status.OPEN)
            .select_related("patient", "offering")
            .prefetch_related(
                Prefetch("appointments", queryset=Appointment.objects.filter(status=S.PROPOSED).order_by("starts_at"))
            )
            .order_by("expires_at")
        ),
        "awaiting_payment": [a for a in live if a.status == S.AWAITING_PAYMENT],
        "upcoming": upcoming[:UPCOMING_SHOWN],
        "more_upcoming": len(upcoming) > UPCOMING_SHOWN,
        "past": past,
    }


# --- Proposing times --------------------------------------------------------------------


def proposal_suggestions(
    offering, *, zone_name: str, now: datetime, days_shown: int = 4, per_day: int = 8
) -> list[tuple[date, list[datetime]]]:
    """Free starts of `offering` in the specialist's hours over the next two
    weeks, by local day in `zone_name`: the quick picks beside a proposal."""
    if offering is None:
        return []
    zone = zoneinfo.ZoneInfo(zone_name)
    today = now.astimezone(zone).date()
    free = free_slots_for_offering(
        offering=offering, start_on=today, end_on=today + timedelta(days=SUGGESTION_DAYS), now=now
    )
    days = slots.group_by_local_day(free, zone)
    return [(day, starts[:per_day]) for day, starts in list(days.items())[:days_shown]]


def starts_taken(*, specialist, offering, starts: list[datetime]) -> list[datetime]:
    """Which of `starts` another booking of the specialist now overlaps."""
    length = timedelta(minutes=offering.duration_minutes)
    holding = Appointment.objects.filter(specialist=specialist, status__in=SLOT_HOLDING)
    return [start for start in starts if holding.filter(starts_at__lt=start + length, ends_at__gt=start).exists()]
