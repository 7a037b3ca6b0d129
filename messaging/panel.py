"""The care context beside a thread: the pair's next appointment and its
readiness, and for the specialist the patient's basics. A fixed number of
queries whatever the history of the pair."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from booking.models import Appointment
from booking.readiness import readiness_annotate
from booking.states import AppointmentStatus
from patients.selectors import intake_get_for_user, intake_summary
from specialists.models import Offering

from .models import Conversation

# Sessions that still lie ahead for the pair, booked or being arranged.
UPCOMING_STATUSES = (
    AppointmentStatus.CONFIRMED,
    AppointmentStatus.AWAITING_PAYMENT,
    AppointmentStatus.REQUESTED,
    AppointmentStatus.PROPOSED,
)


@dataclass
class Panel:
    appointment: Appointment | None
    patient: object
    specialist: object
    # The specialist's side only: the intake's "Care goals" answers.
    intake: object | None = None
    goals: list | None = None
    # The patient's side only: what "Book a follow-up" opens.
    follow_up_offering: Offering | None = None


def next_appointment(conversation: Conversation) -> Appointment | None:
    """The pair's next upcoming session, with its readiness set."""
    relationship = conversation.relationship
    appointment = (
        Appointment.objects.filter(
            patient_id=relationship.patient_id,
            specialist_id=relationship.specialist_id,
            status__in=UPCOMING_STATUSES,
            starts_at__gt=timezone.now(),
        )
        .select_related("specialist", "offering", "proposal")
        .order_by("starts_at", "pk")
        .first()
    )
    if appointment is not None:
        readiness_annotate([appointment])
    return appointment


def panel_for(conversation: Conversation, *, for_specialist: bool) -> Panel:
    """What the side panel shows to the patient or to the specialist.

    The intake is health data: the caller audits the read of `panel.intake`.
    """
    relationship = conversation.relationship
    panel = Panel(
        appointment=next_appointment(conversation),
        patient=relationship.patient,
        specialist=relationship.specialist,
    )
    if for_specialist:
        panel.intake = intake_get_for_user(relationship.patient)
        if panel.intake is not None:
            goals = next(section for section in intake_summary(panel.intake) if section.step == "goals")
            panel.goals = goals.items
    else:
        panel.follow_up_offering = (
            Offering.objects.filter(
                specialist_id=relationship.specialist_id,
                is_active=True,
                booking_mode=Offering.BookingMode.DIRECT,
            )
            .order_by("duration_minutes", "position", "pk")
            .first()
        )
    return panel
