"""The organization's specialists at work: approval, capacity, caseload,
utilisation, cancellations, no-shows, feedback and payout status, one row
per specialist over the last 7, 30 or 90 days.

Seven queries whatever the number of specialists or sessions: the profiles
(with their payout account's status), then one grouped query each for sessions,
weekly hours, exceptions to them, caseloads, program capacity and feedback.
The rows are sorted and paged here, since several sort keys are computed.
Feedback scores are withheld under 11 answers, as on the insights pages:
a specialist's score from a handful of answers points at the patients who
gave them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import time, timedelta

from django.db.models import Case, Count, DurationField, ExpressionWrapper, F, Q, Sum, Value, When
from django.db.models.functions import ExtractHour, ExtractMinute
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from booking.models import Appointment, AvailabilityOverride, AvailabilityRule
from booking.states import AppointmentStatus
from care.feedback import csat_percent, nps_score, score_counts
from care.models import CareRelationship, Feedback
from core.cells import Cell
from organizations.models import Organization, ProgramRosterEntry
from payments.models import PayoutAccount
from specialists.models import SpecialistProfile

from .periods import Period

S = AppointmentStatus
# Sessions that took up offered time: booked, held or missed by the patient.
BOOKED_STATUSES = (S.AWAITING_PAYMENT, S.CONFIRMED, S.IN_PROGRESS, S.COMPLETED, S.NO_SHOW)
DAY_MINUTES = 24 * 60


def hours_shown(minutes: int) -> str:
    return _("%(hours)s h") % {"hours": number_format(round(minutes / 60, 1))}


def _clock_minutes(name: str):
    return ExtractHour(name) * 60 + ExtractMinute(name)


def _rule_minutes():
    """A rule's minutes, in the database (an end of 00:00 is midnight)."""
    return Case(
        When(end_time=time(0), then=Value(DAY_MINUTES) - _clock_minutes("start_time")),
        default=_clock_minutes("end_time") - _clock_minutes("start_time"),
    )


def _minutes(start: time | None, end: time | None) -> int:
    """The minutes of a wall-clock range; an end of 00:00 is midnight."""
    if start is None or end is None:
        return 0
    end_minutes = DAY_MINUTES if end == time(0) else end.hour * 60 + end.minute
    return max(end_minutes - (start.hour * 60 + start.minute), 0)


@dataclass
class SpecialistActivity:
    profile: SpecialistProfile
    # Most patients across the programs' rosters the specialist is on; None: on none.
    capacity: int | None = None
    weekly_minutes: int = 0
    offered_minutes: int = 0
    booked_minutes: int = 0
    caseload: int = 0
    completed: int = 0
    cancelled: int = 0
    late_cancelled: int = 0
    no_show: int = 0
    feedback: dict = field(default_factory=dict)

    @property
    def payout_status(self) -> str:
        """The payout account's status in words; empty: none set up."""
        status = self.profile.payout
        return PayoutAccount.Status(status).label if status else ""

    @property
    def weekly_hours(self) -> str:
        return hours_shown(self.weekly_minutes)

    @property
    def booked_hours(self) -> str:
        return hours_shown(self.booked_minutes)

    @property
    def offered_hours(self) -> str:
        return hours_shown(self.offered_minutes)

    @property
    def utilisation(self) -> float | None:
        """Booked hours per offered hour; None when nothing was offered."""
        return self.booked_minutes / self.offered_minutes if self.offered_minutes else None

    @property
    def sessions(self) -> int:
        """Sessions of the period with an outcome."""
        return self.completed + self.cancelled + self.late_cancelled + self.no_show

    @property
    def cancellation_rate(self) -> float | None:
        sessions = self.sessions
        return (self.cancelled + self.late_cancelled) / sessions if sessions else None

    @property
    def no_show_rate(self) -> float | None:
        attended_or_not = self.completed + self.no_show
        return self.no_show / attended_or_not if attended_or_not else None

    @property
    def answers(self) -> Cell:
        return Cell(self.feedback.get("csat_answered", 0))

    @property
    def csat(self) -> float | None:
        answered = self.answers
        if answered.is_suppressed:
            return None
        return csat_percent(satisfied=self.feedback["satisfied"], answered=answered.value)

    @property
    def nps(self) -> float | None:
        answered = Cell(self.feedback.get("nps_answered", 0))
        if answered.is_suppressed:
            return None
        return nps_score(
            promoters=self.feedback["promoters"], detractors=self.feedback["detractors"], answered=answered.value
        )


def _offered_minutes(rules: dict[int, dict[int, int]], overrides, period: Period) -> dict[int, int]:
    """Minutes offered per specialist over the period's days: their weekly
    hours on each day, less days off, plus extra hours."""
    counts = defaultdict(int)
    day = period.start_on
    while day <= period.end_on:
        counts[day.weekday()] += 1
        day += timedelta(days=1)
    offered = {
        specialist: sum(minutes * counts[weekday] for weekday, minutes in days.items())
        for specialist, days in rules.items()
    }
    for override in overrides:
        day_minutes = rules.get(override.specialist_id, {}).get(override.date_on.weekday(), 0)
        if override.kind == AvailabilityOverride.Kind.EXTRA_HOURS:
            change = _minutes(override.start_time, override.end_time)
        elif override.start_time is None:
            change = -day_minutes
        else:
            change = -min(_minutes(override.start_time, override.end_time), day_minutes)
        offered[override.specialist_id] = max(offered.get(override.specialist_id, 0) + change, 0)
    return offered


