"""Care reacts to booking: the first booked session with a specialist
starts the pair's care relationship (idempotently, after commit), and a
completed session queues the feedback prompt email."""

from django.dispatch import receiver

from booking.models import Appointment
from core import events
from core.outbox import enqueue

from . import tasks
from .models import CareRelationship
from .services import care_relationship_start


@receiver(events.appointment_confirmed, dispatch_uid="care.start_on_first_booking")
def start_on_first_booking(sender, appointment_id, **kwargs):
    appointment = Appointment.objects.select_related("patient", "specialist").get(pk=appointment_id)
    care_relationship_start(
        patient=appointment.patient, specialist=appointment.specialist, source=CareRelationship.Source.BOOKING
    )


@events.transactional_receiver(events.appointment_completed, dispatch_uid="care.feedback_prompt")
def queue_feedback_prompt(sender, appointment_id, **kwargs):
    """A completed session: ask the patient, once, how it was."""
    enqueue(tasks.send_feedback_prompt, appointment_id)
