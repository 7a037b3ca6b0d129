"""The care context beside a thread: the pair's next appointment (or the
one under way, with the way into its video room) and its readiness, an open
proposal of times, for the patient the next session to book after a
completed one, and for the specialist the patient's basics. A fixed number
of queries whatever the history of the pair."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone

from booking.followup import FollowUp, follow_ups_for_patient
from booking.models import Appointment, Proposal
from booking.readiness import booking_blockers, readiness_annotate
from booking.states import AppointmentStatus
from care.models import CareRelationship
from core.returns import with_return
from patients.selectors import intake_get_for_user, intake_summary
from specialists.models import Offering

from .models import Conversation

# Sessions that still lie ahead for the pair, booked or waiting for the
# specialist or for payment. Proposed times show as their proposal.
UPCOMING_STATUSES = (
    AppointmentStatus.CONFIRMED,
    AppointmentStatus.AWAITING_PAYMENT,
    AppointmentStatus.REQUESTED,
)
# Sessions that may be going on now: their room stays open until their end.
CURRENT_STATUSES = (AppointmentStatus.CONFIRMED, AppointmentStatus.IN_PROGRESS)
# Sessions booked, under way or over: what a follow-up follows.
SESSION_STATUSES = (AppointmentStatus.CONFIRMED, AppointmentStatus.IN_PROGRESS, AppointmentStatus.COMPLETED)


@dataclass
class Panel:
    appointment: Appointment | None
    patient: object
    specialist: object
    # Times the specialist proposed that the patient has not answered yet,
    # newest proposal first, each with `options` (earliest first).
    proposals: list[Proposal] = field(default_factory=list)
    # The specialist's side only: the intake's "Care goals" answers.
    intake: object | None = None
    goals: list | None = None
    # The patient's side only: a time they picked with "Book a follow-up"
    # and have not confirmed yet, what is due before it can be, and the
    # guided flow that sees to that and comes back here.
    hold: Appointment | None = None
    hold_blockers: list = field(default_factory=list)
    hold_complete_url: str = ""
    # The patient's side only: after a completed session, the next one to
    # book (`booking.followup`), and where that starts: the times in this
    # panel for a service booked straight away, the booking page's request
    # of a time for one booked on request (this panel books only the former).
    follow_up: FollowUp | None = None
    follow_up_url: str = ""
    # When the pair's care ended: the panel then only looks back.
    ended_at: datetime | None = None


def next_appointment(conversation: Conversation) -> Appointment | None:
    """The pair's session going on now, else their next upcoming one, with
    its readiness set."""
    relationship = conversation.relationship
    now = timezone.now()
    appointment = (
        Appointment.objects.filter(
            Q(status__in=UPCOMING_STATUSES, starts_at__gt=now) | Q(status__in=CURRENT_STATUSES, ends_at__gt=now),
            patient_id=relationship.patient_id,
            specialist_id=relationship.specialist_id,
        )
        .select_related("patient", "specialist__organization", "offering", "proposal")
        .order_by("starts_at", "pk")
        .first()
    )
    if appointment is not None:
        readiness_annotate([appointment])
    return appointment


def open_proposals(conversation: Conversation, *, now=None) -> list[Proposal]:
    """The pair's proposals still waiting for an answer, newest first."""
    relationship = conversation.relationship
    options = Appointment.objects.filter(status=AppointmentStatus.PROPOSED).order_by("starts_at", "pk")
    return list(
        Proposal.objects.filter(
            patient_id=relationship.patient_id,
            specialist_id=relationship.specialist_id,
            status=Proposal.Status.OPEN,
            expires_at__gt=now or timezone.now(),
        )
        .select_related("offering")
        .prefetch_related(Prefetch("appointments", queryset=options, to_attr="options"))
        .order_by("-created_at", "-pk")
    )


def held_by_patient(conversation: Conversation, *, now=None) -> Appointment | None:
    """A time the patient holds with this specialist, not yet confirmed."""
    relationship = conversation.relationship
    return (
        Appointment.objects.filter(
            patient_id=relationship.patient_id,
            specialist_id=relationship.specialist_id,
            status=AppointmentStatus.HELD,
            expires_at__gt=now or timezone.now(),
        )
        .select_related("offering")
        .order_by("-created_at", "-pk")
        .first()
    )


