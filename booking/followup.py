"""What follow-up to offer after a completed session.

The patient's home, appointments and thread offer "Book your next session";
the specialist's appointment page offers "Propose next session". Each
starts on the service of the pair's most recent completed session, and
each is offered only while it makes sense: the pair's care is active (not
ended), that service is still offered, and no session with that specialist
is already ahead (held, awaiting payment, booked or under way).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.db.models import Exists, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone

from . import selectors
from .models import Appointment
from .returns import book_url
from .selectors_patient import bookable_specialist_ids
from .states import AppointmentStatus

S = AppointmentStatus

# A session already ahead with the specialist, or a time asked for or
# offered and not answered yet: no prompt for another one.
AHEAD = (S.HELD, S.REQUESTED, S.PROPOSED, S.AWAITING_PAYMENT, S.CONFIRMED, S.IN_PROGRESS)
# Of those, the ones that lapse at `expires_at` and no longer count then.
LAPSING = (S.HELD, S.PROPOSED, S.AWAITING_PAYMENT)


@dataclass(frozen=True)
class FollowUp:
    """The next session to offer after `session`, the pair's most recent
    completed one: the same service with the same specialist."""

    session: Appointment

    @property
    def offering(self):
        return self.session.offering

    @property
    def specialist(self):
        return self.session.specialist

    @property
    def is_on_request(self) -> bool:
        return self.offering.booking_mode == self.offering.BookingMode.ON_REQUEST

    @property
    def book_url(self) -> str:
        """The patient's way in: the service's free times to book one, or,
        booked on request, to ask for one."""
        return book_url(self.offering)

    @property
    def propose_url(self) -> str:
        """The specialist's way in: the proposal form, patient and service chosen."""
        query = urlencode({"patient": self.session.patient.public_id, "offering": self.offering.public_id})
        return f"{reverse('booking:proposal-create')}?{query}"


def follow_ups_for_patient(
    *, patient, specialist=None, to_patient: bool = True, now: datetime | None = None
) -> dict[int, FollowUp]:
    """The follow-ups to offer for `patient` by specialist id (only with
    `specialist` when given), the most recent session first.

    `to_patient`: offered to the patient, so only with specialists they may
    book, or the link would end on a 404; the specialist proposing needs no
    such check. One query when nothing is on offer, at most five otherwise,
    however many sessions and specialists there are.
    """
    now = now or timezone.now()
    pair = {"patient_id": OuterRef("patient_id"), "specialist_id": OuterRef("specialist_id")}
    latest = Appointment.objects.filter(status=S.COMPLETED, **pair).order_by("-starts_at", "-pk").values("pk")[:1]
    ahead = Appointment.objects.filter(status__in=AHEAD, ends_at__gt=now, **pair).exclude(
        status__in=LAPSING, expires_at__lte=now
    )
    sessions = Appointment.objects.filter(
        patient=patient, status=S.COMPLETED, offering__is_active=True, pk=Subquery(latest)
    ).exclude(Exists(ahead))
    if specialist is not None:
        sessions = sessions.filter(specialist=specialist)
    sessions = list(sessions.select_related("patient", "specialist__user", "offering").order_by("-starts_at", "-pk"))
    if not sessions:
        return {}
    keep = selectors.specialist_ids_linked_to(patient=patient, specialists={s.specialist for s in sessions})
    if to_patient and keep:
        keep &= bookable_specialist_ids(patient=patient, specialist_ids=keep)
    return {session.specialist_id: FollowUp(session) for session in sessions if session.specialist_id in keep}


def follow_up_latest_for_patient(*, patient, now: datetime | None = None) -> FollowUp | None:
    """The patient home's prompt: the follow-up of the most recent session
    among those on offer."""
    return next(iter(follow_ups_for_patient(patient=patient, now=now).values()), None)


def _of_session(follow_ups: dict[int, FollowUp], appointment) -> FollowUp | None:
    follow_up = follow_ups.get(appointment.specialist_id)
    return follow_up if follow_up is not None and follow_up.session.pk == appointment.pk else None


def follow_up_for_appointment(*, appointment, to_patient: bool = True, now: datetime | None = None) -> FollowUp | None:
    """The follow-up to offer on `appointment`'s page: only on the session
    it follows, the pair's most recent completed one. No query for an
    appointment that is not completed."""
    if appointment.status != S.COMPLETED:
        return None
    follow_ups = follow_ups_for_patient(
        patient=appointment.patient, specialist=appointment.specialist, to_patient=to_patient, now=now
    )
    return _of_session(follow_ups, appointment)


def follow_up_annotate(appointments, *, patient, now: datetime | None = None) -> None:
    """Set `follow_up` on each of the patient's `appointments` (a list
    page): the follow-up on the session it follows, else None. A fixed
    number of queries, none when no appointment there is completed."""
    completed = any(appointment.status == S.COMPLETED for appointment in appointments)
    follow_ups = follow_ups_for_patient(patient=patient, now=now) if completed else {}
    for appointment in appointments:
        appointment.follow_up = _of_session(follow_ups, appointment)
