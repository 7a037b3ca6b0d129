"""Every write to clinical notes: draft, sign, amend.

Only the treating specialist writes a session's note, and only inside a
care relationship (active, or ended after the session). Each write leaves
an audit row and, for the steps of the record, a journey event; neither
holds any of the note's text, and nothing here logs it.
"""

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from booking.models import Appointment
from booking.states import AppointmentStatus
from core.models import AuditLog
from core.services import audit_record, journey_event_record
from organizations.models import Membership

from .models import CareRelationship, ClinicalNote, NoteAccessGrant, NoteAmendment

# A note documents a session that happened (or that the patient missed).
NOTE_STATUSES = {AppointmentStatus.IN_PROGRESS, AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW}
SECTION_MAX_CHARS = 20_000
AMENDMENT_MAX_CHARS = 20_000


def _check_treating(*, appointment: Appointment, by) -> None:
    if appointment.specialist.user_id != by.pk:
        raise PermissionDenied(_("Only the treating specialist writes this session's note."))


def _relationship_for(appointment: Appointment) -> CareRelationship:
    """The pair's relationship the note belongs to: the active one, else the
    latest ended one (a note may be finished after care ended)."""
    relationship = (
        CareRelationship.objects.filter(patient=appointment.patient_id, specialist=appointment.specialist_id)
        .order_by("status", "-started_at")  # "active" sorts before "ended"
        .first()
    )
    if relationship is None:
        raise ValidationError(_("This patient is not in your care."), code="outside_care")
    return relationship


def _clean_sections(*, template: str, sections: dict) -> str:
    """The sections as stored JSON text; refuses unknown ones and overlong text."""
    if template not in ClinicalNote.Template.values:
        raise ValidationError(_("Choose a note template."), code="template")
    allowed = ClinicalNote.SECTIONS[template]
    unknown = set(sections) - set(allowed)
    if unknown:
        raise ValidationError(_("This template has no such section."), code="section")
    cleaned = {}
    for key in allowed:
        text = sections.get(key) or ""
        if not isinstance(text, str):
            raise ValidationError(_("A section holds text."), code="section")
        if len(text) > SECTION_MAX_CHARS:
            raise ValidationError(
                _("A section is at most %(max)d characters.") % {"max": SECTION_MAX_CHARS}, code="too_long"
            )
        if text.strip():
            cleaned[key] = text
    return json.dumps(cleaned) if cleaned else ""


def _audit_write(*, by, note: ClinicalNote, request=None) -> None:
    audit_record(request=request, actor=by, action=AuditLog.Action.WRITE, obj=note)


def note_draft_save(*, appointment: Appointment, by, template: str, sections: dict, request=None) -> ClinicalNote:
    """Create or update the draft note of `appointment`.

    Made for autosave: saving what is already stored changes nothing and
    records nothing, and two racing first saves end in one note. A signed
    note is refused: it changes only through `note_amend`.
    """
    _check_treating(appointment=appointment, by=by)
    if appointment.status not in NOTE_STATUSES:
        raise ValidationError(_("Notes are written for sessions that took place."), code="not_held")
    content = _clean_sections(template=template, sections=sections)
    relationship = _relationship_for(appointment)
    with transaction.atomic():
        note = ClinicalNote.objects.select_for_update().filter(appointment=appointment).first()
        if note is None:
            try:
                with transaction.atomic():
                    note = ClinicalNote.objects.create(
                        appointment=appointment,
                        relationship=relationship,
                        author=by,
                        template=template,
                        content=content,
                    )
            except IntegrityError:
                # Another save created it meanwhile: update that one.
                note = ClinicalNote.objects.select_for_update().get(appointment=appointment)
            else:
                _audit_write(by=by, note=note, request=request)
                journey_event_record(
                    actor=by, verb="note.drafted", obj=note, data={"appointment": str(appointment.public_id)}
                )
                return note
        if note.is_signed:
            raise ValidationError(_("This note is signed. Add an amendment instead."), code="signed")
        if note.template == template and (note.content or "") == content:
            return note
        note.template, note.content = template, content
        note.save(update_fields=["template", "content", "updated_at"])
        _audit_write(by=by, note=note, request=request)
    return note


