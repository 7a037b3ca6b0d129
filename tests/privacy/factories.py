"""A patient with something of everything in their record, for the
export and erasure tests."""

import json
from dataclasses import dataclass
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import User
from consents.models import ConsentSignature, FormResponse
from messaging.attachments import checked_upload
from messaging.models import Conversation, Message
from messaging.services import message_post
from organizations.models import Membership
from patients.models import Intake
from payments.models import Payment
from specialists.models import SpecialistProfile
from tests.booking.factories import AppointmentFactory
from tests.consents.factories_patient import (
    ConsentSignatureFactory,
    FormResponseFactory,
    FormVersionFactory,
    IntakeFormFactory,
    published_document,
)
from tests.messaging.factories_pages import conversation_between, patient_of, specialist_of
from tests.payments.factories import payment_of
from tests.specialists.factories import OfferingFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SECRET_WORDS = "I have trouble sleeping since the move"
SPECIALIST_REPLY = "Let us talk about your evenings"
GOALS = "Sleep through the night again"


@dataclass
class Record:
    patient: User
    specialist: SpecialistProfile
    conversation: Conversation
    attachment: Message
    signature: ConsentSignature
    response: FormResponse
    intake: Intake
    payment: Payment


def patient_with_record(organization, **user_fields) -> Record:
    """A patient of `organization` with a conversation (both sides, one PDF
    attached), a signed consent, a submitted form, intake answers and a
    settled payment with its receipt."""
    patient = patient_of(organization, **user_fields)
    specialist = specialist_of(organization)
    conversation = conversation_between(patient, specialist)
    message_post(conversation=conversation, author=patient, text=SECRET_WORDS)
    message_post(conversation=conversation, author=specialist.user, text=SPECIALIST_REPLY)
    attachment = message_post(
        conversation=conversation,
        author=patient,
        text="",
        attachment=checked_upload(SimpleUploadedFile("sleep diary.pdf", PDF, content_type="application/pdf")),
    )
    version = published_document(organization=organization, title="Treatment agreement")
    signature = ConsentSignatureFactory(patient=patient, version=version, ip_address="192.0.2.7")
    form_version = FormVersionFactory(form=IntakeFormFactory(organization=organization, title="First visit"))
    response = FormResponseFactory(
        patient=patient,
        version=form_version,
        specialist=specialist,
        status=FormResponse.Status.SUBMITTED,
        submitted_at=timezone.now(),
        answers=json.dumps({"reason": "Stress at work", "first": "yes", "topics": ["Work", "Sleep"]}),
    )
    intake = Intake.objects.create(user=patient, goals_text=GOALS, topics=[])
    offering = OfferingFactory(specialist=specialist)
    payment = payment_of(offering, patient=patient)
    return Record(patient, specialist, conversation, attachment, signature, response, intake, payment)


def coming_appointment(patient, organization, *, days=7, **fields):
    """A confirmed session of `patient` with a specialist of `organization`."""
    offering = OfferingFactory(specialist=specialist_of(organization))
    starts_at = (timezone.now() + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
    return AppointmentFactory(patient=patient, offering=offering, starts_at=starts_at, confirmed=True, **fields)


def patient_membership(user, organization):
    return Membership.objects.get(user=user, organization=organization, role=Membership.Role.PATIENT)
