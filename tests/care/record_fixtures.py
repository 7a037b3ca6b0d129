"""A patient's history with the specialist persona, for the record,
caseload and note tests: one of everything the record shows.

Use a fixture in a module by naming it there: `history = record_fixtures.history`.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from booking.models import Appointment
from care.models import CareRelationship, ClinicalNote, Feedback
from care.notes import note_amend, note_draft_save, note_sign
from consents.models import ConsentSignature, FormResponse
from consents.schema import template_schema
from messaging.models import Message
from messaging.services import conversation_open
from payments.models import Payment
from specialists.services import specialist_profile_get_or_create
from tests.booking.factories import AppointmentFactory
from tests.care.factories import CareRelationshipFactory
from tests.consents.factories_patient import (
    ConsentSignatureFactory,
    FormResponseFactory,
    FormVersionFactory,
    IntakeFormFactory,
    published_document,
)
from tests.payments.factories import PaymentFactory
from tests.specialists.factories import OfferingFactory
from tests.video.factories import VideoSessionFactory

SECRET = "Patient mentioned a private matter"


@dataclass
class History:
    patient: object
    profile: object
    relationship: CareRelationship
    held: Appointment  # completed two weeks ago, 50 minutes in the room, with a signed and amended note
    missed: Appointment  # a no-show four weeks ago, unpaid
    cancelled: Appointment
    upcoming: Appointment  # confirmed, in five days
    note: ClinicalNote
    signature: ConsentSignature
    phq9: list[FormResponse]
    feedback: Feedback


def session(profile, patient, *, days: int, status: str, **fields) -> Appointment:
    starts_at = timezone.now() + timedelta(days=days)
    offering = fields.pop("offering", None) or OfferingFactory(specialist=profile)
    return AppointmentFactory(
        offering=offering,
        patient=patient,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=50),
        status=status,
        **fields,
    )


def scored(profile, patient, form_version, *, total: int, days_ago: int) -> FormResponse:
    at = timezone.now() - timedelta(days=days_ago)
    return FormResponseFactory(
        patient=patient,
        specialist=profile,
        version=form_version,
        status=FormResponse.Status.SUBMITTED,
        submitted_at=at,
        score={"total": total, "band": "Mild" if total < 10 else "Moderate", "max": 27},
    )


def phq9_version(organization):
    form = IntakeFormFactory(organization=organization, title="PHQ-9", template_key="phq9")
    return FormVersionFactory(form=form, schema=template_schema("phq9"))


@pytest.fixture
def profile(personas):
    return specialist_profile_get_or_create(user=personas["specialist"])


@pytest.fixture
def history(personas, profile):
    patient = personas["patient_a"]
    relationship = CareRelationshipFactory(patient=patient, specialist=profile)
    offering = OfferingFactory(specialist=profile, name="Therapy session")
    held = session(profile, patient, days=-14, status="completed", offering=offering)
    started = held.starts_at
    VideoSessionFactory(
        appointment=held,
        relationship=relationship,
        started_at=started,
        ended_at=started + timedelta(minutes=50),
        end_reason="timed_out",
    )
    missed = session(profile, patient, days=-28, status="no_show", offering=offering)
    PaymentFactory(appointment=missed, status=Payment.Status.DUE, paid_at=None, receipt_number=None)
    cancelled = session(profile, patient, days=-7, status="cancelled", offering=offering)
    upcoming = session(profile, patient, days=5, status="confirmed", offering=offering)

    specialist = profile.user
    note = note_draft_save(appointment=held, by=specialist, template="soap", sections={"s": SECRET})
    note = note_sign(note=note, by=specialist)
    note_amend(note=note, by=specialist, text="Correction: " + SECRET)

    version = published_document(organization=profile.organization, title="Consent to treatment")
    signature = ConsentSignatureFactory(patient=patient, version=version)
    ConsentSignature.objects.filter(pk=signature.pk).update(withdrawn_at=timezone.now() - timedelta(days=1))

    phq9 = phq9_version(profile.organization)
    responses = [
        scored(profile, patient, phq9, total=8, days_ago=30),
        FormResponseFactory(
            patient=patient,
            specialist=profile,
            version=FormVersionFactory(form=phq9.form, number=2, schema=phq9.schema),
            status=FormResponse.Status.SUBMITTED,
            submitted_at=timezone.now() - timedelta(days=3),
            score={"total": 14, "band": "Moderate", "max": 27},
        ),
    ]
    feedback = Feedback.objects.create(
        appointment=held,
        patient=patient,
        specialist=profile,
        csat=4,
        progress=Feedback.Progress.BETTER,
        comment="Helpful",
        editable_until=timezone.now() + timedelta(days=7),
    )
    conversation = conversation_open(relationship=relationship)
    Message.objects.create(conversation=conversation, author=patient, text="Hello there")
    Message.objects.create(conversation=conversation, author=specialist, text="Hi")
    return History(
        patient=patient,
        profile=profile,
        relationship=relationship,
        held=held,
        missed=missed,
        cancelled=cancelled,
        upcoming=upcoming,
        note=note,
        signature=signature,
        phq9=responses,
        feedback=feedback,
    )
