"""Feedback after sessions: when it is due, the patient's answer and its
edits, the one-tap email link, and the NPS/CSAT arithmetic.

Organizations choose the questions (`FeedbackSettings`): a program's row
applies to that program's patients, else the organization's own row, else
the defaults: the satisfaction and progress questions after every completed
session; the recommendation question (NPS) from the patient's 3rd completed
session with the organization on, then again once 90 days have passed since
they were last asked it there.
"""

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from booking.models import Appointment
from booking.states import AppointmentStatus
from core.models import AuditLog
from core.services import audit_record, journey_event_record
from organizations.models import Program, ProgramEnrolment
from specialists.models import SpecialistProfile

from .models import CareRelationship, Feedback, FeedbackSettings

NPS_FROM_SESSION = 3
NPS_EVERY = timedelta(days=90)
EDITABLE_FOR = timedelta(days=7)
COMMENT_MAX_CHARS = 1000
LINK_SALT = "care.feedback-link"
LINK_MAX_AGE = timedelta(days=30)


@dataclass(frozen=True)
class FeedbackRules:
    """The questions asked after a session, and who sees the answers."""

    ask_csat: bool = True
    ask_progress: bool = True
    nps_from_session: int = NPS_FROM_SESSION  # 0: never ask the NPS question
    nps_every_days: int = NPS_EVERY.days
    anonymous: bool = False
    # Where the rules come from: "program", "organization" or "default".
    source: str = "default"

    @classmethod
    def from_row(cls, row: FeedbackSettings) -> "FeedbackRules":
        return cls(
            ask_csat=row.ask_csat,
            ask_progress=row.ask_progress,
            nps_from_session=row.nps_from_session,
            nps_every_days=row.nps_every_days,
            anonymous=row.anonymous,
            source="program" if row.program_id else "organization",
        )


def _program_of(appointment: Appointment) -> Program | None:
    """The program a session belongs to: the pair's care relationship's
    program (the active one first), else the patient's latest enrolment in
    a program of the specialist's organization."""
    relationship = (
        CareRelationship.objects.filter(
            patient=appointment.patient_id, specialist=appointment.specialist_id, program__isnull=False
        )
        .select_related("program")
        .order_by("status", "-started_at")  # "active" sorts before "ended"
        .first()
    )
    if relationship is not None:
        return relationship.program
    return (
        Program.objects.filter(
            organization__specialist_profiles=appointment.specialist_id,
            enrolments__patient=appointment.patient_id,
        )
        .order_by("-enrolments__created_at")
        .first()
    )


def feedback_settings_for(appointment: Appointment) -> FeedbackRules:
    """What to ask about `appointment`: its program's settings, else its
    specialist's organization's, else the defaults."""
    program = _program_of(appointment)
    wanted = Q(organization__specialist_profiles=appointment.specialist_id, program__isnull=True)
    if program is not None:
        wanted |= Q(program=program)
    rows = {row.program_id: row for row in FeedbackSettings.objects.filter(wanted)}
    row = rows.get(program.pk if program else None) or rows.get(None)
    return FeedbackRules.from_row(row) if row else FeedbackRules()


def feedback_is_anonymous(feedback: Feedback) -> bool:
    """Whether the specialist sees this answer without the patient's name.

    True when the session's rules say anonymous now, or said so when the
    patient answered: a promise of anonymity is kept even if the
    organization later turns it off.
    """
    return feedback.pk in feedback_anonymous_ids([feedback])


def feedback_anonymous_ids(feedbacks) -> set[int]:
    """The pks among `feedbacks` that are anonymous (see
    `feedback_is_anonymous`): one settings lookup per patient and
    specialist pair."""
    feedbacks = list(feedbacks)
    if not feedbacks:
        return set()
    rules = feedback_rules_for_pairs({(f.patient_id, f.specialist_id) for f in feedbacks})
    return {f.pk for f in feedbacks if f.anonymous or rules[(f.patient_id, f.specialist_id)].anonymous}


