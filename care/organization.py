"""The organization's view of its patients: the list, one patient's page,
the data export, and deactivation.

An organization sees what it holds about its own patients (members with
the patient role): who they are, its programs and specialists they are
with, their sessions with its specialists, the consents and forms of its
own (names, versions and dates, never answers or scores). Clinical notes
are not part of it; an admin holding a note access grant gets a link to
the notes pages, which audit each read themselves.

Lists read in a fixed number of queries per page, whatever its length.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from allauth.usersessions.models import UserSession
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from booking.models import Appointment
from booking.readiness import READY_STATUSES, blockers_by_appointment, readiness_annotate
from booking.services import appointment_transition
from booking.states import ALLOWED, AppointmentStatus
from consents.models import ConsentSignature, FormResponse
from core import timeline
from core.models import AuditLog
from core.services import audit_record, journey_event_record
from organizations.models import Membership, Organization, Program, ProgramEnrolment
from organizations.services import membership_revoke
from specialists.models import SpecialistProfile

from .models import CareRelationship
from .selectors import note_reader_membership

S = AppointmentStatus
PAGE_SIZE = 50
SESSION_LIMIT = 200
# Sessions that took place (or were missed): the "last session".
PAST = (S.COMPLETED, S.NO_SHOW, S.IN_PROGRESS)
# Sessions both sides still expect: the "next session".
COMING = (S.REQUESTED, S.PROPOSED, S.AWAITING_PAYMENT, S.CONFIRMED)
# What deactivation calls off: anything still heading for a session.
CALLED_OFF = tuple(status for status in (S.HELD, *COMING) if S.CANCELLED in ALLOWED.get(status, set()))


class Status:
    ACTIVE = "active"
    DEACTIVATED = "deactivated"
    ALL = "all"


class ReadinessFilter:
    READY = "ready"
    BLOCKED = "blocked"
    NONE = "none"


@dataclass
class PatientFilters:
    """What the list is narrowed to; every field already validated."""

    search: str = ""
    program: Program | None = None
    specialist: SpecialistProfile | None = None
    status: str = Status.ACTIVE
    readiness: str = ""
    joined_from: datetime | None = None  # inclusive
    joined_until: datetime | None = None  # exclusive
    notices: list[str] = field(default_factory=list)


@dataclass
class PatientRow:
    membership: Membership
    programs: list[Program] = field(default_factory=list)
    specialists: list[SpecialistProfile] = field(default_factory=list)
    last_session_at: datetime | None = None
    next_session: Appointment | None = None

    @property
    def patient(self):
        return self.membership.user


def patient_filter_choices(organization: Organization):
    """The programs and specialists the list can be narrowed to."""
    programs = list(Program.objects.filter(organization=organization).order_by("name"))
    specialists = list(SpecialistProfile.objects.filter(organization=organization).order_by("display_name", "pk"))
    return programs, specialists


def _next_sessions(organization: Organization, patient_ids, *, statuses=COMING) -> dict[int, Appointment]:
    """Each patient's soonest coming session with the organization's
    specialists (one query)."""
    rows = (
        Appointment.objects.filter(
            specialist__organization=organization,
            patient_id__in=patient_ids,
            status__in=statuses,
            starts_at__gt=timezone.now(),
        )
        .select_related("specialist", "offering")
        .order_by("starts_at", "pk")
    )
    soonest: dict[int, Appointment] = {}
    for appointment in rows:
        soonest.setdefault(appointment.patient_id, appointment)
    return soonest


def _readiness_ids(organization: Organization, patient_ids, wanted: str) -> set[int]:
    """Of `patient_ids`, those whose next booked session is ready, blocked,
    or who have none (`wanted`)."""
    soonest = _next_sessions(organization, patient_ids, statuses=READY_STATUSES)
    if wanted == ReadinessFilter.NONE:
        return set(patient_ids) - set(soonest)
    blocked = {appointment.patient_id for appointment, items in blockers_by_appointment(soonest.values()) if items}
    return blocked if wanted == ReadinessFilter.BLOCKED else set(soonest) - blocked


def patient_list_for_organization(organization: Organization, filters: PatientFilters) -> QuerySet[Membership]:
    """The organization's patient memberships narrowed by `filters`, newest
    members first. The readiness filter resolves the candidates' next
    sessions in one batch (a fixed number of queries)."""
    queryset = Membership.objects.filter(organization=organization, role=Membership.Role.PATIENT).select_related("user")
    if filters.status == Status.ACTIVE:
        queryset = queryset.filter(is_active=True)
    elif filters.status == Status.DEACTIVATED:
        queryset = queryset.filter(is_active=False)
    if filters.search:
        term = filters.search
        queryset = queryset.filter(
            Q(user__full_name__icontains=term)
            | Q(user__preferred_name__icontains=term)
            | Q(user__email__icontains=term)
        )
    if filters.program is not None:
        queryset = queryset.filter(
            Exists(ProgramEnrolment.objects.filter(program=filters.program, patient_id=OuterRef("user_id")))
        )
    if filters.specialist is not None:
        queryset = queryset.filter(
            Exists(
                CareRelationship.objects.filter(
                    specialist=filters.specialist,
                    patient_id=OuterRef("user_id"),
                    status=CareRelationship.Status.ACTIVE,
                )
            )
        )
    if filters.joined_from is not None:
        queryset = queryset.filter(created_at__gte=filters.joined_from)
    if filters.joined_until is not None:
        queryset = queryset.filter(created_at__lt=filters.joined_until)
    if filters.readiness:
        candidates = list(queryset.values_list("user_id", flat=True))
        queryset = queryset.filter(user_id__in=_readiness_ids(organization, candidates, filters.readiness))
    return queryset.order_by("-created_at", "-pk")


def patient_rows(organization: Organization, memberships) -> list[PatientRow]:
    """One page of memberships with their programs, active specialists,
    last and next session and that session's readiness: five queries plus
    one readiness resolution, whatever the page's length."""
    rows = [PatientRow(membership) for membership in memberships]
    by_patient = {row.membership.user_id: row for row in rows}
    ids = list(by_patient)
    if not ids:
        return rows
    enrolments = ProgramEnrolment.objects.filter(program__organization=organization, patient_id__in=ids)
    for enrolment in enrolments.select_related("program").order_by("program__name"):
        by_patient[enrolment.patient_id].programs.append(enrolment.program)
    relationships = CareRelationship.objects.filter(
        specialist__organization=organization, patient_id__in=ids, status=CareRelationship.Status.ACTIVE
    )
    for relationship in relationships.select_related("specialist").order_by("specialist__display_name"):
        by_patient[relationship.patient_id].specialists.append(relationship.specialist)
    last = (
        Appointment.objects.filter(
            specialist__organization=organization, patient_id__in=ids, status__in=PAST, starts_at__lte=timezone.now()
        )
        .values("patient_id")
        .annotate(last=Max("starts_at"))
        .values_list("patient_id", "last")
    )
    for patient_id, at in last:
        by_patient[patient_id].last_session_at = at
    soonest = _next_sessions(organization, ids)
    readiness_annotate(soonest.values())
    for patient_id, appointment in soonest.items():
        by_patient[patient_id].next_session = appointment
    return rows


