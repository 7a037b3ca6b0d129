"""Is this appointment ready? Booking's reads that put appointments next to
what `consents.selectors` says is still missing.

An appointment is ready when nothing due "before the first session" is
pending for its patient with its specialist: a consent to sign, a form to
submit. Only the items of the specialist's own organization count (a
consent of another clinic the patient also sees is that clinic's business,
and naming it to this one would say more than it needs to know).

Lists resolve every appointment with one `requirements_for_many` call: a
fixed number of queries (ten at most) whatever the number of appointments
or patients on the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext

from consents.models import CareContext, RequiredBefore
from consents.selectors import Item, Requirements, requirements_for, requirements_for_many
from organizations.models import Membership, Program, ProgramEnrolment
from specialists.models import SpecialistProfile

from .models import Appointment
from .states import AppointmentStatus

S = AppointmentStatus

# The sessions whose readiness is shown: booked, or booked once paid.
READY_STATUSES = (S.AWAITING_PAYMENT, S.CONFIRMED)
BOARD_ROW_LIMIT = 500


@dataclass
class Readiness:
    """What still blocks one appointment (empty: ready)."""

    blockers: list[Item] = field(default_factory=list)

    @property
    def is_ready(self) -> bool:
        return not self.blockers

    @property
    def count(self) -> int:
        return len(self.blockers)

    @property
    def titles(self) -> str:
        return ", ".join(item.title for item in self.blockers)


def _blockers(requirements: Requirements, appointment: Appointment, moment=RequiredBefore.SESSION) -> list[Item]:
    return requirements.blocking(moment, appointment.specialist)


def _ask(appointment: Appointment):
    return (appointment.patient_id, appointment.specialist, appointment.offering)


def shows_readiness(appointment: Appointment, now: datetime) -> bool:
    return appointment.status in READY_STATUSES and appointment.starts_at > now


def readiness_annotate(appointments, *, now: datetime | None = None) -> None:
    """Set `appointment.readiness` on each of `appointments`: a `Readiness`
    for upcoming confirmed or awaiting-payment sessions, else None.

    The appointments must come with `specialist` and `offering` loaded.
    One batched resolution for all of them (see the module docstring).
    """
    now = now or timezone.now()
    appointments = list(appointments)
    shown = [appointment for appointment in appointments if shows_readiness(appointment, now)]
    for appointment in appointments:
        appointment.readiness = None
    for appointment, requirements in zip(shown, requirements_for_many(map(_ask, shown)), strict=True):
        appointment.readiness = Readiness(_blockers(requirements, appointment))


def appointment_items(appointment: Appointment) -> list[Item]:
    """Everything due before `appointment`'s session, done or not, for the
    specialist's "Before the session" panel: the consents of their
    organization and the forms answered for them."""
    requirements = requirements_for(
        appointment.patient, specialist=appointment.specialist, offering=appointment.offering
    )
    return requirements.relevant_to(appointment.specialist)


def booking_blockers(*, patient, offering) -> list[Item]:
    """What `patient` must do before booking `offering` (empty: go ahead)."""
    specialist = offering.specialist
    requirements = requirements_for(patient, specialist=specialist, offering=offering)
    return requirements.blocking(RequiredBefore.BOOKING, specialist)


def blockers_text(specialist, blockers: list[Item]) -> str:
    """What to do before booking with `specialist`, in a sentence."""
    values = {"name": specialist.display_name, "items": ", ".join(item.title for item in blockers)}
    if all(item.kind == "consent" for item in blockers):
        return gettext("Before booking with %(name)s, please sign: %(items)s.") % values
    return gettext("Before booking with %(name)s, please complete: %(items)s.") % values


def blockers_by_appointment(appointments) -> list[tuple[Appointment, list[Item]]]:
    """Each of `appointments` with what blocks it, in one resolution."""
    appointments = list(appointments)
    resolved = requirements_for_many(map(_ask, appointments))
    return [
        (appointment, _blockers(requirements, appointment))
        for appointment, requirements in zip(appointments, resolved, strict=True)
    ]


# --- The organization's status board ------------------------------------------------


@dataclass
class BoardRow:
    appointment: Appointment
    blockers: list[Item]

    @property
    def is_ready(self) -> bool:
        return not self.blockers


@dataclass
class SummaryRow:
    kind: str  # "consent" or "form"
    title: str
    key: tuple[str, int]  # (kind, document or form id)
    completed: int = 0
    pending: int = 0


@dataclass
class PatientRow:
    """Who has completed what: one patient's state per summary column
    (True done, False pending, None does not apply to them)."""

    patient: object
    cells: list[bool | None]


@dataclass
class Board:
    rows: list[BoardRow]
    truncated: bool
    summary: list[SummaryRow]
    patients: list[PatientRow]


def board_appointments(organization, *, start_at, end_at, program=None, specialist=None, limit=BOARD_ROW_LIMIT):
    """The organization's confirmed and awaiting-payment sessions starting
    in [start_at, end_at), optionally of one program's patients or one
    specialist, soonest first, at most `limit` + 1 (to tell it was cut)."""
    queryset = Appointment.objects.filter(
        specialist__organization=organization,
        status__in=READY_STATUSES,
        starts_at__gte=start_at,
        starts_at__lt=end_at,
    ).select_related("patient", "specialist__user", "offering")
    if program is not None:
        queryset = queryset.filter(patient__program_enrolments__program=program)
    if specialist is not None:
        queryset = queryset.filter(specialist=specialist)
    return list(queryset.order_by("starts_at", "pk")[: limit + 1])


def _organization_patient_ids(organization, *, program=None, specialist=None) -> set[int]:
    """The organization's patients (members, or who booked one of its
    specialists), narrowed to a program's or a specialist's."""
    ids = set(
        Membership.objects.filter(organization=organization, role=Membership.Role.PATIENT).values_list(
            "user_id", flat=True
        )
    ) | set(CareContext.objects.filter(specialist__organization=organization).values_list("patient_id", flat=True))
    if program is not None:
        ids &= set(ProgramEnrolment.objects.filter(program=program).values_list("patient_id", flat=True))
    if specialist is not None:
        ids &= set(CareContext.objects.filter(specialist=specialist).values_list("patient_id", flat=True))
    return ids


def board_summary(organization, *, program=None, specialist=None) -> tuple[list[SummaryRow], list[PatientRow]]:
    """Per consent document and form of `organization`: how many of its
    patients it applies to have completed it, and how many have not; and
    per patient, which they have completed."""
    patient_ids = sorted(_organization_patient_ids(organization, program=program, specialist=specialist))
    rows: dict[tuple[str, int], SummaryRow] = {}
    states: list[tuple[int, dict[tuple[str, int], bool]]] = []
    for patient_id, requirements in zip(
        patient_ids, requirements_for_many((pid, None, None) for pid in patient_ids), strict=True
    ):
        per_owner: dict[tuple[str, int], bool] = {}
        for item in (item for item in requirements.items if item.organization_id == organization.pk):
            if specialist is not None and item.specialist is not None and item.specialist != specialist:
                continue
            owner = item.version.document_id if item.kind == "consent" else item.version.form_id
            key = (item.kind, owner)
            rows.setdefault(key, SummaryRow(kind=item.kind, title=item.title, key=key))
            per_owner[key] = per_owner.get(key, True) and item.done
        for key, done in per_owner.items():
            if done:
                rows[key].completed += 1
            else:
                rows[key].pending += 1
        if per_owner:
            states.append((patient_id, per_owner))
    summary = sorted(rows.values(), key=lambda row: (row.kind != "consent", row.title.lower()))
    people = get_user_model().objects.in_bulk([patient_id for patient_id, _ in states])
    patients = [
        PatientRow(people[patient_id], [per_owner.get(row.key) for row in summary]) for patient_id, per_owner in states
    ]
    patients.sort(key=lambda row: row.patient.display_name.lower())
    return summary, patients


def status_board(organization, *, start_at, end_at, program=None, specialist=None, limit=BOARD_ROW_LIMIT) -> Board:
    """The status board: the filtered sessions with what blocks each, and
    the completion summary. Two batched resolutions: about 25 queries
    whatever the number of sessions and patients."""
    appointments = board_appointments(
        organization, start_at=start_at, end_at=end_at, program=program, specialist=specialist, limit=limit
    )
    truncated = len(appointments) > limit
    rows = [BoardRow(a, b) for a, b in blockers_by_appointment(appointments[:limit])]
    summary, patients = board_summary(organization, program=program, specialist=specialist)
    return Board(rows=rows, truncated=truncated, summary=summary, patients=patients)


def board_filter_choices(organization):
    """The programs and specialists the board can be narrowed to."""
    programs = list(Program.objects.filter(organization=organization).order_by("name"))
    specialists = list(
        SpecialistProfile.objects.filter(organization=organization).select_related("user").order_by("pk")
    )
    return programs, specialists
