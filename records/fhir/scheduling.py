"""Schedule, Slot, Appointment and Encounter."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from booking.models import Appointment
from booking.selectors import slot_inputs_for_specialists
from booking.states import AppointmentStatus as S
from specialists.models import Offering, SpecialistProfile
from video.models import VideoParticipation, VideoSession

from .common import base, instant, prune, ref

# How far ahead Slot resources reach.
SLOT_WEEKS = 4
# Specialists whose free times are worked out together.
SLOT_BATCH = 100

# Our lifecycle → FHIR R4 AppointmentStatus (http://hl7.org/fhir/appointmentstatus).
APPOINTMENT_STATUS: dict[S, str] = {
    # A few minutes' hold while the patient confirms: not final for anyone yet.
    S.HELD: "pending",
    # Asked for by the patient, not yet answered by the specialist.
    S.REQUESTED: "proposed",
    # Offered by the specialist, not yet answered by the patient.
    S.PROPOSED: "proposed",
    # Agreed, waiting for payment before it is booked.
    S.AWAITING_PAYMENT: "pending",
    S.CONFIRMED: "booked",
    # The room is open and the session under way; the Encounter tells the rest.
    S.IN_PROGRESS: "arrived",
    S.COMPLETED: "fulfilled",
    S.CANCELLED: "cancelled",
    # FHIR has no "declined": cancelled, with the declining side's
    # participant status "declined".
    S.DECLINED: "cancelled",
    # Nobody answered or paid in time.
    S.EXPIRED: "cancelled",
    S.NO_SHOW: "noshow",
}

# (patient, specialist) participant status (http://hl7.org/fhir/participationstatus).
_PARTICIPATION: dict[S, tuple[str, str]] = {
    S.HELD: ("tentative", "accepted"),
    S.REQUESTED: ("accepted", "needs-action"),
    S.PROPOSED: ("needs-action", "accepted"),
    S.AWAITING_PAYMENT: ("accepted", "accepted"),
    S.CONFIRMED: ("accepted", "accepted"),
    S.IN_PROGRESS: ("accepted", "accepted"),
    S.COMPLETED: ("accepted", "accepted"),
    S.CANCELLED: ("accepted", "accepted"),
    S.DECLINED: ("accepted", "declined"),
    S.EXPIRED: ("needs-action", "needs-action"),
    S.NO_SHOW: ("accepted", "accepted"),
}


def participation(appointment) -> tuple[str, str]:
    patient, specialist = _PARTICIPATION[appointment.status]
    if appointment.status == S.DECLINED and appointment.proposal_id:
        # A proposal is declined by the patient, a request by the specialist.
        return "declined", "accepted"
    return patient, specialist


# --- Schedule and Slot --------------------------------------------------------


def schedule_rows(organization) -> QuerySet[SpecialistProfile]:
    return (
        SpecialistProfile.objects.filter(organization=organization)
        .prefetch_related(Prefetch("offerings", queryset=Offering.objects.filter(is_active=True)))
        .order_by("pk")
    )


def schedule_resource(profile, *, with_text=False) -> dict:
    now = timezone.now()
    return prune(
        {
            **base("Schedule", profile),
            "active": profile.status == SpecialistProfile.Status.APPROVED,
            "serviceType": [{"text": offering.name} for offering in profile.offerings.all()],
            "actor": [ref("Practitioner", profile.public_id), ref("PractitionerRole", profile.public_id)],
            "planningHorizon": {"start": instant(now), "end": instant(now + timedelta(weeks=SLOT_WEEKS))},
        }
    )


@dataclass(frozen=True)
class FreeSlot:
    """One free start of one offering: not a row, computed on demand. Its
    id is derived from the offering and the start, so it is the same in
    every export until the time is taken."""

    public_id: uuid.UUID
    schedule_id: uuid.UUID
    service: str
    starts_at: datetime
    ends_at: datetime
    computed_at: datetime


def slot_rows(organization) -> Iterator[FreeSlot]:
    """The free bookable times of the organization's approved specialists
    over the next `SLOT_WEEKS` weeks, from booking's slot engine, yielded
    `SLOT_BATCH` specialists at a time: a clinic's month of free times runs
    to hundreds of thousands, so they are never all held at once (a fixed
    number of queries per batch)."""
    now = timezone.now()
    until = now + timedelta(weeks=SLOT_WEEKS)
    offerings = list(
        Offering.objects.filter(
            specialist__organization=organization,
            specialist__status=SpecialistProfile.Status.APPROVED,
            is_active=True,
            booking_mode=Offering.BookingMode.DIRECT,
        )
        .select_related("specialist")
        .order_by("specialist_id", "position", "pk")
    )
    # A day more on each side: the engine takes the specialists' local dates.
    start_on, end_on = now.date() - timedelta(days=1), until.date() + timedelta(days=1)
    specialist_ids = list(dict.fromkeys(offering.specialist_id for offering in offerings))
    for first in range(0, len(specialist_ids), SLOT_BATCH):
        batch = set(specialist_ids[first : first + SLOT_BATCH])
        inputs = slot_inputs_for_specialists(specialist_ids=batch, start_on=start_on, end_on=end_on)
        for offering in (offering for offering in offerings if offering.specialist_id in batch):
            starts = inputs[offering.specialist_id].free_slots(
                duration_minutes=offering.duration_minutes, start_on=start_on, end_on=end_on, now=now
            )
            length = timedelta(minutes=offering.duration_minutes)
            for start in starts:
                if start < until:
                    yield FreeSlot(
                        public_id=uuid.uuid5(offering.public_id, start.isoformat()),
                        schedule_id=offering.specialist.public_id,
                        service=offering.name,
                        starts_at=start,
                        ends_at=start + length,
                        computed_at=now,
                    )


def slot_resource(slot: FreeSlot, *, with_text=False) -> dict:
    return {
        **base("Slot", slot, last_updated=slot.computed_at),
        "schedule": ref("Schedule", slot.schedule_id),
        "status": "free",
        "serviceType": [{"text": slot.service}],
        "start": instant(slot.starts_at),
        "end": instant(slot.ends_at),
    }


# --- Appointment --------------------------------------------------------------


def _appointments() -> QuerySet[Appointment]:
    return Appointment.objects.select_related("patient", "specialist", "offering").order_by("pk")


def appointment_rows(organization) -> QuerySet[Appointment]:
    return _appointments().filter(specialist__organization=organization)


def appointment_rows_for_patient(user) -> QuerySet[Appointment]:
    return _appointments().filter(patient=user)


def appointment_resource(appointment, *, with_text=False) -> dict:
    patient_status, specialist_status = participation(appointment)
    cancelled = APPOINTMENT_STATUS[appointment.status] == "cancelled"
    return prune(
        {
            **base("Appointment", appointment),
            "status": APPOINTMENT_STATUS[appointment.status],
            "cancelationReason": (
                {"text": appointment.cancellation_reason} if cancelled and appointment.cancellation_reason else None
            ),
            "serviceType": [{"text": appointment.offering.name}],
            "start": instant(appointment.starts_at),
            "end": instant(appointment.ends_at),
            "minutesDuration": int((appointment.ends_at - appointment.starts_at).total_seconds() // 60),
            "created": instant(appointment.created_at),
            "participant": [
                {
                    "actor": ref("Patient", appointment.patient.public_id),
                    "required": "required",
                    "status": patient_status,
                },
                {
                    "actor": ref("Practitioner", appointment.specialist.public_id),
                    "required": "required",
                    "status": specialist_status,
                },
            ],
        }
    )


# --- Encounter ----------------------------------------------------------------

ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"


def _encounters() -> QuerySet[VideoSession]:
    # Only a session both sides were in was held; a room nobody met in is
    # not an encounter.
    return (
        VideoSession.objects.filter(started_at__isnull=False)
        .select_related("appointment__patient", "appointment__specialist__organization")
        .prefetch_related(Prefetch("participations", queryset=VideoParticipation.objects.order_by("joined_at", "id")))
        .order_by("pk")
    )


def encounter_rows(organization) -> QuerySet[VideoSession]:
    return _encounters().filter(appointment__specialist__organization=organization)


def encounter_rows_for_patient(user) -> QuerySet[VideoSession]:
    return _encounters().filter(appointment__patient=user)


def _stay(session, role: str) -> dict:
    """From someone's first join to their last leave (open while still in)."""
    stays = [stay for stay in session.participations.all() if stay.role == role]
    if not stays:
        return {}
    left = [stay.left_at for stay in stays]
    return prune({"start": instant(stays[0].joined_at), "end": None if None in left else instant(max(left))})


def encounter_resource(session, *, with_text=False) -> dict:
    appointment = session.appointment
    return prune(
        {
            **base("Encounter", session),
            "status": "finished" if session.ended_at else "in-progress",
            "class": {"system": ACT_CODE, "code": "VR", "display": "virtual"},
            "subject": ref("Patient", appointment.patient.public_id),
            "participant": [
                prune(
                    {
                        "individual": ref("Practitioner", appointment.specialist.public_id),
                        "period": _stay(session, VideoParticipation.Role.SPECIALIST),
                    }
                )
            ],
            "appointment": [ref("Appointment", appointment.public_id)],
            "period": prune({"start": instant(session.started_at), "end": instant(session.ended_at)}),
            "serviceProvider": ref("Organization", appointment.specialist.organization.public_id),
        }
    )
