"""Celery wrappers of messaging's background work. Arguments are ids and
short words, never message text.

`send_unread_emails` runs every minute from the beat schedule in
`daraport/celery.py`.
"""

from celery import shared_task

from .services import unread_message_emails_send


@shared_task(name="messaging.send_unread_emails")
def send_unread_emails() -> int:
    """The once-a-minute sweep: email people about messages left unread."""
    return unread_message_emails_send()
