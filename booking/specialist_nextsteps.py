"""The specialist portal home from booking: next-step cards (requests
waiting for an answer, the next session today) and sections (the agenda of
today and the next 7 days, the requests to answer, the sessions something
still blocks).

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

from core import meetings, nextsteps
from core.nextsteps import HomeSection, NextStep
from core.portals import Portal
from core.timeutils import format_time
from specialists.selectors import specialist_profile_for_user

from .models import Appointment, AvailabilityRequest
from .readiness import readiness_annotate
from .states import AppointmentStatus

S = AppointmentStatus

# A session whose room is open comes first; then requests waiting for an answer.
JOIN_PRIORITY = 5
WAITING_PRIORITY = 10
TODAY_PRIORITY = 12
# The agenda's sessions: booked, booked once paid, and under way.
AGENDA_STATUSES = (S.AWAITING_PAYMENT, S.CONFIRMED, S.IN_PROGRESS)
# The agenda: today, then this many days after it, whatever the weekday.
AGENDA_DAYS = 7
# What blocks a session is worth knowing this far ahead (past the agenda).
BLOCKERS_DAYS = 14
# A bound on the rows one home page reads, however busy the practice.
SESSIONS_READ = 200


def specialist_steps(*, user, now: datetime | None = None, **context):
    """Reads only: nothing here changes an appointment or a request."""
    profile = specialist_profile_for_user(user=user)
    if profile is None:
        return
    now = now or timezone.now()
    # Counted as the home's "Waiting for your answer" list shows them: each
    # requested time and each ask for times, even two from one patient.
    waiting = (
        Appointment.objects.filter(specialist=profile, status=AppointmentStatus.REQUESTED, starts_at__gt=now).count()
        + AvailabilityRequest.objects.filter(specialist=profile, status=AvailabilityRequest.Status.OPEN).count()
    )
    if waiting:
        yield NextStep(
            title=ngettext(
                "%(count)s request is waiting for your answer",
                "%(count)s requests are waiting for your answer",
                waiting,
            )
            % {"count": waiting},
            body=_("Accept or decline requested times, or propose times that suit you."),
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
        yield _today_step(session, user, now)


def _today_step(session, user, now: datetime) -> NextStep:
    """The next session today; once its video room is open, the way in (and
    who is waiting there)."""
    values = {
        "time": format_time(session.starts_at, user.timezone),
        "name": session.patient.display_name,
        "service": session.offering.name,
    }
    join = meetings.join_link(session, user, now) if meetings.may_be_near(session.starts_at, now) else None
    if join is not None and join.is_open:
        if meetings.waiting(session):
            title = _("%(name)s is waiting in the session room") % values
        else:
            title = _("Your session at %(time)s is open") % values
        return NextStep(
            title=title,
            body=_("%(name)s · %(service)s") % values,
            url=join.url,
            cta=_("Join session"),
            priority=JOIN_PRIORITY,
        )
    body = _("%(name)s · %(service)s") % values
    if join is not None and join.opens_soon:
        body = _("%(name)s · %(service)s. The session room opens at %(opens)s.") % {
            **values,
            "opens": format_time(join.opens_at, user.timezone),
        }
    return NextStep(
        title=_("Next session today at %(time)s") % values,
        body=body,
        url=reverse("booking:specialist-appointment", args=[session.public_id]),
        cta=_("Open the session"),
        priority=TODAY_PRIORITY,
    )


def _local_midnight(day, zone) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def specialist_sections(*, user, now: datetime | None = None, **context):
    """The agenda (today, then the next AGENDA_DAYS days, in the
    specialist's zone: a rolling window, so a Saturday still shows the week
    ahead), the requests waiting for an answer and the sessions of the next
    two weeks that a missing consent or form blocks.

    Reads only, in a fixed number of queries: three here, plus one
    readiness resolution for every session shown (booking.readiness).
    """
    profile = specialist_profile_for_user(user=user)
    if profile is None:
        return
    now = now or timezone.now()
    zone = zoneinfo.ZoneInfo(user.timezone)
    today = now.astimezone(zone).date()
    tomorrow_at = _local_midnight(today + timedelta(days=1), zone)
    agenda_end_at = _local_midnight(today + timedelta(days=1 + AGENDA_DAYS), zone)
    sessions = list(
        Appointment.objects.filter(
            specialist=profile,
            status__in=AGENDA_STATUSES,
            ends_at__gt=now,
            starts_at__lt=max(agenda_end_at, now + timedelta(days=BLOCKERS_DAYS)),
        )
        .select_related("patient", "offering", "specialist")
        .order_by("starts_at", "pk")[:SESSIONS_READ]
    )
    readiness_annotate(sessions, now=now)
    today_sessions = [session for session in sessions if session.starts_at < tomorrow_at]
    coming_sessions = [session for session in sessions if tomorrow_at <= session.starts_at < agenda_end_at]
    if today_sessions or coming_sessions:
        yield HomeSection(
            "booking/specialist/_home_agenda.html",
            {
                "today": today_sessions,
                "coming": coming_sessions,
                "days": AGENDA_DAYS,
                "zone": user.timezone,
                "now": now,
            },
            order=10,
        )
    requested = list(
        Appointment.objects.filter(specialist=profile, status=S.REQUESTED, starts_at__gt=now)
        .select_related("patient", "offering", "specialist")
        .order_by("starts_at")
    )
    open_requests = list(
        AvailabilityRequest.objects.filter(specialist=profile, status=AvailabilityRequest.Status.OPEN)
        .select_related("patient", "offering")
        .order_by("created_at")
    )
    if requested or open_requests:
        yield HomeSection(
            "booking/specialist/_home_requests.html",
            {
                "requested": requested,
                "open_requests": open_requests,
                "count": len(requested) + len(open_requests),
                "zone": user.timezone,
                "now": now,
            },
            order=20,
        )
    blocked = [session for session in sessions if session.readiness and not session.readiness.is_ready]
    if blocked:
        yield HomeSection("booking/specialist/_home_blockers.html", {"sessions": blocked}, order=40)


def register():
    nextsteps.register(Portal.SPECIALIST, specialist_steps)
    nextsteps.register_section(Portal.SPECIALIST, specialist_sections)
