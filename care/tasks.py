"""Celery wrappers of the care app's background work. Tasks take ids."""

from celery import shared_task

from . import emails


@shared_task(name="care.send_feedback_prompt")
def send_feedback_prompt(appointment_pk: int) -> bool:
    return emails.feedback_prompt_send(appointment_pk)