def feedback_rules_for_pairs(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], FeedbackRules]:
    """`feedback_settings_for` of many (patient id, specialist id) pairs at
    once, in four queries whatever their number: the rules depend on the
    pair only (its program and the specialist's organization)."""
    if not pairs:
        return {}
    patients = {patient for patient, _specialist in pairs}
    organization_of = dict(
        SpecialistProfile.objects.filter(pk__in={specialist for _patient, specialist in pairs}).values_list(
            "pk", "organization_id"
        )
    )
    program_of: dict[tuple[int, int], int] = {}
    relationships = (
        CareRelationship.objects.filter(patient__in=patients, specialist__in=organization_of, program__isnull=False)
        .order_by("status", "-started_at")  # as in `_program_of`: the active one first
        .values_list("patient_id", "specialist_id", "program_id")
    )
    for patient, specialist, program in relationships:
        program_of.setdefault((patient, specialist), program)
    enrolments = (
        ProgramEnrolment.objects.filter(patient__in=patients, program__organization__in=organization_of.values())
        .order_by("-created_at")
        .values_list("patient_id", "program__organization_id", "program_id")
    )
    latest_enrolment: dict[tuple[int, int], int] = {}
    for patient, organization, program in enrolments:
        latest_enrolment.setdefault((patient, organization), program)
    for patient, specialist in pairs:
        if (patient, specialist) not in program_of:
            enrolled = latest_enrolment.get((patient, organization_of.get(specialist)))
            if enrolled is not None:
                program_of[(patient, specialist)] = enrolled
    rows = list(
        FeedbackSettings.objects.filter(
            Q(organization__in=organization_of.values(), program__isnull=True) | Q(program__in=program_of.values())
        )
    )
    by_program = {row.program_id: row for row in rows if row.program_id}
    by_organization = {row.organization_id: row for row in rows if not row.program_id}
    result = {}
    for pair in pairs:
        row = by_program.get(program_of.get(pair)) or by_organization.get(organization_of.get(pair[1]))
        result[pair] = FeedbackRules.from_row(row) if row else FeedbackRules()
    return result


@dataclass(frozen=True)
class FeedbackDue:
    appointment: Appointment
    ask_nps: bool
    ask_csat: bool = True
    ask_progress: bool = True
    anonymous: bool = False


def _asks_nps(appointment: Appointment, rules: FeedbackRules) -> bool:
    if rules.nps_from_session == 0:
        return False
    same_org = Q(specialist__organization=appointment.specialist.organization_id)
    completed = Appointment.objects.filter(
        same_org,
        patient=appointment.patient_id,
        status=AppointmentStatus.COMPLETED,
        starts_at__lte=appointment.starts_at,
    ).count()
    if completed < rules.nps_from_session:
        return False
    return not Feedback.objects.filter(
        patient=appointment.patient_id,
        specialist__organization=appointment.specialist.organization_id,
        asked_nps=True,
        submitted_at__gt=timezone.now() - timedelta(days=rules.nps_every_days),
    ).exists()


def feedback_due_for(appointment: Appointment) -> FeedbackDue | None:
    """What to ask about `appointment`, or None when nothing is due (the
    session did not take place, it was answered already, or its
    organization asks nothing)."""
    if appointment.status != AppointmentStatus.COMPLETED:
        return None
    if Feedback.objects.filter(appointment=appointment).exists():
        return None
    rules = feedback_settings_for(appointment)
    ask_nps = _asks_nps(appointment, rules)
    if not (rules.ask_csat or rules.ask_progress or ask_nps):
        return None
    return FeedbackDue(
        appointment=appointment,
        ask_nps=ask_nps,
        ask_csat=rules.ask_csat,
        ask_progress=rules.ask_progress,
        anonymous=rules.anonymous,
    )


def _clean_answers(*, csat, progress, nps, comment, asked_nps: bool, asks_csat=True, asks_progress=True) -> dict:
    if csat is not None and not asks_csat:
        raise ValidationError(_("This question was not asked about this session."), code="csat_not_asked")
    if csat is not None and csat not in range(1, 6):
        raise ValidationError(_("Satisfaction is from 1 to 5."), code="csat")
    progress = progress or ""
    if progress and not asks_progress:
        raise ValidationError(_("This question was not asked about this session."), code="progress_not_asked")
    if progress and progress not in Feedback.Progress.values:
        raise ValidationError(_("Choose how things are going from the list."), code="progress")
    if nps is not None:
        if not asked_nps:
            raise ValidationError(_("This question was not asked about this session."), code="nps_not_asked")
        if nps not in range(0, 11):
            raise ValidationError(_("Likelihood to recommend is from 0 to 10."), code="nps")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX_CHARS:
        raise ValidationError(
            _("A comment is at most %(max)d characters.") % {"max": COMMENT_MAX_CHARS}, code="comment_too_long"
        )
    if csat is None and not progress and nps is None and not comment:
        raise ValidationError(_("Answer at least one question."), code="empty")
    return {"csat": csat, "progress": progress, "nps": nps, "comment": comment}