def patient_get_for_organization(*, organization: Organization, public_id) -> Membership:
    """The patient membership (active or not) of the user `public_id` in
    `organization`; 404 for anyone who is not one of its patients."""
    membership = (
        Membership.objects.filter(organization=organization, role=Membership.Role.PATIENT, user__public_id=public_id)
        .select_related("user", "organization")
        .first()
    )
    if membership is None:
        raise Http404
    return membership


@dataclass
class PatientFile:
    """Everything the organization holds on one patient, as shown and exported."""

    membership: Membership
    enrolments: list
    relationships: list
    sessions: list
    sessions_truncated: bool
    signatures: list
    forms: list
    payments: list
    can_read_notes: bool

    @property
    def patient(self):
        return self.membership.user


def patient_file(*, organization: Organization, membership: Membership, viewer) -> PatientFile:
    """The patient's file as `organization` may see it (a fixed number of
    queries): no clinical notes, no form answers or scores."""
    patient = membership.user
    sessions = list(
        Appointment.objects.filter(patient=patient, specialist__organization=organization)
        .select_related("specialist", "offering")
        .order_by("-starts_at", "-pk")[: SESSION_LIMIT + 1]
    )
    return PatientFile(
        membership=membership,
        enrolments=list(
            ProgramEnrolment.objects.filter(patient=patient, program__organization=organization)
            .select_related("program")
            .order_by("program__name")
        ),
        relationships=list(
            CareRelationship.objects.filter(patient=patient, specialist__organization=organization)
            .select_related("specialist", "program")
            .order_by("-started_at")
        ),
        sessions=sessions[:SESSION_LIMIT],
        sessions_truncated=len(sessions) > SESSION_LIMIT,
        signatures=list(
            ConsentSignature.objects.filter(patient=patient, version__document__organization=organization)
            .select_related("version__document")
            .order_by("-signed_at")
        ),
        forms=list(
            FormResponse.objects.filter(
                patient=patient, version__form__organization=organization, status=FormResponse.Status.SUBMITTED
            )
            .select_related("version__form", "specialist")
            .only(
                "public_id",
                "submitted_at",
                "status",
                "version__number",
                "version__form__title",
                "specialist__display_name",
            )
            .order_by("-submitted_at")
        ),
        payments=timeline.organization_facts(organization, patient, kind="payment"),
        can_read_notes=note_reader_membership(user=viewer, organization=organization) is not None,
    )


