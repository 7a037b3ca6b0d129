"""Demo conversations: the demo specialist with the demo patient and with
Priya, so both inboxes have threads with history, notices and unread
messages, and two follow-up times the specialist proposed to the demo
patient from the thread (its panel offers them). Idempotent: skipped once a
demo thread has human messages."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from booking.models import Proposal
from booking.selectors_specialist import proposal_suggestions
from booking.services import proposal_create
from care.models import CareRelationship
from specialists.models import Offering

from .models import Conversation, Message
from .services import conversation_mark_read, conversation_open, message_post

SAM = "specialist@demo.daraport.test"
ALEX = "patient@demo.daraport.test"
THREADS = {
    "patient@demo.daraport.test": [
        ("patient", "Hi Dr. Okafor, I booked the follow-up for Thursday. Is it fine to join from my office?"),
        ("specialist", "Hi Alex, yes, as long as you can talk privately there. A quiet meeting room is perfect."),
        ("specialist", "Before then, could you sign the treatment consent and finish the questionnaire?"),
        ("patient", "Will do tonight. Thanks!"),
    ],
    "priya.natarajan@patients.demo.daraport.test": [
        ("patient", "Sorry for moving our first session, a work trip came up."),
        ("specialist", "No problem at all, Friday works well. See you then."),
        ("patient", "I filled in the forms. Is there anything else I should prepare?"),
    ],
}


def seed() -> list[str]:
    User = get_user_model()
    sam = User.objects.filter(email=SAM).first()
    if sam is None:
        return ["skipped: the demo specialist is missing"]
    if Message.objects.filter(conversation__relationship__specialist__user=sam, kind=Message.Kind.TEXT).exists():
        return ["already there"]
    threads = 0
    for email, lines in THREADS.items():
        patient = User.objects.filter(email=email).first()
        relationship = CareRelationship.objects.filter(
            patient=patient, specialist__user=sam, status=CareRelationship.Status.ACTIVE
        ).first()
        if relationship is None:
            continue
        conversation = conversation_open(relationship=relationship)
        for who, text in lines:
            message_post(conversation=conversation, author=patient if who == "patient" else sam, text=text)
        threads += 1
    # The threads read as a conversation over the last days, not one instant.
    for conversation in Conversation.objects.filter(relationship__specialist__user=sam):
        messages = list(conversation.messages.order_by("created_at", "id"))
        start = timezone.now() - timedelta(hours=6 * len(messages))
        for index, message in enumerate(messages):
            Message.objects.filter(pk=message.pk).update(created_at=start + timedelta(hours=6 * index))
        if not messages:
            continue
        last = start + timedelta(hours=6 * (len(messages) - 1))
        Conversation.objects.filter(pk=conversation.pk).update(last_message_at=last)
        # Both have read everything but the newest message (unread for Sam when a patient wrote it).
        conversation_mark_read(conversation=conversation, user=conversation.relationship.patient, up_to=last)
        conversation_mark_read(conversation=conversation, user=sam, up_to=last - timedelta(hours=1))
    lines = [
        f"{threads} conversations with {SAM}; the newest messages wait for the specialist at /specialist/messages/"
    ]
    if _propose_follow_up(sam, User.objects.filter(email=ALEX).first()):
        lines.append(f"{ALEX}: two follow-up times proposed in the thread, to take from its side panel")
    return lines


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
