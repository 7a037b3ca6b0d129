"""The specialist's caseload: every patient in their care with the last
and next session, the sessions this month, what is outstanding and who
needs a follow-up, sorted so what needs attention comes first.

A fixed number of queries whatever the number of patients: one for the
relationships with their session facts, the consents resolution
(`consents.selectors.requirements_for_many`), one per outstanding provider
of `core.timeline` (payments: unpaid sessions) and one for the scores.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db.models import Count, IntegerField, Max, Min, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from booking.models import Appointment
from booking.states import AppointmentStatus
from consents.models import FormResponse
from consents.selectors import requirements_for_many
from core import timeline
from core.timeutils import to_zone

from .models import CareRelationship
from .record import TRENDED, UPCOMING

S = AppointmentStatus

# A patient needs a follow-up when nothing is booked within this time of their last completed session.
FOLLOW_UP_WITHIN = timedelta(weeks=3)
# Sessions that count for "this month": held, or booked.
COUNTED = (S.AWAITING_PAYMENT, S.CONFIRMED, S.IN_PROGRESS, S.COMPLETED, S.NO_SHOW)
NEVER = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Flag:
    key: str  # "no_next_session", "unpaid", "score_rising"
    label: str


@dataclass
class CaseloadRow:
    relationship: CareRelationship
    last_session_at: datetime | None
    next_session_at: datetime | None
    sessions_this_month: int
    outstanding: list[str] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)

    @property
    def patient(self):
        return self.relationship.patient

    @property
    def is_current(self) -> bool:
        return self.relationship.status == CareRelationship.Status.ACTIVE

    def sort_key(self):
        return (
            -len(self.flags),
            -len(self.outstanding),
            self.next_session_at or NEVER,
            self.patient.display_name.lower(),
        )


def _month_start(now: datetime, zone_name: str) -> tuple[datetime, datetime]:
    local = to_zone(now, zone_name)
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


def _relationships(specialist, *, now: datetime, zone_name: str):
    pair = Appointment.objects.filter(specialist=specialist, patient=OuterRef("patient_id"))
    month_start, month_end = _month_start(now, zone_name)

    def one(queryset, aggregate):
        return Subquery(queryset.values("patient").annotate(value=aggregate).values("value")[:1])

    active_pairs = CareRelationship.objects.filter(specialist=specialist, status=CareRelationship.Status.ACTIVE).values(
        "patient_id"
    )
    return (
        CareRelationship.objects.filter(specialist=specialist)
        .filter(Q(status=CareRelationship.Status.ACTIVE) | ~Q(patient_id__in=active_pairs))
        .select_related("patient", "program")
        .annotate(
            last_session_at=one(pair.filter(status=S.COMPLETED), Max("starts_at")),
            next_session_at=one(pair.filter(status__in=UPCOMING, ends_at__gt=now), Min("starts_at")),
            sessions_this_month=Coalesce(
                one(
                    pair.filter(status__in=COUNTED, starts_at__gte=month_start, starts_at__lt=month_end),
                    Count("pk"),
                ),
                Value(0),
                output_field=IntegerField(),
            ),
        )
        .order_by("patient_id", "status", "-started_at")
    )


def _rising_scores(specialist, patient_ids) -> dict[int, list[Flag]]:
    """A flag per questionnaire whose last total is above the one before."""
    totals: dict[tuple[int, str], list[int]] = {}
    rows = (
        FormResponse.objects.filter(
            specialist=specialist,
            patient_id__in=patient_ids,
            status=FormResponse.Status.SUBMITTED,
            version__form__template_key__in=list(TRENDED),
        )
        .order_by("submitted_at", "pk")
        .values_list("patient_id", "version__form__template_key", "score")
    )
    for patient_id, key, score in rows:
        if isinstance(score, dict) and "total" in score:
            totals.setdefault((patient_id, key), []).append(int(score["total"]))
    flags: dict[int, list[Flag]] = {}
    for (patient_id, key), values in totals.items():
        if len(values) >= 2 and values[-1] > values[-2]:
            label = _("%(form)s rising (%(before)d → %(now)d)") % {
                "form": TRENDED[key],
                "before": values[-2],
                "now": values[-1],
            }
            flags.setdefault(patient_id, []).append(Flag("score_rising", label))
    return flags


def _missing_items(specialist, patient_ids) -> dict[int, list[str]]:
    answers = requirements_for_many([(patient_id, None, None) for patient_id in patient_ids])
    missing = {}
    for patient_id, requirements in zip(patient_ids, answers, strict=True):
        pending = [item for item in requirements.relevant_to(specialist) if not item.done]
        consents = sum(1 for item in pending if item.kind == "consent")
        forms = len(pending) - consents
        texts = []
        if consents:
            texts.append(
                ngettext("%(count)d consent to sign", "%(count)d consents to sign", consents) % {"count": consents}
            )
        if forms:
            texts.append(ngettext("%(count)d form to fill in", "%(count)d forms to fill in", forms) % {"count": forms})
        missing[patient_id] = texts
    return missing


def _no_next_session_flag(*, booked: bool) -> Flag:
    """A gap in care: nothing booked, or the next session too far out."""
    weeks = FOLLOW_UP_WITHIN.days // 7
    if booked:
        label = ngettext(
            "Next session more than %(weeks)d week after the last",
            "Next session more than %(weeks)d weeks after the last",
            weeks,
        )
    else:
        label = ngettext(
            "No next session booked (within %(weeks)d week of the last)",
            "No next session booked (within %(weeks)d weeks of the last)",
            weeks,
        )
    return Flag("no_next_session", label % {"weeks": weeks})


def caseload_for_specialist(*, specialist, zone_name: str = "UTC", now: datetime | None = None) -> list[CaseloadRow]:
    """Every patient the specialist treats or treated (one row each: the
    active relationship, else the latest ended one), most in need first."""
    now = now or timezone.now()
    relationships = {}
    for relationship in _relationships(specialist, now=now, zone_name=zone_name):
        relationships.setdefault(relationship.patient_id, relationship)  # active (then latest) first
    patient_ids = list(relationships)
    current_ids = [pid for pid, rel in relationships.items() if rel.status == CareRelationship.Status.ACTIVE]
    missing = _missing_items(specialist, current_ids) if current_ids else {}
    owed = timeline.outstanding(specialist, patient_ids)
    rising = _rising_scores(specialist, current_ids) if current_ids else {}

    rows = []
    for patient_id, relationship in relationships.items():
        row = CaseloadRow(
            relationship=relationship,
            last_session_at=relationship.last_session_at,
            next_session_at=relationship.next_session_at,
            sessions_this_month=relationship.sessions_this_month,
            outstanding=list(missing.get(patient_id, [])),
        )
        for item in owed.get(patient_id, []):
            if item.needs_follow_up:  # shown once, as a reason to follow up
                row.flags.append(Flag(item.key, item.label))
            else:
                row.outstanding.append(item.label)
        if row.is_current:
            last, upcoming = row.last_session_at, row.next_session_at
            if last is not None and (upcoming is None or upcoming - last > FOLLOW_UP_WITHIN):
                row.flags.insert(0, _no_next_session_flag(booked=upcoming is not None))
            row.flags.extend(rising.get(patient_id, []))
        rows.append(row)
    return sorted(rows, key=CaseloadRow.sort_key)
