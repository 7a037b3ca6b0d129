"""The journey funnel of one organization's new patients.

Patients are grouped by the day they became a patient of the organization
(their patient `Membership`), and each is followed for a stated window
(90 days by default) from that moment. A step counts the patients who
reached it and every step before it within their window, so the
counts only go down and each drop-off is the patients lost at that step.
The order in which the earlier steps happened is not required: the intake
is optional and may be finished after choosing a specialist.

Steps are read from the tables that hold them (memberships, intakes, care
relationships, appointment status changes), each through an index on the
patient, all in one grouped query whatever the size of the cohort.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from booking.models import Appointment, AppointmentEvent
from booking.states import AppointmentStatus
from care.models import CareRelationship, Feedback
from core.cells import Cell, difference, rate
from organizations.models import Membership, Organization, Program
from patients.models import Intake
from specialists.models import SpecialistProfile

from .periods import Period, period_clean

DEFAULT_WINDOW_DAYS = 90
MAX_WINDOW_DAYS = 365

STEPS = [
    ("registered", gettext_lazy("Registered")),
    ("intake_done", gettext_lazy("Intake done")),
    ("matched", gettext_lazy("Matched or chose a specialist")),
    ("first_booking", gettext_lazy("First session booked")),
    ("first_session", gettext_lazy("First session attended")),
    ("feedback", gettext_lazy("Feedback given")),
    ("second_booking", gettext_lazy("Second session booked")),
]
# A specialist's funnel starts when a patient is matched with them.
SPECIALIST_STEPS = STEPS[2:]


@dataclass(frozen=True)
class FunnelStep:
    key: str
    label: str
    patients: Cell
    # Lost since the previous step (None on the first).
    drop_off: Cell | None
    rate_from_previous: float | None
    rate_from_start: float | None


@dataclass(frozen=True)
class Funnel:
    period: Period
    window_days: int
    steps: list[FunnelStep]
    # The last registrant's window ends after today: later steps may still grow.
    is_window_open: bool


def _check_scope(organization: Organization, program: Program | None, specialist: SpecialistProfile | None) -> None:
    if program is not None and program.organization_id != organization.pk:
        raise ValidationError(_("This program is not one of this organization's."), code="foreign_program")
    if specialist is not None and specialist.organization_id != organization.pk:
        raise ValidationError(_("This specialist is not one of this organization's."), code="foreign_specialist")


def _window_clean(window_days: int) -> int:
    if not 1 <= window_days <= MAX_WINDOW_DAYS:
        raise ValidationError(
            _("The conversion window must be between 1 and %(max)d days."),
            params={"max": MAX_WINDOW_DAYS},
            code="window",
        )
    return window_days


def _step_conditions(
    organization: Organization | None, specialist: SpecialistProfile | None, patient_field: str = "user_id"
) -> tuple[dict, dict]:
    """The per-patient annotations and, for each step, the condition on them.

    Every subquery is bounded by the patient's own deadline (`deadline`,
    the start of their window plus its length) and looks the patient up by
    an index. `patient_field` names the cohort row's patient column.
    """
    patient = OuterRef(patient_field)
    deadline = OuterRef("deadline")
    # A specialist is one of the organization's (checked by the callers).
    # The organization's specialists as a list of ids: a filter on the rows
    # each per-patient lookup finds, not a join repeated in every lookup.
    if specialist is not None:
        scope = {"specialist": specialist}
    else:
        scope = {"specialist__in": list(organization.specialist_profiles.values_list("pk", flat=True))}
    sessions = Appointment.objects.filter(patient=patient, **scope)
    confirmed = AppointmentEvent.objects.filter(
        appointment__patient=patient,
        to_status=AppointmentStatus.CONFIRMED,
        at__lte=deadline,
        **{f"appointment__{k}": v for k, v in scope.items()},
    )
    annotations = {
        "has_intake": Exists(Intake.objects.filter(user=patient, completed_at__lte=deadline)),
        "has_care": Exists(CareRelationship.objects.filter(patient=patient, started_at__lte=deadline, **scope)),
        "has_booking": Exists(confirmed),
        "first_session_at": Subquery(
            sessions.filter(status=AppointmentStatus.COMPLETED, starts_at__lte=deadline)
            .order_by("starts_at")
            .values("starts_at")[:1]
        ),
        "has_feedback": Exists(Feedback.objects.filter(patient=patient, submitted_at__lte=deadline, **scope)),
        # A session confirmed by the deadline that starts after the first one
        # attended: the patient came back, whether or not it has taken place.
        "has_second": Exists(confirmed.filter(appointment__starts_at__gt=OuterRef("first_session_at"))),
    }
    conditions = {
        "intake_done": Q(has_intake=True),
        "matched": Q(has_care=True),
        "first_booking": Q(has_booking=True),
        "first_session": Q(first_session_at__isnull=False),
        "feedback": Q(has_feedback=True),
        "second_booking": Q(has_second=True),
    }
    return annotations, conditions


def _stage_counts(cohort, annotations: dict, conditions: dict, keys: list[str]) -> dict[str, int]:
    """Patients per step: the cohort's size, then those who reached each of
    `keys` and every one before it. One grouped query.

    Each patient's stage is how many steps in a row they reached. The CASE
    tries a step only for patients who reached the one before, and grouping
    by it evaluates every subquery at most once per patient.
    """
    stage = Case(
        *(When(~conditions[key], then=Value(index)) for index, key in enumerate(keys)),
        default=Value(len(keys)),
        output_field=IntegerField(),
    )
    rows = cohort.annotate(**annotations).annotate(stage=stage).values("stage").annotate(n=Count("pk")).order_by()
    at_stage = {row["stage"]: row["n"] for row in rows}
    counts = {"total": sum(at_stage.values())}
    for index, key in enumerate(keys):
        counts[key] = sum(n for reached, n in at_stage.items() if reached > index)
    return counts


def _deadline(start_field: str, window_days: int) -> ExpressionWrapper:
    return ExpressionWrapper(F(start_field) + Value(timedelta(days=window_days)), output_field=DateTimeField())


def journey_funnel(
    *,
    organization: Organization,
    start_on: date,
    end_on: date,
    window_days: int = DEFAULT_WINDOW_DAYS,
    program: Program | None = None,
    specialist: SpecialistProfile | None = None,
    today: date | None = None,
) -> Funnel:
    """The funnel of the patients who registered with `organization` between
    `start_on` and `end_on`, each followed for `window_days` from signing up.

    `program` narrows the cohort to the program's members; `specialist`
    narrows the steps from "matched" on to that specialist (registering and
    the intake belong to no specialist). Two queries: the organization's
    specialists' ids, then the funnel. Raises ValidationError
    for a bad range or window, or a program or specialist of another
    organization.
    """
    today = today or timezone.localdate()
    period = period_clean(start_on=start_on, end_on=end_on, today=today)
    window_days = _window_clean(window_days)
    _check_scope(organization, program, specialist)
    start, end = period.bounds()
    cohort = Membership.objects.filter(
        organization=organization, role=Membership.Role.PATIENT, created_at__gte=start, created_at__lt=end
    )
    if program is not None:
        # One enrolment per (program, patient): the join adds no rows.
        cohort = cohort.filter(user__program_enrolments__program=program)
    cohort = cohort.annotate(deadline=_deadline("created_at", window_days))
    annotations, conditions = _step_conditions(organization, specialist)
    keys = [key for key, _label in STEPS[1:]]
    counts = _stage_counts(cohort, annotations, conditions, keys)
    counts["registered"] = counts.pop("total")
    return Funnel(
        period=period,
        window_days=window_days,
        steps=_steps(counts, STEPS),
        is_window_open=period.end_on + timedelta(days=window_days) >= today,
    )


def specialist_funnel(
    *,
    specialist: SpecialistProfile,
    start_on: date,
    end_on: date,
    window_days: int = DEFAULT_WINDOW_DAYS,
    today: date | None = None,
) -> Funnel:
    """The funnel of one specialist's new patients, from being matched with
    them (or choosing them) on: the patients whose first care relationship
    with `specialist` started between `start_on` and `end_on`, each
    followed for `window_days` from that moment. One query."""
    today = today or timezone.localdate()
    period = period_clean(start_on=start_on, end_on=end_on, today=today)
    window_days = _window_clean(window_days)
    start, end = period.bounds()
    earlier = CareRelationship.objects.filter(
        specialist=specialist, patient=OuterRef("patient_id"), started_at__lt=OuterRef("started_at")
    )
    cohort = (
        CareRelationship.objects.filter(specialist=specialist, started_at__gte=start, started_at__lt=end)
        .filter(~Exists(earlier))
        .annotate(deadline=_deadline("started_at", window_days))
    )
    annotations, conditions = _step_conditions(None, specialist, patient_field="patient_id")
    steps = SPECIALIST_STEPS
    keys = [key for key, _label in steps[1:]]
    annotations = {
        name: annotations[name] for name in ("has_booking", "first_session_at", "has_feedback", "has_second")
    }
    counts = _stage_counts(cohort, annotations, conditions, keys)
    counts["matched"] = counts.pop("total")
    return Funnel(
        period=period,
        window_days=window_days,
        steps=_steps(counts, steps),
        is_window_open=period.end_on + timedelta(days=window_days) >= today,
    )


def _steps(counts: dict[str, int], labels: list) -> list[FunnelStep]:
    steps = []
    first = previous = None
    for key, label in labels:
        cell = Cell(counts[key])
        first = first or cell
        steps.append(
            FunnelStep(
                key,
                str(label),
                patients=cell,
                drop_off=difference(previous, cell) if previous else None,
                rate_from_previous=rate(cell, previous) if previous else None,
                rate_from_start=rate(cell, first),
            )
        )
        previous = cell
    return steps
