"""Booking reacts to its own domain events. The message receivers (emails,
inbox lines, reminders) only queue tasks, with ids; the directory's
"next available" is refreshed at once (see its section below).

The message receivers are transactional (`core.events`): their tasks are
queued in the transaction of the change, so a broker outage cannot lose
them, and run after it committed, so they see it. Which people hear what
is decided in the tasks (`emails.py`), where the appointment is read as it
is by then.
"""

from django.dispatch import receiver

from consents.services import care_context_add
from core import events
from core.outbox import enqueue

from . import tasks
from .models import Appointment
from .services import SIGNALS, next_available_refresh
from .states import SLOT_HOLDING, AppointmentStatus

S = AppointmentStatus

# A cancellation of a booked session changes calendars; one of a hold, a
# request or a proposed time never reached them.
CANCELLATION_EMAILED = frozenset({S.CONFIRMED, S.AWAITING_PAYMENT})


def _notify(event: str, appointment_id, from_status, actor_id) -> None:
    enqueue(tasks.notify_appointment, appointment_id, event, from_status or "", actor_id)


@events.transactional_receiver(events.appointment_confirmed, dispatch_uid="booking.messages.confirmed")
def on_confirmed(sender, appointment_id, from_status="", actor_id=None, **kwargs):
    enqueue(tasks.send_appointment_email, appointment_id, "confirmed")
    _notify("confirmed", appointment_id, from_status, actor_id)
    enqueue(tasks.plan_reminders, appointment_id)


@receiver(events.appointment_confirmed, dispatch_uid="booking.consents.context")
def apply_specialist_requirements(sender, appointment_id, **kwargs):
    """From the first booking on, the specialist's and the offering's
    consents and forms apply to the patient (a small idempotent write)."""
    appointment = Appointment.objects.select_related("patient", "specialist", "offering").get(pk=appointment_id)
    care_context_add(patient=appointment.patient, specialist=appointment.specialist, offering=appointment.offering)


@events.transactional_receiver(events.appointment_rescheduled, dispatch_uid="booking.messages.rescheduled")
def on_rescheduled(sender, appointment_id, actor_id=None, **kwargs):
    enqueue(tasks.send_appointment_email, appointment_id, "rescheduled")
    _notify("rescheduled", appointment_id, "", actor_id)
    enqueue(tasks.plan_reminders, appointment_id)


@events.transactional_receiver(events.appointment_cancelled, dispatch_uid="booking.messages.cancelled")
def on_cancelled(sender, appointment_id, from_status="", actor_id=None, **kwargs):
    if from_status in CANCELLATION_EMAILED:
        enqueue(tasks.send_appointment_email, appointment_id, "cancelled")
    if from_status != S.HELD:
        _notify("cancelled", appointment_id, from_status, actor_id)
    if from_status == S.CONFIRMED:
        enqueue(tasks.plan_reminders, appointment_id)  # drops the pending reminders


@events.transactional_receiver(events.appointment_proposed, dispatch_uid="booking.messages.proposed")
def on_proposed(sender, appointment_id, from_status="", actor_id=None, **kwargs):
    _notify("proposed", appointment_id, from_status, actor_id)


@events.transactional_receiver(events.appointment_requested, dispatch_uid="booking.messages.requested")
def on_requested(sender, appointment_id, from_status="", actor_id=None, **kwargs):
    _notify("requested", appointment_id, from_status, actor_id)


@events.transactional_receiver(events.appointment_declined, dispatch_uid="booking.messages.declined")
def on_declined(sender, appointment_id, from_status="", actor_id=None, **kwargs):
    _notify("declined", appointment_id, from_status, actor_id)


@events.transactional_receiver(events.appointment_expired, dispatch_uid="booking.messages.expired")
def on_expired(sender, appointment_id, from_status="", actor_id=None, **kwargs):
    if from_status != S.HELD:
        _notify("expired", appointment_id, from_status, actor_id)


@events.transactional_receiver(events.appointment_awaiting_payment, dispatch_uid="booking.messages.awaiting_payment")
def on_awaiting_payment(sender, appointment_id, from_status="", actor_id=None, **kwargs):
    _notify("awaiting_payment", appointment_id, from_status, actor_id)


@events.transactional_receiver(events.availability_requested, dispatch_uid="booking.messages.availability_requested")
def on_availability_requested(sender, request_id, **kwargs):
    enqueue(tasks.notify_availability_request, request_id)


# --- Next available (the directory) ------------------------------------------
#
# A change that frees or takes a time refreshes the specialist's stored next
# free start at once, in the request that made it (after its commit): a
# batch of one costs six queries and a few milliseconds, and the
# directory is right on the next page load without waiting for a worker.
# A refresh that fails is logged (`core.events`) and the sweep catches up.

_STATUS_OF_SIGNAL = {signal: status for status, signal in SIGNALS.items()}


@receiver(
    [
        events.appointment_held,
        events.appointment_proposed,
        events.appointment_awaiting_payment,
        events.appointment_confirmed,
        events.appointment_cancelled,
        events.appointment_declined,
        events.appointment_expired,
        events.appointment_rescheduled,
    ],
    dispatch_uid="booking.next_available.appointment",
)
def refresh_next_available_on_appointment(sender, appointment_id, from_status="", signal=None, **kwargs):
    to_status = _STATUS_OF_SIGNAL.get(signal)  # None: rescheduled
    if to_status is not None and (from_status in SLOT_HOLDING) == (to_status in SLOT_HOLDING):
        return  # the time was held before and still is (a hold confirmed), or never was
    specialist_id = Appointment.objects.filter(pk=appointment_id).values_list("specialist_id", flat=True).first()
    if specialist_id is not None:
        next_available_refresh(specialist_ids=[specialist_id])


@receiver(events.availability_changed, dispatch_uid="booking.next_available.availability")
def refresh_next_available_on_availability(sender, specialist_id, **kwargs):
    next_available_refresh(specialist_ids=[specialist_id])


@receiver(events.specialist_profile_approved, dispatch_uid="booking.next_available.approved")
def refresh_next_available_on_approval(sender, profile_id, **kwargs):
    """A newly listed specialist shows their next time from the start."""
    next_available_refresh(specialist_ids=[profile_id])
