from celery import shared_task
from django.core.management import call_command

from .outbox import queued_tasks_prune, queued_tasks_publish


@shared_task(name="core.clear_expired_sessions")
def clear_expired_sessions() -> None:
    call_command("clearsessions")


@shared_task(name="core.publish_queued_tasks")
def publish_queued_tasks() -> int:
    """The once-a-minute sweep of the outbox: publish the queued tasks the
    broker has not taken yet (it was down), and drop old dispatched rows."""
    published = queued_tasks_publish()
    queued_tasks_prune()
    return published