def specialist_activity(*, organization: Organization, period: Period) -> list[SpecialistActivity]:
    """One row per specialist profile of the organization (any approval
    status), by display name. Seven queries (see the module docstring)."""
    profiles = list(
        SpecialistProfile.objects.filter(organization=organization)
        .only("public_id", "display_name", "status", "user_id")
        .annotate(payout=F("payout_account__status"))
        .order_by("display_name", "pk")
    )
    rows = {profile.pk: SpecialistActivity(profile=profile) for profile in profiles}
    if not rows:
        return []
    start, end = period.bounds()
    in_period = {"starts_at__gte": start, "starts_at__lt": end}
    sessions = (
        Appointment.objects.filter(specialist__organization=organization, **in_period)
        .values("specialist_id")
        .annotate(
            booked=Sum(
                ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField()),
                filter=Q(status__in=BOOKED_STATUSES),
            ),
            completed=Count("pk", filter=Q(status=S.COMPLETED)),
            cancelled=Count("pk", filter=Q(status=S.CANCELLED, is_late_cancellation=False)),
            late_cancelled=Count("pk", filter=Q(status=S.CANCELLED, is_late_cancellation=True)),
            no_show=Count("pk", filter=Q(status=S.NO_SHOW)),
        )
        .order_by()
    )
    for row in sessions:
        activity = rows[row.pop("specialist_id")]
        booked = row.pop("booked")
        activity.booked_minutes = int(booked.total_seconds() // 60) if booked else 0
        for name, value in row.items():
            setattr(activity, name, value)

    weekly: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for specialist_id, weekday, minutes in (
        AvailabilityRule.objects.filter(specialist__organization=organization)
        .annotate(minutes=_rule_minutes())
        .values_list("specialist_id", "weekday", "minutes")
    ):
        weekly[specialist_id][weekday] += minutes
    overrides = AvailabilityOverride.objects.filter(
        specialist__organization=organization, date_on__gte=period.start_on, date_on__lte=period.end_on
    ).only("specialist_id", "date_on", "kind", "start_time", "end_time")
    for specialist_id, minutes in _offered_minutes(weekly, overrides, period).items():
        rows[specialist_id].offered_minutes = minutes
    for specialist_id, days in weekly.items():
        rows[specialist_id].weekly_minutes = sum(days.values())

    caseloads = (
        CareRelationship.objects.filter(specialist__organization=organization, status=CareRelationship.Status.ACTIVE)
        .values("specialist_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in caseloads:
        rows[row["specialist_id"]].caseload = row["n"]

    by_user = {activity.profile.user_id: activity for activity in rows.values()}
    capacities = (
        ProgramRosterEntry.objects.filter(program__organization=organization)
        .values("specialist_id")
        .annotate(capacity=Sum("capacity"))
        .order_by()
    )
    for row in capacities:
        if row["specialist_id"] in by_user:
            by_user[row["specialist_id"]].capacity = row["capacity"]

    answers = (
        Feedback.objects.filter(
            specialist__organization=organization,
            appointment__starts_at__gte=start,
            appointment__starts_at__lt=end,
        )
        .values("specialist_id")
        .annotate(**score_counts())
        .order_by()
    )
    for row in answers:
        rows[row.pop("specialist_id")].feedback = row
    return list(rows.values())


def _last(value):
    """Sort key: rows without a figure go last, whichever the direction."""
    return (value is None, -(value or 0))


SORTS = {
    "name": (gettext_lazy("Name"), lambda row: row.profile.display_name.lower()),
    "status": (gettext_lazy("Approval status"), lambda row: (row.profile.status != "pending", row.profile.status)),
    "utilisation": (gettext_lazy("Utilisation"), lambda row: _last(row.utilisation)),
    "caseload": (gettext_lazy("Caseload"), lambda row: -row.caseload),
    "cancellations": (gettext_lazy("Cancellation rate"), lambda row: _last(row.cancellation_rate)),
    "no_shows": (gettext_lazy("No-show rate"), lambda row: _last(row.no_show_rate)),
}
DEFAULT_SORT = "name"


def sort_parse(raw: str | None) -> tuple[str, str]:
    """`?sort=` as one of `SORTS`; anything else is the default, with a notice."""
    if not raw or raw == DEFAULT_SORT:
        return DEFAULT_SORT, ""
    if raw in SORTS:
        return raw, ""
    return DEFAULT_SORT, _("We sorted by name: we do not know the order “%(value)s”.") % {"value": raw[:20]}


def activity_sorted(rows: list[SpecialistActivity], sort: str) -> list[SpecialistActivity]:
    """Rows in the chosen order, ties by name (Python's sort is stable)."""
    by_name = sorted(rows, key=SORTS["name"][1])
    return by_name if sort == "name" else sorted(by_name, key=SORTS[sort][1])
