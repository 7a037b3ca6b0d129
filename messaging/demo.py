"""Demo conversations: the demo specialist with each demo patient in his
care, so both inboxes have threads with history, notices and unread
messages, and two follow-up times the specialist proposed to the demo
patient from the thread (its panel offers them).

What people write agrees with the seeded bookings: a day they name is their
booked session's day in the patient's zone, and a patient without a booked
session gets a thread that says nothing about sessions. Each thread is
spread over the last day or two, every message at an hour its writer is
plausibly awake in their own zone (the specialist on weekdays, in working
hours). Dates are relative to the moment of seeding. Idempotent: skipped
once a demo thread has human messages.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import formats, timezone

from booking.models import Appointment, Proposal
from booking.selectors_specialist import proposal_suggestions
from booking.services import proposal_create
from booking.states import AppointmentStatus
from care.models import CareRelationship
from core.timeutils import to_zone
from specialists.models import Offering

from .models import Conversation, Message
from .services import conversation_mark_read, conversation_open, message_post

SAM = "specialist@demo.daraport.test"
ALEX = "patient@demo.daraport.test"
PRIYA = "priya.natarajan@patients.demo.daraport.test"
DEMO_DOMAIN = "demo.daraport.test"
# (who, text) per patient with a booked session; "{day}" is its day in the
# patient's zone ("Thursday 10 December").
BOOKED = {
    ALEX: [
        ("patient", "Hi Dr. Okafor, I booked the follow-up for {day}. Could we start with how I have been sleeping?"),
        ("specialist", "Hi Alex, yes, let's start there. A few notes on your nights until then would help."),
        ("specialist", "Before then, could you sign the treatment consent and finish the questionnaire?"),
        ("patient", "Will do tonight. Thanks!"),
    ],
    PRIYA: [
        ("patient", "Sorry for moving our first session, a work trip came up."),
        ("specialist", "No problem at all, {day} works well. See you then."),
        ("patient", "I filled in the forms. Is there anything else I should prepare?"),
    ],
}
# Anyone else in his care, or one of the above whose session is gone.
UNBOOKED = [
    ("patient", "Hello Dr. Okafor, thank you for taking me on."),
    ("specialist", "Welcome! Write here whenever something is on your mind; I usually answer within a day."),
]
# (from, until, weekdays) of the local hours a message may carry.
PATIENT_HOURS = (time(8), time(22), range(7))
SPECIALIST_HOURS = (time(8, 30), time(19), range(5))
# Minutes between a message and the one before it, in turn.
GAPS = [40, 150, 75, 300, 55, 200]


def seed() -> list[str]:
    User = get_user_model()
    sam = User.objects.filter(email=SAM).first()
    if sam is None:
        return ["skipped: the demo specialist is missing"]
    if Message.objects.filter(conversation__relationship__specialist__user=sam, kind=Message.Kind.TEXT).exists():
        return ["already there"]
    relationships = CareRelationship.objects.filter(
        specialist__user=sam, status=CareRelationship.Status.ACTIVE, patient__email__endswith=DEMO_DOMAIN
    ).select_related("patient", "specialist")
    threads = 0
    for relationship in relationships.order_by("created_at", "pk"):
        conversation = conversation_open(relationship=relationship)
        patient = relationship.patient
        for who, text in _lines(relationship):
            message_post(conversation=conversation, author=patient if who == "patient" else sam, text=text)
        threads += 1
    lines = [
        f"{threads} conversations with {SAM}; the newest messages wait for the specialist at /specialist/messages/"
    ]
    if _propose_follow_up(sam, User.objects.filter(email=ALEX).first()):
        lines.append(f"{ALEX}: two follow-up times proposed in the thread, to take from its side panel")
    # The notices of what the seeds did are posted as their transactions
    # commit (messaging.notices): date the threads once they are all in.
    transaction.on_commit(lambda: _spread(sam))
    return lines


def _lines(relationship: CareRelationship) -> list[tuple[str, str]]:
    patient = relationship.patient
    session = (
        Appointment.objects.filter(
            patient=patient,
            specialist=relationship.specialist,
            status=AppointmentStatus.CONFIRMED,
            # Not the session starting as the demo starts (booking/demo.py):
            # the thread speaks of the one booked days ago.
            starts_at__gt=timezone.now() + timedelta(hours=1),
        )
        .order_by("starts_at")
        .first()
    )
    if session is None or patient.email not in BOOKED:
        return UNBOOKED
    day = formats.date_format(to_zone(session.starts_at, patient.timezone), "l j F")
    return [(who, text.format(day=day)) for who, text in BOOKED[patient.email]]


def _awake(moment: datetime, *, zone: str, hours) -> datetime:
    """The latest instant at or before `moment` within `hours` in `zone`."""
    start, until, weekdays = hours
    tz = ZoneInfo(zone or "UTC")
    local = moment.astimezone(tz)
    while not (local.weekday() in weekdays and start <= local.time() < until):
        day = local.date() if local.weekday() in weekdays and local.time() >= until else local.date() - timedelta(1)
        local = datetime.combine(day, until, tzinfo=tz) - timedelta(minutes=13)
    return local.astimezone(UTC)


def _spread(sam) -> None:
    """Date each demo thread back from now, in its order, each message at an
    hour its writer is awake; the newest stays unread for whoever did not
    write it."""
    now = timezone.now()
    for conversation in Conversation.objects.filter(relationship__specialist__user=sam).select_related(
        "relationship__patient"
    ):
        patient = conversation.relationship.patient
        messages = list(conversation.messages.select_related("author").order_by("created_at", "id"))
        moment = now - timedelta(minutes=10)
        for index, message in enumerate(reversed(messages)):
            writer = message.author or patient
            hours = SPECIALIST_HOURS if writer.pk == sam.pk else PATIENT_HOURS
            message.created_at = _awake(moment, zone=writer.timezone, hours=hours)
            Message.objects.filter(pk=message.pk).update(created_at=message.created_at)
            moment = message.created_at - timedelta(minutes=GAPS[index % len(GAPS)])
        if not messages:
            continue
        newest = messages[-1]
        Conversation.objects.filter(pk=conversation.pk).update(last_message_at=newest.created_at)
        before = messages[-2].created_at if len(messages) > 1 else newest.created_at - timedelta(minutes=1)
        for user in (patient, sam):
            up_to = newest.created_at if newest.author_id == user.pk else before
            conversation_mark_read(conversation=conversation, user=user, up_to=up_to)


def _propose_follow_up(sam, alex) -> bool:
    """Sam offers Alex two free times of his shortest service, as the
    thread's "Propose times" does (the notice lands in the thread)."""
    offering = Offering.objects.filter(specialist__user=sam, is_active=True).order_by("duration_minutes", "pk").first()
    if alex is None or offering is None:
        return False
    if Proposal.objects.filter(specialist=offering.specialist, patient=alex, status=Proposal.Status.OPEN).exists():
        return False  # seeded before
    now = timezone.now()
    days = proposal_suggestions(offering, zone_name=sam.timezone, now=now)
    starts = [day_starts[len(day_starts) // 2] for _day, day_starts in days[1:3]]
    if not starts:
        return False
    proposal_create(
        specialist=offering.specialist,
        patient=alex,
        offering=offering,
        starts_at=starts,
        expires_at=min(now + timedelta(hours=48), starts[0] - timedelta(hours=1)),
        note="Two options for our next session. Take whichever suits you.",
        by=sam,
    )
    return True