def feedback_submit(
    *, patient, appointment: Appointment, csat=None, progress=None, nps=None, comment="", request=None
) -> Feedback:
    """Store the patient's answer about their own completed session, once."""
    if appointment.patient_id != patient.pk:
        raise PermissionDenied(_("You can only give feedback on your own sessions."))
    due = feedback_due_for(appointment)
    if due is None:
        if appointment.status != AppointmentStatus.COMPLETED:
            raise ValidationError(_("Feedback is for sessions that took place."), code="not_completed")
        raise ValidationError(_("You already gave feedback on this session."), code="already_given")
    answers = _clean_answers(
        csat=csat,
        progress=progress,
        nps=nps,
        comment=comment,
        asked_nps=due.ask_nps,
        asks_csat=due.ask_csat,
        asks_progress=due.ask_progress,
    )
    now = timezone.now()
    try:
        with transaction.atomic():
            feedback = Feedback.objects.create(
                appointment=appointment,
                patient=patient,
                specialist_id=appointment.specialist_id,
                asked_nps=due.ask_nps,
                anonymous=due.anonymous,
                submitted_at=now,
                editable_until=now + EDITABLE_FOR,
                **answers,
            )
            audit_record(request=request, actor=patient, action=AuditLog.Action.WRITE, obj=feedback)
            journey_event_record(
                actor=patient, verb="feedback.given", obj=feedback, data={"appointment": str(appointment.public_id)}
            )
    except IntegrityError:
        # A second submission raced this one: the session has its answer.
        raise ValidationError(_("You already gave feedback on this session."), code="already_given") from None
    return feedback


@transaction.atomic
def feedback_edit(
    *, patient, feedback: Feedback, csat=None, progress=None, nps=None, comment="", request=None
) -> Feedback:
    """Replace the patient's answers while the feedback is still editable."""
    feedback = Feedback.objects.select_for_update().get(pk=feedback.pk)
    if feedback.patient_id != patient.pk:
        raise PermissionDenied(_("You can only change your own feedback."))
    if timezone.now() >= feedback.editable_until:
        raise ValidationError(_("Feedback can be changed for 7 days after it is given."), code="closed")
    rules = feedback_settings_for(feedback.appointment)
    answers = _clean_answers(
        csat=csat,
        progress=progress,
        nps=nps,
        comment=comment,
        asked_nps=feedback.asked_nps,
        # A question answered before stays answerable if it was dropped since.
        asks_csat=rules.ask_csat or feedback.csat is not None,
        asks_progress=rules.ask_progress or bool(feedback.progress),
    )
    for field, value in answers.items():
        setattr(feedback, field, value)
    feedback.save(update_fields=[*answers, "updated_at"])
    audit_record(request=request, actor=patient, action=AuditLog.Action.WRITE, obj=feedback)
    return feedback


def feedback_link_token(appointment: Appointment) -> str:
    """A signed token for the email's one-tap link to this session's feedback.

    It names the appointment by public id plus a random nonce (each email's
    link differs) and expires after `LINK_MAX_AGE`. It is single-use through
    the one Feedback row a session can have: once the session is answered,
    every link to it is refused. No table of used nonces is needed, since a
    link can do nothing but create that row.
    """
    return signing.dumps({"a": str(appointment.public_id), "n": secrets.token_urlsafe(8)}, salt=LINK_SALT)


