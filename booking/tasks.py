"""Celery wrappers of booking's background work: load by id, call a
service. Arguments are ids and short words, never health details.

The sweeps (`send_due_reminders`, `expire_due`) run every minute from the
beat schedule in `daraport/celery.py`; the others are queued by
`receivers.py` through `core.outbox`, with the change they report.
"""

from smtplib import SMTPException

from celery import shared_task

from . import emails
from .models import Appointment
from .services import appointments_expire_due, next_available_sweep, reminders_plan, reminders_send_due

# Network trouble with the mail server: try again, backing off.
RETRY = {"autoretry_for": (SMTPException, OSError), "retry_backoff": True, "retry_backoff_max": 600, "max_retries": 5}


@shared_task(name="booking.send_appointment_email", **RETRY)
def send_appointment_email(appointment_id: int, kind: str) -> int:
    """Email both sides that a session was confirmed, moved or cancelled."""
    return emails.appointment_email_send(appointment_id=appointment_id, kind=kind)


@shared_task(name="booking.notify_appointment")
def notify_appointment(appointment_id: int, event: str, from_status: str = "", actor_id: int | None = None) -> int:
    """Put the inbox lines an appointment event calls for."""
    return len(
        emails.appointment_notify(
            appointment_id=appointment_id, event=event, from_status=from_status, actor_id=actor_id
        )
    )


@shared_task(name="booking.notify_availability_request")
def notify_availability_request(request_id: int) -> None:
    """Tell the specialist that a patient asked for times."""
    emails.availability_request_notify(request_id=request_id)


@shared_task(name="booking.plan_reminders")
def plan_reminders(appointment_id: int) -> int:
    """Plan (or re-plan after a move, or drop) an appointment's reminders."""
    appointment = Appointment.objects.filter(pk=appointment_id).first()
    if appointment is None:
        return 0
    return len(reminders_plan(appointment=appointment))


@shared_task(name="booking.send_due_reminders")
def send_due_reminders() -> int:
    """The once-a-minute sweep: send the reminders that are due."""
    return reminders_send_due()


@shared_task(name="booking.expire_due")
def expire_due() -> int:
    """The once-a-minute sweep: let holds, proposals and unpaid bookings
    past their deadline lapse, and close their proposals."""
    return appointments_expire_due()


# --- Next available (the directory) ------------------------------------------


@shared_task(name="booking.refresh_next_available")
def refresh_next_available() -> int:
    """The five-minute sweep: recompute the directory's "next available"
    of the specialists whose stored value has run out, and of newly listed
    ones without one."""
    return next_available_sweep()


# --- Before the session (consents and forms) ------------------------------------


@shared_task(name="booking.send_pre_visit_reminders")
def send_pre_visit_reminders() -> int:
    """The 15-minute sweep: remind patients of consents and forms still
    missing before a confirmed session in the next 48 hours."""
    from .services import pre_visit_reminders_send

    return pre_visit_reminders_send()
