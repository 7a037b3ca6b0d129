"""Video reacts to booking: a confirmed appointment gets its room, and a
room whose appointment was closed elsewhere (cancelled, or completed from
the appointment page) sends the people in it away."""

from django.dispatch import receiver

from booking.models import Appointment
from core import events

from .models import VideoSession
from .services import room_closed_elsewhere, session_for_appointment


@receiver(events.appointment_confirmed, dispatch_uid="video.create_session")
def create_session(sender, appointment_id, **kwargs):
    session_for_appointment(Appointment.objects.select_related("patient", "specialist").get(pk=appointment_id))


@receiver(
    [events.appointment_cancelled, events.appointment_completed, events.appointment_no_show],
    dispatch_uid="video.close_room",
)
def close_room(sender, appointment_id, **kwargs):
    session = (
        VideoSession.objects.select_related("appointment__specialist")
        .filter(appointment_id=appointment_id, ended_at__isnull=True)
        .first()
    )
    if session is not None:
        room_closed_elsewhere(session)