def feedback_link_resolve(token: str) -> Appointment:
    """The appointment an emailed link is for; ValidationError when the link
    is forged, expired or already used."""
    try:
        payload = signing.loads(token, salt=LINK_SALT, max_age=LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise ValidationError(
            _("This link has expired. Give your feedback from your sessions page."), code="expired"
        ) from None
    except signing.BadSignature:
        raise ValidationError(_("This link is not valid."), code="invalid") from None
    try:
        public_id = uuid.UUID(payload["a"])
    except (TypeError, KeyError, ValueError):
        # Signed by us but not a link's payload: a token from elsewhere.
        raise ValidationError(_("This link is not valid."), code="invalid") from None
    appointment = Appointment.objects.select_related("specialist__user").filter(public_id=public_id).first()
    if appointment is None:
        raise ValidationError(_("This link is not valid."), code="invalid")
    if feedback_due_for(appointment) is None:
        raise ValidationError(_("This link was already used."), code="used")
    return appointment


def csat_percent(*, satisfied: int, answered: int) -> float | None:
    """CSAT: the percent of satisfaction answers that are 4 or 5."""
    return 100 * satisfied / answered if answered else None


def nps_score(*, promoters: int, detractors: int, answered: int) -> float | None:
    """NPS: percent promoters (9 or 10) minus percent detractors (0 to 6), from -100 to 100."""
    return 100 * (promoters - detractors) / answered if answered else None


def score_counts(of: str = "") -> dict[str, Count]:
    """The counts the scores are computed from, for `aggregate()` or a
    grouped `annotate()` over Feedback rows (or, with `of="feedback__"`,
    over the appointments they answer)."""
    return {
        "responses": Count(f"{of}pk"),
        "csat_answered": Count(f"{of}pk", filter=Q(**{f"{of}csat__isnull": False})),
        "satisfied": Count(f"{of}pk", filter=Q(**{f"{of}csat__gte": 4})),
        "nps_answered": Count(f"{of}pk", filter=Q(**{f"{of}nps__isnull": False})),
        "promoters": Count(f"{of}pk", filter=Q(**{f"{of}nps__gte": 9})),
        "detractors": Count(f"{of}pk", filter=Q(**{f"{of}nps__lte": 6})),
    }


@dataclass(frozen=True)
class FeedbackSummary:
    completed: int  # completed sessions
    responses: int  # of them, answered
    csat_answered: int
    satisfied: int  # CSAT 4 or 5
    nps_answered: int
    promoters: int  # NPS 9 or 10
    detractors: int  # NPS 0 to 6

    @property
    def response_rate(self) -> float | None:
        """Answered sessions per completed session, in percent."""
        return 100 * self.responses / self.completed if self.completed else None

    @property
    def csat(self) -> float | None:
        return csat_percent(satisfied=self.satisfied, answered=self.csat_answered)

    @property
    def nps(self) -> float | None:
        return nps_score(promoters=self.promoters, detractors=self.detractors, answered=self.nps_answered)


def nps_csat_summary(appointments: QuerySet[Appointment]) -> FeedbackSummary:
    """NPS, CSAT and response rate over the completed sessions among
    `appointments`, in two queries whatever their number."""
    completed = appointments.filter(status=AppointmentStatus.COMPLETED)
    counts = Feedback.objects.filter(appointment__in=completed.values("pk")).aggregate(**score_counts())
    return FeedbackSummary(completed=completed.count(), **counts)


# --- Organization settings ---------------------------------------------------


@transaction.atomic
def feedback_settings_save(
    *,
    organization,
    program: Program | None,
    by,
    ask_csat: bool,
    ask_progress: bool,
    nps_from_session: int,
    nps_every_days: int,
    anonymous: bool,
    request=None,
) -> FeedbackSettings:
    """Set what `organization` asks after a session: its own default
    (`program` None) or one program's override. `nps_from_session` 0 never
    asks the recommendation question."""
    if program is not None and program.organization_id != organization.pk:
        raise PermissionDenied(_("This program belongs to another organization."))
    if nps_every_days < 1:
        raise ValidationError(_("Ask the recommendation question again after at least 1 day."), code="every_days")
    if nps_from_session < 0:
        raise ValidationError(_("The session number cannot be negative."), code="from_session")
    fields = {
        "ask_csat": ask_csat,
        "ask_progress": ask_progress,
        "nps_from_session": nps_from_session,
        "nps_every_days": nps_every_days,
        "anonymous": anonymous,
    }
    row, _created = FeedbackSettings.objects.update_or_create(
        organization=organization, program=program, defaults=fields
    )
    audit_record(request=request, actor=by, action=AuditLog.Action.WRITE, obj=row)
    journey_event_record(
        actor=by,
        verb="feedback.settings_changed",
        obj=organization,
        data={"program": str(program.public_id) if program else None, **fields},
    )
    return row


@transaction.atomic
def feedback_settings_reset(*, organization, program: Program, by, request=None) -> None:
    """Let `program` follow the organization's default again."""
    if program.organization_id != organization.pk:
        raise PermissionDenied(_("This program belongs to another organization."))
    row = FeedbackSettings.objects.filter(organization=organization, program=program).first()
    if row is None:
        return
    audit_record(request=request, actor=by, action=AuditLog.Action.WRITE, obj=row)
    row.delete()
    journey_event_record(
        actor=by,
        verb="feedback.settings_changed",
        obj=organization,
        data={"program": str(program.public_id), "reset": True},
    )


# --- Small counts ------------------------------------------------------------

# Percentages over fewer answers than this are not shown: with a handful of
# answers, a score says what one patient answered. (The same threshold as
# the insights pages; insights sits above care, so care keeps its own.)
SMALL_COUNT = 11


def too_few(count: int) -> bool:
    return count < SMALL_COUNT
