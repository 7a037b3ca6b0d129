"""How long each held session lasted, for the patient record (core.timeline)."""

from __future__ import annotations

from core import timeline

from .models import VideoSession


def durations(appointments) -> dict[int, int]:
    """Minutes from the room's start to its end, by appointment pk (one query)."""
    rows = VideoSession.objects.filter(
        appointment__in=[appointment.pk for appointment in appointments],
        started_at__isnull=False,
        ended_at__isnull=False,
    ).values_list("appointment_id", "started_at", "ended_at")
    return {pk: max(0, round((ended - started).total_seconds() / 60)) for pk, started, ended in rows}


def register() -> None:
    timeline.register_durations(durations)