@transaction.atomic
def note_sign(*, note: ClinicalNote, by, request=None) -> ClinicalNote:
    """Sign the note: from now on it is locked (here and in the database)."""
    note = ClinicalNote.objects.select_for_update().select_related("appointment__specialist").get(pk=note.pk)
    _check_treating(appointment=note.appointment, by=by)
    if note.is_signed:
        raise ValidationError(_("This note is already signed."), code="signed")
    if not note.content:
        raise ValidationError(_("Write the note before signing it."), code="empty")
    note.status = ClinicalNote.Status.SIGNED
    note.signed_at = timezone.now()
    note.signed_by = by
    note.save(update_fields=["status", "signed_at", "signed_by", "updated_at"])
    _audit_write(by=by, note=note, request=request)
    journey_event_record(actor=by, verb="note.signed", obj=note, data={"appointment": str(note.appointment.public_id)})
    return note


@transaction.atomic
def note_amend(*, note: ClinicalNote, by, text: str, request=None) -> NoteAmendment:
    """Append a change to a signed note; the original stays as signed."""
    note = ClinicalNote.objects.select_for_update().select_related("appointment__specialist").get(pk=note.pk)
    _check_treating(appointment=note.appointment, by=by)
    if not note.is_signed:
        raise ValidationError(_("Sign the note first; until then, edit the draft."), code="draft")
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Write the amendment."), code="empty")
    if len(text) > AMENDMENT_MAX_CHARS:
        raise ValidationError(
            _("An amendment is at most %(max)d characters.") % {"max": AMENDMENT_MAX_CHARS}, code="too_long"
        )
    amendment = NoteAmendment.objects.create(note=note, text=text, author=by)
    _audit_write(by=by, note=note, request=request)
    journey_event_record(
        actor=by,
        verb="note.amended",
        obj=note,
        data={"appointment": str(note.appointment.public_id), "amendment": str(amendment.public_id)},
    )
    return amendment


# --- Organization note access -------------------------------------------------


def _admin_membership(*, organization, by) -> None:
    if not Membership.objects.filter(
        user=by, organization=organization, role=Membership.Role.ADMIN, is_active=True
    ).exists():
        raise PermissionDenied(_("Only the organization's admins decide who reads clinical notes."))


@transaction.atomic
def note_access_grant(*, membership: Membership, by, request=None) -> NoteAccessGrant:
    """Let one admin of the organization read its specialists' notes (read only)."""
    _admin_membership(organization=membership.organization, by=by)
    if membership.role != Membership.Role.ADMIN or not membership.is_active:
        raise ValidationError(_("Only active admins of the organization can be given access."), code="not_admin")
    grant, created = NoteAccessGrant.objects.get_or_create(membership=membership, defaults={"granted_by": by})
    if created:
        audit_record(request=request, actor=by, action=AuditLog.Action.WRITE, obj=membership)
        journey_event_record(
            actor=by, verb="note_access.granted", obj=membership, data={"organization": membership.organization.slug}
        )
    return grant


@transaction.atomic
def note_access_revoke(*, membership: Membership, by, request=None) -> None:
    """Take note access back; revoking access nobody holds changes nothing."""
    _admin_membership(organization=membership.organization, by=by)
    grant = NoteAccessGrant.objects.filter(membership=membership).first()
    if grant is None:
        return
    audit_record(request=request, actor=by, action=AuditLog.Action.WRITE, obj=membership)
    grant.delete()
    journey_event_record(
        actor=by, verb="note_access.revoked", obj=membership, data={"organization": membership.organization.slug}
    )
