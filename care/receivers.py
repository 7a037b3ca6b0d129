"""Care reacts to booking: the first booked session with a specialist
starts the pair's care relationship (idempotently, after commit)."""

from django.dispatch import receiver

from booking.models import Appointment
from core import events

from .models import CareRelationship
from .services import care_relationship_start


@receiver(events.appointment_confirmed, dispatch_uid="care.start_on_first_booking")
def start_on_first_booking(sender, appointment_id, **kwargs):
    appointment = Appointment.objects.select_related("patient", "specialist").get(pk=appointment_id)
    care_relationship_start(
        patient=appointment.patient, specialist=appointment.specialist, source=CareRelationship.Source.BOOKING
    )
