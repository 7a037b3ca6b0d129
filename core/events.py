"""The catalog of domain events: one Signal per event, sent after commit.

Services emit with `send_on_commit(event, **kwargs)`; apps higher up react in
their receivers.py. Arguments are ids and primitives, never model instances
or health data.

Two kinds of receivers: ordinary ones (`django.dispatch.receiver`) run after
the commit and make small idempotent writes; those connected with
`transactional_receiver` run when the event is sent, inside the sender's
transaction, and only queue background work (`core.outbox.enqueue`).
"""

import logging
from collections.abc import Callable

from django.db import transaction
from django.dispatch import Signal

from . import outbox

logger = logging.getLogger(__name__)

# event -> {dispatch_uid: receiver}, see `transactional_receiver`.
_transactional: dict[Signal, dict[str, Callable]] = {}

# accounts / organizations
user_signed_up = Signal()  # user_id
patient_registered = Signal()  # user_id, organization_id, referral_code (typed), referral_token (cookie)
terms_accepted = Signal()  # user_id, document_id
membership_granted = Signal()  # membership_id
membership_revoked = Signal()  # membership_id
organization_brand_changed = Signal()  # organization_id
terms_published = Signal()  # document_id

# specialists / care / discovery
specialist_profile_approved = Signal()  # profile_id
care_relationship_started = Signal()  # care_relationship_id
care_relationship_ended = Signal()  # care_relationship_id
program_enrolled = Signal()  # enrolment_id

# booking: one per appointment status an appointment enters, each with
# appointment_id, from_status ("" when created) and actor_id (None: the system)
appointment_held = Signal()
appointment_requested = Signal()
appointment_proposed = Signal()
appointment_awaiting_payment = Signal()
appointment_confirmed = Signal()
appointment_started = Signal()
appointment_completed = Signal()
appointment_cancelled = Signal()
appointment_declined = Signal()
appointment_expired = Signal()
appointment_no_show = Signal()
appointment_rescheduled = Signal()  # appointment_id, previous_starts_at (ISO), actor_id
availability_requested = Signal()  # request_id
availability_changed = Signal()  # specialist_id: hours, days off, booking settings or offerings changed
appointment_reminder_sent = Signal()  # appointment_id: a reminder of the session went out

# video
video_session_started = Signal()  # appointment_id
video_session_ended = Signal()  # appointment_id, duration_minutes

# payments
payment_received = Signal()  # payment_id, appointment_id: a charge settled
refund_sent = Signal()  # refund_id, appointment_id: the provider sent a refund

# consents
consent_signed = Signal()  # signature_id, patient_id
form_submitted = Signal()  # response_id


def transactional_receiver(*events: Signal, dispatch_uid: str) -> Callable:
    """Connect a receiver that queues the background work an event calls
    for, run by `send_on_commit` inside the sender's transaction.

    The queued rows then commit or roll back with the change itself, so
    neither a broker outage nor a crash just after the commit can lose
    them. Such a receiver decides from the event's arguments alone and
    writes nothing but `core.outbox.enqueue` rows; an error in it is an
    error of the change and rolls it back.
    """

    def connect(receiver: Callable) -> Callable:
        for event in events:
            _transactional.setdefault(event, {})[dispatch_uid] = receiver
        return receiver

    return connect


def send_on_commit(event: Signal, **kwargs) -> None:
    """Send `event` once the current transaction commits; log receiver errors.

    A receiver that fails must not undo or hide the write that caused the
    event, so errors are logged instead of raised. Transactional receivers
    run now, and their tasks are published after the ordinary receivers
    ran (a task then finds, say, the care relationship already started).
    """

    def send():
        for receiver, result in event.send_robust(sender=None, **kwargs):
            if isinstance(result, Exception):
                logger.error("receiver %r failed", receiver, exc_info=(type(result), result, result.__traceback__))

    transaction.on_commit(send)
    receivers = _transactional.get(event)
    if receivers:
        with outbox.publishing_together():
            for receiver in receivers.values():
                receiver(sender=None, signal=event, **kwargs)
