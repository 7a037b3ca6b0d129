import uuid
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from core.models import AuditLog
from core.services import audit_record
from organizations.models import Membership
from specialists.models import SpecialistProfile

from .models import CareRelationship, ClinicalNote, NoteAmendment


def care_relationship_list_for_patient(*, user) -> QuerySet[CareRelationship]:
    return (
        CareRelationship.objects.filter(patient=user, status=CareRelationship.Status.ACTIVE)
        .select_related("specialist", "specialist__user")
        .order_by("-started_at")
    )


def active_patient_counts(*, specialist_ids, program=None) -> dict[int, int]:
    """Active relationships per specialist profile id (optionally within one program)."""
    condition = Q(care_relationships__status=CareRelationship.Status.ACTIVE)
    if program is not None:
        condition &= Q(care_relationships__program=program)
    rows = (
        SpecialistProfile.objects.filter(pk__in=specialist_ids)
        .annotate(active=Count("care_relationships", filter=condition))
        .values_list("pk", "active")
    )
    return dict(rows)


def patient_ids_of_specialist(specialist) -> QuerySet:
    """Ids of the patients in active care with `specialist`."""
    return CareRelationship.objects.filter(specialist=specialist, status=CareRelationship.Status.ACTIVE).values(
        "patient_id"
    )


def care_relationship_exists(*, patient_id, specialist_id) -> bool:
    """Whether the pair ever had a care relationship (active or ended)."""
    return CareRelationship.objects.filter(patient=patient_id, specialist=specialist_id).exists()


def note_get_for_specialist(*, user, public_id, request=None) -> ClinicalNote:
    """The note, with its amendments in order, for its treating specialist
    only; 404 for anyone else (so its existence does not leak), recorded as
    a denial. Every read leaves an audit row."""
    note = (
        ClinicalNote.objects.select_related("appointment", "relationship__specialist", "author", "signed_by")
        .prefetch_related(Prefetch("amendments", queryset=NoteAmendment.objects.select_related("author")))
        .filter(public_id=public_id)
        .first()
    )
    if note is None:
        raise Http404
    if note.relationship.specialist.user_id != user.pk:
        audit_record(request=request, actor=user, action=AuditLog.Action.DENIED, obj=note)
        raise Http404
    audit_record(request=request, actor=user, action=AuditLog.Action.READ, obj=note)
    return note


# --- The patient record -------------------------------------------------------


@dataclass(frozen=True)
class RecordAccess:
    """A specialist's way into one patient's record: the pair's latest
    relationship (the active one if any). An ended one opens the past
    record read-only."""

    patient: object
    specialist: SpecialistProfile
    relationship: CareRelationship
    since: object  # when the pair's care first started

    @property
    def is_current(self) -> bool:
        return self.relationship.status == CareRelationship.Status.ACTIVE


def record_get_for_specialist(*, user, public_id, request=None) -> RecordAccess:
    """The record of the patient `public_id` for a specialist who treats or
    treated them; 404 for anyone else. One audit row per view of it."""
    try:
        wanted = uuid.UUID(str(public_id))
    except ValueError:
        raise Http404 from None
    relationships = list(
        CareRelationship.objects.filter(specialist__user=user, patient__public_id=wanted)
        .select_related("patient", "specialist__user", "specialist__organization", "program")
        .order_by("status", "-started_at")  # "active" sorts before "ended"
    )
    if not relationships:
        patient = get_user_model().objects.filter(public_id=wanted).first()
        if patient is not None:
            audit_record(request=request, actor=user, action=AuditLog.Action.DENIED, obj=patient)
        raise Http404
    current = relationships[0]
    audit_record(request=request, actor=user, action=AuditLog.Action.READ, obj=current.patient)
    return RecordAccess(
        patient=current.patient,
        specialist=current.specialist,
        relationship=current,
        since=min(relationship.started_at for relationship in relationships),
    )


def note_of_appointment(*, appointment) -> ClinicalNote | None:
    """The session's note with its amendments, unaudited: callers that show
    its text read it through `note_get_for_specialist`."""
    return ClinicalNote.objects.filter(appointment=appointment).only("public_id").first()


# --- Organization note access -----------------------------------------------------


def note_reader_membership(*, user, organization) -> Membership | None:
    """`user`'s admin membership of `organization` if it holds a note access grant."""
    return (
        Membership.objects.filter(
            user=user,
            organization=organization,
            role=Membership.Role.ADMIN,
            is_active=True,
            note_access_grant__isnull=False,
        )
        .select_related("note_access_grant")
        .first()
    )


def note_access_admins(*, organization) -> QuerySet[Membership]:
    """The organization's active admins, each with its grant (or none), for the access page."""
    return (
        Membership.objects.filter(organization=organization, role=Membership.Role.ADMIN, is_active=True)
        .select_related("user", "note_access_grant__granted_by")
        .order_by("user__full_name", "user__email")
    )


def _require_reader(*, user, organization, request=None) -> Membership:
    membership = note_reader_membership(user=user, organization=organization)
    if membership is None:
        audit_record(request=request, actor=user, action=AuditLog.Action.DENIED, obj=organization)
        raise Http404
    return membership


def _organization_notes(organization) -> QuerySet[ClinicalNote]:
    return ClinicalNote.objects.filter(relationship__specialist__organization=organization).select_related(
        "appointment__offering", "relationship__patient", "relationship__specialist__user", "author", "signed_by"
    )


def note_list_for_org_reader(
    *, user, organization, specialist=None, patient_query: str = "", start_on=None, end_on=None, request=None
) -> QuerySet[ClinicalNote]:
    """The notes of `organization`'s specialists for a member it granted
    note access; 404 for everyone else. Filters: specialist profile, patient
    name or email, session dates (inclusive). The list shows no note text;
    its view is recorded as one audit row."""
    _require_reader(user=user, organization=organization, request=request)
    notes = _organization_notes(organization).annotate(amendment_count=Count("amendments"))
    if specialist is not None:
        notes = notes.filter(relationship__specialist=specialist)
    if patient_query:
        notes = notes.filter(
            Q(relationship__patient__full_name__icontains=patient_query)
            | Q(relationship__patient__preferred_name__icontains=patient_query)
            | Q(relationship__patient__email__icontains=patient_query)
        )
    if start_on is not None:
        notes = notes.filter(appointment__starts_at__date__gte=start_on)
    if end_on is not None:
        notes = notes.filter(appointment__starts_at__date__lte=end_on)
    audit_record(request=request, actor=user, action=AuditLog.Action.READ, obj=organization)
    return notes.order_by("-appointment__starts_at")


def note_get_for_org_reader(*, user, organization, public_id, request=None) -> ClinicalNote:
    """One note of the organization's for a granted member (read only);
    404 for everyone else. Every read leaves an audit row on the note."""
    _require_reader(user=user, organization=organization, request=request)
    try:
        wanted = uuid.UUID(str(public_id))
    except ValueError:
        raise Http404 from None
    note = (
        _organization_notes(organization)
        .prefetch_related(Prefetch("amendments", queryset=NoteAmendment.objects.select_related("author")))
        .filter(public_id=wanted)
        .first()
    )
    if note is None:
        raise Http404
    audit_record(request=request, actor=user, action=AuditLog.Action.READ, obj=note)
    return note
