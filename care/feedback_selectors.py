"""Reads of feedback: the patient's own sessions to answer, and the
specialist's answers, already narrowed to what each may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from booking.models import Appointment
from booking.states import AppointmentStatus
from core.selectors import get_for_user
from core.timeutils import to_zone

from .feedback import (
    FeedbackDue,
    FeedbackRules,
    FeedbackSummary,
    feedback_anonymous_ids,
    feedback_due_for,
    nps_csat_summary,
)
from .models import Feedback, FeedbackSettings

# The home's card asks about sessions this recent only: later, the memory
# of the session is too faint for the answer to mean much.
PROMPT_WITHIN = timedelta(days=14)
LIST_LIMIT = 200


def feedback_session_for_patient(*, patient, public_id) -> Appointment:
    """One of `patient`'s own sessions with its feedback (if any), else 404."""
    queryset = Appointment.objects.filter(patient=patient).select_related(
        "specialist__organization", "offering", "feedback"
    )
    return get_for_user(queryset, public_id)


def feedback_of(appointment: Appointment) -> Feedback | None:
    try:
        return appointment.feedback
    except Feedback.DoesNotExist:
        return None


def feedback_prompt_for_patient(*, patient, now: datetime | None = None) -> FeedbackDue | None:
    """The latest completed session of `patient`, from the last
    `PROMPT_WITHIN`, still waiting for an answer; None when there is none."""
    now = now or timezone.now()
    appointment = (
        Appointment.objects.filter(
            patient=patient,
            status=AppointmentStatus.COMPLETED,
            ends_at__gte=now - PROMPT_WITHIN,
            feedback__isnull=True,
        )
        .select_related("specialist__organization")
        .order_by("-starts_at")
        .first()
    )
    return feedback_due_for(appointment) if appointment else None


@dataclass(frozen=True)
class FeedbackRow:
    """One answer as its specialist sees it."""

    feedback: Feedback
    anonymous: bool
    # Anonymous: the Monday of the session's week only, so the answer cannot
    # be matched to the calendar. Otherwise the session's own start.
    week_of: date | None
    starts_at: datetime | None
    patient_name: str
    appointment: Appointment | None


def _monday(moment: datetime, zone: str) -> date:
    day = to_zone(moment, zone).date()
    return day - timedelta(days=day.weekday())


def feedback_list_for_specialist(*, profile, since: datetime | None, zone: str) -> list[FeedbackRow]:
    """`profile`'s answers on sessions since `since` (None: all), newest
    first. Anonymous answers carry no name, no session and only their week,
    and are ordered by week then by score, never by time within a week."""
    queryset = Feedback.objects.filter(specialist=profile).select_related("patient", "appointment")
    if since is not None:
        queryset = queryset.filter(appointment__starts_at__gte=since)
    feedbacks = list(queryset.order_by("-appointment__starts_at")[:LIST_LIMIT])
    anonymous = feedback_anonymous_ids(feedbacks)
    rows = []
    for feedback in feedbacks:
        if feedback.pk in anonymous:
            rows.append(
                FeedbackRow(
                    feedback=feedback,
                    anonymous=True,
                    week_of=_monday(feedback.appointment.starts_at, zone),
                    starts_at=None,
                    patient_name="",
                    appointment=None,
                )
            )
        else:
            rows.append(
                FeedbackRow(
                    feedback=feedback,
                    anonymous=False,
                    week_of=None,
                    starts_at=feedback.appointment.starts_at,
                    patient_name=feedback.patient.display_name,
                    appointment=feedback.appointment,
                )
            )

    def order(row: FeedbackRow):
        day = row.week_of or to_zone(row.starts_at, zone).date()
        monday = day - timedelta(days=day.weekday())
        # Within a week: named answers by time, anonymous ones by score.
        within = (
            (1, row.feedback.csat or 0, row.feedback.nps or 0) if row.anonymous else (0, row.starts_at.timestamp(), 0)
        )
        return (monday, *within)

    return sorted(rows, key=order, reverse=True)


def feedback_summary_for_specialist(*, profile, since: datetime | None) -> FeedbackSummary:
    appointments: QuerySet[Appointment] = Appointment.objects.filter(specialist=profile)
    if since is not None:
        appointments = appointments.filter(starts_at__gte=since)
    return nps_csat_summary(appointments.filter(starts_at__lte=timezone.now()))


@dataclass(frozen=True)
class SettingsRow:
    """The organization's default (program None) or one program's settings."""

    program: object | None
    rules: FeedbackRules
    has_own: bool  # a program with its own row; False: it follows the default


def feedback_settings_rows(*, organization) -> list[SettingsRow]:
    """The organization's default, then each of its programs, by name."""
    rows = {row.program_id: row for row in FeedbackSettings.objects.filter(organization=organization)}
    default = FeedbackRules.from_row(rows[None]) if None in rows else FeedbackRules()
    result = [SettingsRow(program=None, rules=default, has_own=None in rows)]
    for program in organization.programs.order_by("name"):
        own = rows.get(program.pk)
        result.append(
            SettingsRow(program=program, rules=FeedbackRules.from_row(own) if own else default, has_own=own is not None)
        )
    return result
