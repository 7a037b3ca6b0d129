"""One patient's record as their specialist sees it.

The timeline comes from every app through `core.timeline`; care adds its
own entries here (the session notes and the patient's feedback) and the
parts only the record shows: the header facts and the PHQ-9 / GAD-7 trend.
Nothing here writes: the page's one audit row is written by
`selectors.record_get_for_specialist`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from booking.followup import follow_ups_for_patient
from booking.models import Appointment
from booking.states import AppointmentStatus
from consents.models import FormResponse
from core import timeline
from core.charts import Series, line_chart
from core.timeutils import format_date

from .feedback import feedback_anonymous_ids
from .models import ClinicalNote, Feedback
from .selectors import RecordAccess

S = AppointmentStatus
# Bundled questionnaires whose totals the record draws as a trend, in order.
TRENDED = {"phq9": "PHQ-9", "gad7": "GAD-7"}
# A session ahead of the pair: booked, or waiting for payment or an answer.
UPCOMING = (S.REQUESTED, S.AWAITING_PAYMENT, S.CONFIRMED, S.IN_PROGRESS)


# --- Care's own timeline entries ------------------------------------------------


def notes(scope: timeline.Scope):
    rows = (
        ClinicalNote.objects.filter(relationship__patient=scope.patient, relationship__specialist=scope.specialist)
        .select_related("appointment__offering")
        .annotate(amendment_count=Count("amendments"))
    )
    for note in rows:
        tags = [str(ClinicalNote.Template(note.template).label), str(ClinicalNote.Status(note.status).label)]
        if note.amendment_count:
            tags.append(
                ngettext("%(count)d amendment", "%(count)d amendments", note.amendment_count)
                % {"count": note.amendment_count}
            )
        yield timeline.Entry(
            at=note.signed_at or note.updated_at,
            kind="note",
            title=_("Note on %(session)s") % {"session": note.appointment.offering.name},
            url=reverse("care:specialist-note", args=[note.appointment.public_id]),
            tags=tuple(tags),
        )


def feedback(scope: timeline.Scope):
    """The patient's answers about their sessions, unless given anonymously
    (an anonymous answer never appears beside the patient's name)."""
    rows = list(
        Feedback.objects.filter(patient=scope.patient, specialist=scope.specialist).select_related(
            "appointment__offering"
        )
    )
    hidden = feedback_anonymous_ids(rows)
    for answer in rows:
        if answer.pk in hidden:
            continue
        tags = []
        if answer.csat is not None:
            tags.append(_("Satisfaction %(csat)d of 5") % {"csat": answer.csat})
        if answer.progress:
            tags.append(str(Feedback.Progress(answer.progress).label))
        if answer.nps is not None:
            tags.append(_("Would recommend: %(nps)d of 10") % {"nps": answer.nps})
        yield timeline.Entry(
            at=answer.submitted_at,
            kind="feedback",
            title=_("Feedback on %(session)s") % {"session": answer.appointment.offering.name},
            body=answer.comment or "",
            tags=tuple(tags),
        )


def register() -> None:
    timeline.register(notes)
    timeline.register(feedback)


def note_rows(note: ClinicalNote) -> list[tuple[str, str]]:
    """A note's sections in reading order as (label, text), for showing it."""
    sections = note.sections
    return [(label, sections.get(key, "")) for key, label in ClinicalNote.SECTIONS[note.template].items()]


# --- Score trends -------------------------------------------------------------------


@dataclass
class Trend:
    """One questionnaire's totals over time, oldest first."""

    key: str
    label: str
    maximum: int
    points: list[tuple[datetime, int, str]] = field(default_factory=list)  # (submitted, total, band)

    @property
    def latest(self):
        return self.points[-1] if self.points else None

    @property
    def change(self) -> int | None:
        """The last total minus the one before it (None with fewer than two)."""
        if len(self.points) < 2:
            return None
        return self.points[-1][1] - self.points[-2][1]


def score_trends(*, patient, specialist) -> list[Trend]:
    """The PHQ-9 and GAD-7 totals the patient submitted for `specialist` (one query)."""
    trends = {key: Trend(key=key, label=label, maximum=0) for key, label in TRENDED.items()}
    responses = (
        FormResponse.objects.filter(
            patient=patient,
            specialist=specialist,
            status=FormResponse.Status.SUBMITTED,
            version__form__template_key__in=list(TRENDED),
        )
        .select_related("version__form")
        .order_by("submitted_at", "pk")
    )
    for response in responses:
        score = response.score or {}
        if "total" not in score:
            continue
        trend = trends[response.version.form.template_key]
        trend.maximum = max(trend.maximum, int(score.get("max") or 0))
        trend.points.append(
            (
                response.submitted_at or response.updated_at,
                int(score["total"]),
                _(score["band"]) if score.get("band") else "",
            )
        )
    return [trend for trend in trends.values() if trend.points]


# --- The header ---------------------------------------------------------------------


def next_session(*, patient, specialist, now: datetime | None = None) -> Appointment | None:
    now = now or timezone.now()
    return (
        Appointment.objects.filter(patient=patient, specialist=specialist, status__in=UPCOMING, ends_at__gt=now)
        .select_related("offering")
        .order_by("starts_at")
        .first()
    )


def record_links(access: RecordAccess, scope: timeline.Scope) -> list[timeline.Link]:
    """The header's quick links: the other apps' (Message), proposing the
    next session (while care lasts) and the consents and forms checklist."""
    links = list(timeline.links(scope))
    if access.is_current:
        # The same service as the last completed session when one is to follow up; else any.
        follow_up = follow_ups_for_patient(patient=access.patient, specialist=access.specialist, to_patient=False)
        found = follow_up.get(access.specialist.pk)
        propose = (
            found.propose_url if found else f"{reverse('booking:proposal-create')}?patient={access.patient.public_id}"
        )
        links.append(timeline.Link(_("Propose next session"), propose, 20))
    links.append(
        timeline.Link(_("Consents and forms"), reverse("consents:specialist-patient", args=[access.patient.public_id]))
    )
    return sorted(links, key=lambda link: link.order)


def trend_charts(trends: list[Trend], *, zone_name: str = "UTC") -> list:
    """One small line chart per questionnaire (its own scale), with its table."""
    charts = []
    for trend in trends:
        labels = [format_date(at, "", zone_name) for at, _total, _band in trend.points]
        values = [total for _at, total, _band in trend.points]
        latest = trend.latest
        caption = _("Latest %(total)d of %(max)d") % {"total": latest[1], "max": trend.maximum}
        if latest[2]:
            caption = f"{caption} · {latest[2]}"
        charts.append(
            line_chart(
                title=_("%(form)s over time") % {"form": trend.label},
                labels=labels,
                series=[Series(_("%(form)s score") % {"form": trend.label}, values)],
                y_label=_("Score"),
                y_max=trend.maximum or None,
                caption=caption,
                chart_id=f"trend-{trend.key}",
            )
        )
    return charts