def _when(value) -> str | None:
    return value.isoformat() if value else None


def patient_export(file: PatientFile) -> dict:
    """The file as plain data for the JSON download: the same facts as the
    page, nothing more."""
    patient, membership = file.patient, file.membership
    return {
        "format": "daraport.organization-patient-export.v1",
        "exported_at": timezone.now().isoformat(),
        "organization": {"name": membership.organization.name, "slug": membership.organization.slug},
        "patient": {
            "id": str(patient.public_id),
            "full_name": patient.full_name,
            "preferred_name": patient.preferred_name,
            "email": patient.email,
            "timezone": patient.timezone,
            "joined_at": _when(membership.created_at),
            "membership_active": membership.is_active,
            "account_active": patient.is_active,
        },
        "programs": [
            {"name": enrolment.program.name, "joined_at": _when(enrolment.created_at), "via": enrolment.via}
            for enrolment in file.enrolments
        ],
        "care_relationships": [
            {
                "specialist": relationship.specialist.display_name,
                "program": relationship.program.name if relationship.program else None,
                "status": relationship.status,
                "started_at": _when(relationship.started_at),
                "ended_at": _when(relationship.ended_at),
            }
            for relationship in file.relationships
        ],
        "sessions": [
            {
                "id": str(appointment.public_id),
                "specialist": appointment.specialist.display_name,
                "offering": appointment.offering.name,
                "starts_at": _when(appointment.starts_at),
                "ends_at": _when(appointment.ends_at),
                "status": appointment.status,
                "is_late_cancellation": appointment.is_late_cancellation,
            }
            for appointment in file.sessions
        ],
        "consents": [
            {
                "title": signature.version.document.title,
                "version": signature.version.number,
                "signed_at": _when(signature.signed_at),
                "withdrawn_at": _when(signature.withdrawn_at),
            }
            for signature in file.signatures
        ],
        "forms": [
            {
                "title": response.version.form.title,
                "version": response.version.number,
                "specialist": response.specialist.display_name,
                "submitted_at": _when(response.submitted_at),
            }
            for response in file.forms
        ],
        "payments": [{"at": _when(fact.at), "title": fact.title, "status": list(fact.tags)} for fact in file.payments],
        "clinical_notes": "not included: read them in the clinical notes pages with a note access grant",
    }


@transaction.atomic
def patient_deactivate(*, membership: Membership, by, request=None) -> Membership:
    """End `membership` (a patient's, of its organization) for `by`.

    Calls off the patient's coming sessions with the organization's
    specialists (through the appointment lifecycle, so both sides get the
    usual cancellation notice), and when the patient holds no other active
    membership anywhere, deactivates the account and ends its sessions.
    Deactivating twice is refused with a message and changes nothing.
    """
    membership = Membership.objects.select_for_update().select_related("user", "organization").get(pk=membership.pk)
    if membership.role != Membership.Role.PATIENT:
        raise Http404
    if not membership.is_active:
        raise ValidationError(_("This patient was already deactivated."), code="already_deactivated")
    patient, organization = membership.user, membership.organization
    membership = membership_revoke(membership=membership, by=by)
    reason = _("The organization closed this patient's account with it.")
    coming = Appointment.objects.filter(
        patient=patient, specialist__organization=organization, status__in=CALLED_OFF, starts_at__gt=timezone.now()
    )
    cancelled = 0
    for appointment in coming.order_by("starts_at"):
        appointment_transition(appointment=appointment, to=S.CANCELLED, by=by, reason=reason)
        cancelled += 1
    account_closed = not Membership.objects.filter(user=patient, is_active=True).exists()
    if account_closed and patient.is_active:
        patient.is_active = False
        patient.save(update_fields=["is_active", "updated_at"])
        for session in UserSession.objects.purge_and_list(patient):
            session.end()
    journey_event_record(
        actor=by,
        verb="patient.deactivated",
        obj=membership,
        data={"sessions_cancelled": cancelled, "account_closed": account_closed},
    )
    audit_record(request=request, actor=by, action=AuditLog.Action.WRITE, obj=membership)
    return membership


def joined_range(start_on: date | None, end_on: date | None, zone) -> tuple[datetime | None, datetime | None]:
    """[start of `start_on`, start of the day after `end_on`) in `zone`."""
    start = datetime.combine(start_on, datetime.min.time(), tzinfo=zone) if start_on else None
    end = datetime.combine(end_on, datetime.min.time(), tzinfo=zone) + timedelta(days=1) if end_on else None
    return start, end