def follow_up_url(conversation: Conversation, *, hold: Appointment | None = None, offering=None) -> str:
    """ "Book a follow-up" in the thread: with a hold, the way back to
    confirming it; with an offering, its times."""
    url = reverse("messaging:patient-book", args=[conversation.public_id])
    if hold is not None:
        return f"{url}?{urlencode({'hold': hold.public_id})}"
    if offering is not None:
        return f"{url}?{urlencode({'offering': offering.public_id})}"
    return url


def complete_first_url(conversation: Conversation, **target) -> str:
    """The guided consents flow, coming back to `follow_up_url(**target)`."""
    return with_return(reverse("consents:flow"), follow_up_url(conversation, **target))


def follow_up_offerings(conversation: Conversation) -> list[Offering]:
    """The specialist's services the patient can book straight away, the
    shortest first (a follow-up is usually the standard session)."""
    return list(
        Offering.objects.filter(
            specialist_id=conversation.relationship.specialist_id,
            is_active=True,
            booking_mode=Offering.BookingMode.DIRECT,
        ).order_by("duration_minutes", "position", "pk")
    )


def follow_up_default(conversation: Conversation, offerings: list[Offering]) -> Offering | None:
    """The service "Book a follow-up" starts on, among `offerings`: the one
    of the pair's most recent session, else the first (the shortest).

    Right after a first session, a service of the same length the pair has
    not had yet comes first: that session was most likely an introduction
    ("Initial consultation") and the other its follow-up ("Follow-up
    session"). One query.
    """
    relationship = conversation.relationship
    recent = list(
        Appointment.objects.filter(
            patient_id=relationship.patient_id,
            specialist_id=relationship.specialist_id,
            status__in=SESSION_STATUSES,
        )
        .order_by("-starts_at", "-pk")
        .values_list("offering_id", flat=True)[:2]
    )
    by_id = {offering.pk: offering for offering in offerings}
    latest = by_id.get(recent[0]) if recent else None
    if latest is not None and len(recent) == 1:
        sibling = next(
            (o for o in offerings if o.pk != latest.pk and o.duration_minutes == latest.duration_minutes), None
        )
        return sibling or latest
    return latest or (offerings[0] if offerings else None)


def panel_for(conversation: Conversation, *, for_specialist: bool) -> Panel:
    """What the side panel shows to the patient or to the specialist.

    The intake is health data: the caller audits the read of `panel.intake`.
    Once care ended nothing is arranged here and the specialist no longer
    sees the intake: only the session still booked, if any, is shown.
    """
    relationship = conversation.relationship
    if relationship.status == CareRelationship.Status.ENDED:
        return Panel(
            appointment=next_appointment(conversation),
            patient=relationship.patient,
            specialist=relationship.specialist,
            ended_at=relationship.ended_at,
        )
    panel = Panel(
        appointment=next_appointment(conversation),
        patient=relationship.patient,
        specialist=relationship.specialist,
        proposals=open_proposals(conversation),
    )
    if for_specialist:
        panel.intake = intake_get_for_user(relationship.patient)
        if panel.intake is not None:
            goals = next(section for section in intake_summary(panel.intake) if section.step == "goals")
            panel.goals = goals.items
    else:
        panel.hold = held_by_patient(conversation)
        if panel.hold is not None:
            panel.hold_blockers = booking_blockers(patient=relationship.patient, offering=panel.hold.offering)
            panel.hold_complete_url = complete_first_url(conversation, hold=panel.hold)
        follow_ups = follow_ups_for_patient(patient=relationship.patient, specialist=relationship.specialist)
        panel.follow_up = follow_ups.get(relationship.specialist_id)
        if panel.follow_up is not None:
            panel.follow_up_url = (
                panel.follow_up.book_url
                if panel.follow_up.is_on_request
                else follow_up_url(conversation, offering=panel.follow_up.offering)
            )
    return panel
