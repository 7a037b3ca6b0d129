"""Next-step cards of the specialist portal home from booking: patients
waiting for an answer, and the next session today.

Registered with `core.nextsteps` in `BookingConfig.ready()` by calling
`register()`.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import nextsteps
from core.nextsteps import NextStep
from core.portals import Portal
from specialists.selectors import specialist_profile_for_user

from .models import Appointment, AvailabilityRequest
from .states import AppointmentStatus

# Patients waiting for times come before anything else on the home page.
WAITING_PRIORITY = 10
TODAY_PRIORITY = 12


def specialist_steps(*, user, now: datetime | None = None, **context):
    """Reads only: nothing here changes an appointment or a request."""
    profile = specialist_profile_for_user(user=user)
    if profile is None:
        return
    now = now or timezone.now()
    waiting = set(
        Appointment.objects.filter(
            specialist=profile, status=AppointmentStatus.REQUESTED, starts_at__gt=now
        ).values_list("patient_id", flat=True)
    ) | set(
        AvailabilityRequest.objects.filter(specialist=profile, status=AvailabilityRequest.Status.OPEN).values_list(
            "patient_id", flat=True
        )
    )
    if waiting:
        yield NextStep(
            title=ngettext(
                "%(count)s patient is waiting for a time",
                "%(count)s patients are waiting for times",
                len(waiting),
            )
            % {"count": len(waiting)},
            body=_("Accept or decline their requests, or propose times that suit you."),
            url=reverse("booking:specialist-appointments"),
            cta=_("Answer them"),
            priority=WAITING_PRIORITY,
        )
    zone = zoneinfo.ZoneInfo(user.timezone)
    end_of_day = datetime.combine(now.astimezone(zone).date() + timedelta(days=1), time.min, tzinfo=zone)
    session = (
        Appointment.objects.filter(
            specialist=profile,
            status__in=[AppointmentStatus.CONFIRMED, AppointmentStatus.IN_PROGRESS],
            ends_at__gt=now,
            starts_at__lt=end_of_day,
        )
        .select_related("patient", "offering")
        .order_by("starts_at")
        .first()
    )
    if session is not None:
        yield NextStep(
            title=_("Next session today at %(time)s") % {"time": f"{session.starts_at.astimezone(zone):%H:%M}"},
            body=_("%(name)s · %(service)s") % {"name": session.patient.display_name, "service": session.offering.name},
            url=reverse("booking:specialist-appointment", args=[session.public_id]),
            cta=_("Open the session"),
            priority=TODAY_PRIORITY,
        )


def register():
    nextsteps.register(Portal.SPECIALIST, specialist_steps)
