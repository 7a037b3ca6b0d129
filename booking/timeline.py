"""The sessions on a patient's record (core.timeline): every appointment of
the pair that was booked, with its status, attendance and how long it
lasted (the video app tells the minutes of a held session)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from core import timeline

from .models import Appointment
from .states import AppointmentStatus

S = AppointmentStatus

# Appointments that were ever booked; open requests, offers and holds are not part of the record.
SHOWN = (S.AWAITING_PAYMENT, S.CONFIRMED, S.IN_PROGRESS, S.COMPLETED, S.CANCELLED, S.NO_SHOW)
ATTENDANCE = {
    S.COMPLETED: _("Attended"),
    S.NO_SHOW: _("Did not attend"),
    S.IN_PROGRESS: _("Under way"),
}


def sessions(scope: timeline.Scope):
    appointments = list(
        Appointment.objects.filter(patient=scope.patient, specialist=scope.specialist, status__in=SHOWN)
        .select_related("offering")
        .order_by("-starts_at")
    )
    durations = timeline.session_durations(a for a in appointments if a.status in (S.COMPLETED, S.IN_PROGRESS))
    for appointment in appointments:
        status = AppointmentStatus(appointment.status)
        tags = [str(ATTENDANCE.get(status, status.label))]
        if appointment.is_late_cancellation:
            tags.append(_("Late cancellation"))
        minutes = durations.get(appointment.pk)
        if minutes is not None:
            tags.append(_("%(minutes)d min") % {"minutes": minutes})
        yield timeline.Entry(
            at=appointment.starts_at,
            kind="session",
            title=appointment.offering.name,
            body=appointment.cancellation_reason if status == S.CANCELLED else "",
            url=reverse("booking:specialist-appointment", args=[appointment.public_id]),
            tags=tuple(tags),
        )


def register() -> None:
    timeline.register(sessions)
