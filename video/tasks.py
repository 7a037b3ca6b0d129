"""Celery wrappers of the video app's background work."""

from celery import shared_task

from .services import sweep_timed_out


@shared_task(name="video.sweep_timed_out")
def sweep_timed_out_sessions() -> int:
    """Complete the sessions both sides left after their time was up."""
    return sweep_timed_out()
