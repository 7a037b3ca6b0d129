"""The patient record's, caseload's and clinical notes' rows of the access
matrix (tests/test_access_matrix.py).

`patient_b` is in the specialist persona's care, with a completed session
and a signed note; the other specialist (a profile of their own) gets 404
for the record and the note. The organization's admin persona holds a note
access grant, so the read-only notes pages answer them; another
organization's admin gets 404 (tests/care/test_notes_org_access.py covers
an admin without a grant). Note writes are POST only: a GET answers 405.
"""

from datetime import timedelta

from django.utils import timezone

from care.models import NoteAccessGrant
from care.notes import note_draft_save, note_sign
from organizations.models import Membership
from specialists.services import specialist_profile_get_or_create
from tests.access import LOGIN, ORG_PORTAL, Route, row
from tests.booking.factories import AppointmentFactory
from tests.care.factories import CareRelationshipFactory
from tests.specialists.factories import OfferingFactory

SPECIALISTS = row(403, anonymous=LOGIN, specialist=200, other_specialist=200)
OWN_ONLY = row(403, anonymous=LOGIN, specialist=200, other_specialist=404)
SESSION = {"public_id": "record_appointment_public_id"}
ORG = {"org_slug": "org_slug"}

ROUTES: dict[str, Route] = {
    "care:specialist-patients": Route(SPECIALISTS, private=True),
    "care:specialist-patient": Route(OWN_ONLY, {"public_id": "record_patient_public_id"}, private=True),
    "care:specialist-note": Route(OWN_ONLY, SESSION, private=True),
    "care:specialist-note-save": Route(row(405), SESSION),
    "care:specialist-note-sign": Route(row(405), SESSION),
    "care:specialist-note-amend": Route(row(405), SESSION),
    "care:org-clinical-access": Route(ORG_PORTAL, ORG, private=True),
    "care:org-notes": Route(ORG_PORTAL, ORG, private=True),
    "care:org-note": Route(ORG_PORTAL, {**ORG, "public_id": "record_note_public_id"}, private=True),
}


def samples(personas, org) -> dict:
    profile = specialist_profile_get_or_create(user=personas["specialist"])
    specialist_profile_get_or_create(user=personas["other_specialist"])
    patient = personas["patient_b"]  # patient_a's relationship is messaging's sample
    CareRelationshipFactory(patient=patient, specialist=profile)
    starts_at = timezone.now() - timedelta(days=1)
    appointment = AppointmentFactory(
        patient=patient,
        offering=OfferingFactory(specialist=profile),
        status="completed",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=50),
    )
    note = note_draft_save(appointment=appointment, by=profile.user, template="free", sections={"body": "Sample"})
    note_sign(note=note, by=profile.user)
    admin = Membership.objects.get(user=personas["org_admin"], organization=org, role=Membership.Role.ADMIN)
    NoteAccessGrant.objects.create(membership=admin, granted_by=personas["org_admin"])
    return {
        "record_patient_public_id": patient.public_id,
        "record_appointment_public_id": appointment.public_id,
        "record_note_public_id": note.public_id,
    }
