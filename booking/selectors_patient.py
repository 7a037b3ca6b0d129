"""Reads behind the patient's booking pages: what a patient may book, the
free times of one offering as pages of days in the patient's zone, and the
patient's own appointments and proposals.

Every lookup is narrowed to the patient first, so another person's object
is a 404 (`core.selectors.get_for_user`), never a 403.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from core.selectors import get_for_user
from organizations.models import Membership
from organizations.selectors import program_roster_user_ids_for_patient
from specialists.models import Offering, SpecialistProfile

from . import selectors, slots
from .models import Appointment, AppointmentEvent, AvailabilityRequest, Proposal
from .states import AppointmentStatus

S = AppointmentStatus

DAYS_PER_PAGE = 7
PAST_LIMIT = 20

# Live appointments: the ones a patient still expects something from.
LIVE = (S.HELD, S.REQUESTED, S.AWAITING_PAYMENT, S.CONFIRMED, S.IN_PROGRESS)
# What the "Upcoming" list shows (holds and proposals wait for an answer instead).
UPCOMING_LIST = (S.REQUESTED, S.AWAITING_PAYMENT, S.CONFIRMED, S.IN_PROGRESS)
# An appointment that reached one of these was agreed or asked for; the
# others (a released hold, a proposed time not taken) are not history
# worth listing.
AGREED_OR_ASKED = (S.REQUESTED, S.AWAITING_PAYMENT, S.CONFIRMED)


# --- Who may be booked -------------------------------------------------------------


def _visible_specialists(*, viewer) -> QuerySet[SpecialistProfile]:
    """Specialists whose public profile `viewer` may see: the directory's
    rule (approved, active user, active specialist membership, the viewer's
    program rosters), repeated here because booking sits below discovery."""
    active_membership = Membership.objects.filter(
        user_id=OuterRef("user_id"),
        organization_id=OuterRef("organization_id"),
        role=Membership.Role.SPECIALIST,
        is_active=True,
    )
    profiles = SpecialistProfile.objects.filter(
        Exists(active_membership), status=SpecialistProfile.Status.APPROVED, user__is_active=True
    )
    roster = program_roster_user_ids_for_patient(user=viewer)
    if roster is not None:
        profiles = profiles.filter(user_id__in=roster)
    return profiles


def _may_book(*, patient, specialist: SpecialistProfile) -> bool:
    """A specialist who is not taking new patients still sees their own."""
    if specialist.accepting_new_patients:
        return True
    return selectors.patients_of_specialist(specialist).filter(pk=patient.pk).exists()


def bookable_offering_get(*, patient, public_id) -> Offering:
    """An active offering of a specialist `patient` may book, else 404."""
    queryset = Offering.objects.select_related("specialist__user", "specialist__organization").filter(
        is_active=True, specialist__in=_visible_specialists(viewer=patient)
    )
    offering = get_for_user(queryset, public_id)
    if not _may_book(patient=patient, specialist=offering.specialist):
        raise Http404
    return offering


def bookable_specialist_get(*, patient, slug: str) -> SpecialistProfile:
    """A specialist `patient` may ask for times, with their active offerings
    prefetched; else 404."""
    profile = (
        _visible_specialists(viewer=patient)
        .select_related("user", "organization")
        .prefetch_related(
            Prefetch("offerings", queryset=Offering.objects.filter(is_active=True).order_by("position", "price_minor"))
        )
        .filter(slug=slug)
        .first()
    )
    if profile is None or not _may_book(patient=patient, specialist=profile):
        raise Http404
    return profile


def bookable_specialist_ids(*, patient, specialist_ids) -> set[int]:
    """Which of `specialist_ids` `patient` may book again: their profile is
    visible to the patient (`bookable_offering_get`'s rule for someone
    who has booked them before). Two queries, three within a program."""
    profiles = _visible_specialists(viewer=patient).filter(pk__in=specialist_ids)
    return set(profiles.values_list("pk", flat=True))


def bookable_specialist_name(*, offering_public_id=None, slug: str | None = None) -> str:
    """The public name of the specialist behind a booking address (an
    offering's id or a profile's slug), "" when nobody may book them: the
    sign-in page tells a visitor sent there from "Book" whom they are about
    to book. Only public profiles are named."""
    profiles = _visible_specialists(viewer=AnonymousUser())
    if offering_public_id is not None:
        profiles = profiles.filter(offerings__public_id=offering_public_id, offerings__is_active=True)
    elif slug is not None:
        profiles = profiles.filter(slug=slug)
    else:
        return ""
    return profiles.values_list("display_name", flat=True).first() or ""


# --- Free times as pages of days -----------------------------------------------------


@dataclass(frozen=True)
class SlotTime:
    at: datetime  # aware, in the viewer's zone
    value: str  # the UTC instant as ISO 8601: what the form posts
    is_current: bool = False  # the appointment's own time, when rescheduling


@dataclass(frozen=True)
class SlotDay:
    on: date
    times: list[SlotTime]


@dataclass
class SlotPage:
    """`DAYS_PER_PAGE` local days of the viewer from `start_on`, with the
    first day of the pages before and after (None: nothing free there)."""

    start_on: date
    days: list[SlotDay] = field(default_factory=list)
    earlier_on: date | None = None
    later_on: date | None = None
    has_any: bool = False  # anything free within the whole horizon


def slot_time(moment: datetime, zone, *, current: datetime | None = None) -> SlotTime:
    local = moment.astimezone(zone)
    instant = moment.astimezone(UTC)
    return SlotTime(at=local, value=instant.isoformat(), is_current=current is not None and instant == current)


def slot_page_for_offering(
    *,
    offering: Offering,
    viewer_zone: str,
    from_on: date | None = None,
    now: datetime | None = None,
    ignoring: Appointment | None = None,
) -> SlotPage:
    """The free times of `offering` for a page of days in `viewer_zone`.

    Without `from_on` the page starts at the first day with a free time.
    The whole horizon is computed once (the slot engine's four queries),
    so the earlier/later links can jump over empty weeks. `ignoring`: the
    appointment being moved, whose own time counts as free and is marked.
    """
    now = now or timezone.now()
    zone = zoneinfo.ZoneInfo(viewer_zone)
    settings = selectors.booking_settings_for(offering.specialist)
    today = now.astimezone(zone).date()
    last_on = (now + timedelta(days=settings.horizon_days)).astimezone(zone).date()
    # The specialist's local dates may be a day either side of the viewer's.
    free = selectors.free_slots_for_offering(
        offering=offering,
        start_on=today - timedelta(days=1),
        end_on=last_on + timedelta(days=1),
        now=now,
        ignoring=ignoring,
    )
    by_day = slots.group_by_local_day(free, zone)
    free_days = sorted(by_day)
    if from_on is None:
        start_on = free_days[0] if free_days else today
    else:
        start_on = min(max(from_on, today), last_on)
    end_on = start_on + timedelta(days=DAYS_PER_PAGE - 1)
    current = ignoring.starts_at.astimezone(UTC) if ignoring is not None else None
    page = SlotPage(start_on=start_on, has_any=bool(free_days))
    day = start_on
    while day <= min(end_on, last_on):
        page.days.append(SlotDay(on=day, times=[slot_time(m, zone, current=current) for m in by_day.get(day, [])]))
        day += timedelta(days=1)
    before = [d for d in free_days if d < start_on]
    if before:
        # A page that ends with the last free day before this one.
        page.earlier_on = next(d for d in free_days if d >= before[-1] - timedelta(days=DAYS_PER_PAGE - 1))
    page.later_on = next((d for d in free_days if d > end_on), None)
    return page


def nearest_slot_times(*, offering: Offering, around: datetime, viewer_zone: str, ignoring=None) -> list[SlotTime]:
    """The free times nearest to one that was just taken, for the viewer."""
    zone = zoneinfo.ZoneInfo(viewer_zone)
    nearest = selectors.nearest_free_slots(offering=offering, around=around)
    if ignoring is not None:
        nearest = [moment for moment in nearest if moment != ignoring.starts_at]
    return [slot_time(moment, zone) for moment in nearest]


def times_after_lapsed_hold(*, hold: Appointment, viewer_zone: str) -> list[SlotTime]:
    """The free times nearest to a hold that ran out, its own time among
    them if nobody took it meanwhile (picking it again releases the lapsed
    hold first)."""
    zone = zoneinfo.ZoneInfo(viewer_zone)
    nearest = selectors.nearest_free_slots(offering=hold.offering, around=hold.starts_at, ignoring=hold)
    return [slot_time(moment, zone) for moment in nearest]


def hold_has_lapsed(appointment: Appointment, events, now: datetime) -> bool:
    """A hold that ran out: still HELD past its time (the sweep comes every
    minute), or expired from HELD (`events`: its history, oldest first)."""
    if appointment.status == S.HELD:
        return appointment.expires_at is not None and appointment.expires_at <= now
    return appointment.status == S.EXPIRED and bool(events) and events[-1].from_status == S.HELD


# --- The patient's own appointments and proposals -----------------------------------


def _appointments_of(patient) -> QuerySet[Appointment]:
    return Appointment.objects.filter(patient=patient).select_related(
        "specialist", "specialist__user", "specialist__organization", "offering", "proposal"
    )


def appointment_get_for_patient(*, patient, public_id) -> Appointment:
    """One of `patient`'s own appointments, else 404."""
    return get_for_user(_appointments_of(patient), public_id)


def appointment_events_for_patient(*, appointment: Appointment) -> list[AppointmentEvent]:
    """The appointment's history, oldest first, with who acted."""
    return list(appointment.events.select_related("actor").order_by("at", "id"))


def proposal_get_for_patient(*, patient, public_id) -> Proposal:
    """One of `patient`'s own proposals with its times, else 404."""
    queryset = (
        Proposal.objects.filter(patient=patient)
        .select_related("specialist", "specialist__user", "offering")
        .prefetch_related(Prefetch("appointments", queryset=Appointment.objects.order_by("starts_at")))
    )
    return get_for_user(queryset, public_id)


@dataclass
class PatientAppointments:
    proposals: list[Proposal]  # open, each with `open_options`
    payments_due: list[Appointment]
    holds: list[Appointment]
    upcoming: list[Appointment]
    past: list[Appointment]
    requests: list[AvailabilityRequest]  # open requests for other times

    @property
    def waiting_count(self) -> int:
        return len(self.proposals) + len(self.payments_due) + len(self.holds)

    @property
    def is_empty(self) -> bool:
        return not (self.waiting_count or self.upcoming or self.past or self.requests)


def appointment_sections_for_patient(*, patient, now: datetime | None = None) -> PatientAppointments:
    """Everything the patient's appointments page lists, in five queries
    whatever the numbers: live appointments, the last `PAST_LIMIT` past or
    called-off ones, open proposals and their times, open requests."""
    now = now or timezone.now()
    live = list(
        _appointments_of(patient)
        .filter(status__in=LIVE, ends_at__gt=now)
        .exclude(status__in=[S.HELD, S.AWAITING_PAYMENT], expires_at__lte=now)
        .order_by("starts_at")
    )
    agreed = AppointmentEvent.objects.filter(appointment_id=OuterRef("pk"), to_status__in=AGREED_OR_ASKED)
    past = list(
        _appointments_of(patient)
        .filter(Exists(agreed))
        .filter(Q(ends_at__lte=now) | ~Q(status__in=LIVE))
        .order_by("-starts_at")[:PAST_LIMIT]
    )
    proposals = list(
        Proposal.objects.filter(patient=patient, status=Proposal.Status.OPEN, expires_at__gt=now)
        .select_related("specialist", "offering")
        .prefetch_related(
            Prefetch(
                "appointments",
                queryset=Appointment.objects.filter(status=S.PROPOSED).order_by("starts_at"),
                to_attr="open_options",
            )
        )
        .order_by("expires_at")
    )
    requests = list(
        AvailabilityRequest.objects.filter(patient=patient, status=AvailabilityRequest.Status.OPEN)
        .select_related("specialist")
        .order_by("-created_at")
    )
    return PatientAppointments(
        proposals=[proposal for proposal in proposals if proposal.open_options],
        payments_due=[a for a in live if a.status == S.AWAITING_PAYMENT],
        holds=[a for a in live if a.status == S.HELD],
        upcoming=[a for a in live if a.status in UPCOMING_LIST],
        past=past,
        requests=requests,
    )


@dataclass(frozen=True)
class PatientNextItems:
    """What the patient's home says about their bookings (each or None)."""

    hold: Appointment | None  # a time held and not confirmed yet
    proposal: Proposal | None  # the open proposal answering soonest
    payment: Appointment | None  # the payment due soonest
    requested: Appointment | None  # the soonest time asked for, not answered yet
    session: Appointment | None  # the next booked session
    asked: AvailabilityRequest | None  # the latest ask for other times, open


def patient_next_items(*, patient, now: datetime | None = None) -> PatientNextItems:
    """For the patient's home, in four queries."""
    now = now or timezone.now()
    hold = _appointments_of(patient).filter(status=S.HELD, expires_at__gt=now).order_by("-created_at").first()
    proposal = (
        Proposal.objects.filter(
            patient=patient,
            status=Proposal.Status.OPEN,
            expires_at__gt=now,
            appointments__status=S.PROPOSED,
        )
        .select_related("specialist")
        .order_by("expires_at")
        .first()
    )
    upcoming = list(
        _appointments_of(patient)
        .filter(
            Q(status=S.AWAITING_PAYMENT, expires_at__gt=now)
            | Q(status=S.REQUESTED, starts_at__gt=now)
            | Q(status__in=[S.CONFIRMED, S.IN_PROGRESS]),
            ends_at__gt=now,
        )
        .order_by("starts_at")[:10]
    )
    asked = (
        AvailabilityRequest.objects.filter(patient=patient, status=AvailabilityRequest.Status.OPEN)
        .select_related("specialist")
        .order_by("-created_at")
        .first()
    )
    return PatientNextItems(
        hold=hold,
        proposal=proposal,
        payment=min((a for a in upcoming if a.status == S.AWAITING_PAYMENT), key=lambda a: a.expires_at, default=None),
        requested=next((a for a in upcoming if a.status == S.REQUESTED), None),
        session=next((a for a in upcoming if a.status in (S.CONFIRMED, S.IN_PROGRESS)), None),
        asked=asked,
    )


def patient_has_booking_under_way(*, patient, now: datetime | None = None) -> bool:
    """Whether the patient has anything going with a specialist: a live
    appointment (held, asked for, reserved, booked), an open proposal or an
    open ask for times. One query. The home then stops suggesting to find
    a specialist, even before a first session starts a care relationship."""
    now = now or timezone.now()
    live = (
        Appointment.objects.filter(patient=patient, status__in=LIVE, ends_at__gt=now)
        .exclude(status__in=[S.HELD, S.AWAITING_PAYMENT], expires_at__lte=now)
        .exclude(status=S.REQUESTED, starts_at__lte=now)
    )
    proposals = Proposal.objects.filter(patient=patient, status=Proposal.Status.OPEN, expires_at__gt=now)
    asks = AvailabilityRequest.objects.filter(patient=patient, status=AvailabilityRequest.Status.OPEN)
    return (
        get_user_model().objects.filter(pk=patient.pk).filter(Exists(live) | Exists(proposals) | Exists(asks)).exists()
    )


def cancellation_policy_text(specialist) -> str:
    """The specialist's cancellation window in words, for booking pages."""
    hours = selectors.cancellation_window_hours(specialist)
    if hours == 0:
        return gettext("Free cancellation up to the start; cancellations are never flagged as late.")
    return ngettext(
        "Free cancellation up to %(hours)d hour before; later cancellations are flagged as late.",
        "Free cancellation up to %(hours)d hours before; later cancellations are flagged as late.",
        hours,
    ) % {"hours": hours}
