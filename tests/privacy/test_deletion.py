import os
from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from booking.models import AppointmentEvent
from booking.states import AppointmentStatus
from consents.models import ConsentSignature, FormResponse
from core.models import AuditLog, JourneyEvent
from messaging.models import Conversation, Message
from organizations.models import Membership
from patients.models import Intake
from payments.models import Payment
from privacy import services
from privacy.models import DataExport, DeletionRequest
from tests.organizations.factories import MembershipFactory
from tests.privacy.factories import coming_appointment, patient_with_record

pytestmark = pytest.mark.django_db


def _request(user, capture):
    with capture(execute=True):
        return services.account_deletion_request(user=user)


def test_asking_deactivates_the_account_and_cancels_coming_sessions(org, django_capture_on_commit_callbacks):
    record = patient_with_record(org)
    coming = coming_appointment(record.patient, org)
    past = record.payment.appointment

    deletion = _request(record.patient, django_capture_on_commit_callbacks)

    record.patient.refresh_from_db()
    assert not record.patient.is_active
    assert not Membership.objects.filter(user=record.patient, is_active=True).exists()
    coming.refresh_from_db()
    assert coming.status == AppointmentStatus.CANCELLED
    assert AppointmentEvent.objects.filter(appointment=coming, to_status=AppointmentStatus.CANCELLED).exists()
    past.refresh_from_db()
    assert past.status == AppointmentStatus.COMPLETED
    assert AuditLog.objects.filter(actor=record.patient, action="write", object_public_id=deletion.public_id).exists()
    # Nothing is erased yet: the records are kept for the retention period.
    assert Message.objects.filter(conversation=record.conversation).count() == 3
    assert Intake.objects.filter(user=record.patient).exists()


def test_the_patient_gets_a_confirmation_email_with_the_erasure_date(org, django_capture_on_commit_callbacks):
    record = patient_with_record(org)
    _request(record.patient, django_capture_on_commit_callbacks)

    confirmations = [email for email in mail.outbox if email.to == [record.patient.email]]
    assert any("closed" in email.subject for email in confirmations)
    [confirmation] = [email for email in confirmations if "closed" in email.subject]
    assert str(timezone.now().year + 10) in confirmation.body


def test_records_are_kept_for_the_longest_retention_of_the_patients_organizations(
    org, other_org, django_capture_on_commit_callbacks
):
    other_org.record_retention_years = 15
    other_org.save()
    record = patient_with_record(org)
    MembershipFactory(user=record.patient, organization=other_org, role=Membership.Role.PATIENT)

    deletion = _request(record.patient, django_capture_on_commit_callbacks)

    assert deletion.retention_years == 15
    assert deletion.erase_after.year == timezone.now().year + 15


def test_asking_twice_says_so_and_changes_nothing(org, django_capture_on_commit_callbacks):
    record = patient_with_record(org)
    first = _request(record.patient, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError) as error:
        services.account_deletion_request(user=record.patient)
    assert error.value.code == "already_requested"
    assert list(DeletionRequest.objects.all()) == [first]


def test_an_account_with_a_staff_role_is_not_closed_here(org, personas):
    specialist = personas["specialist"]
    MembershipFactory(user=specialist, organization=org, role=Membership.Role.PATIENT)
    with pytest.raises(ValidationError) as error:
        services.account_deletion_request(user=specialist)
    assert error.value.code == "staff_role"
    specialist.refresh_from_db()
    assert specialist.is_active and not DeletionRequest.objects.exists()


def _erase_after_retention(deletion):
    with time_machine.travel(deletion.erase_after + timedelta(days=1)):
        return services.accounts_erase_due()


def test_nothing_is_erased_before_the_retention_ends(org, django_capture_on_commit_callbacks):
    record = patient_with_record(org)
    deletion = _request(record.patient, django_capture_on_commit_callbacks)
    with time_machine.travel(deletion.erase_after - timedelta(days=1)):
        assert services.accounts_erase_due() == 0
    assert Intake.objects.filter(user=record.patient).exists()


def test_erasure_removes_the_personal_data(org, django_capture_on_commit_callbacks):
    record = patient_with_record(org)
    with django_capture_on_commit_callbacks(execute=True):
        services.data_export_request(user=record.patient)
    zip_path = DataExport.objects.get(user=record.patient).file.path
    attachment_path = record.attachment.attachment.path
    email, name = record.patient.email, record.patient.full_name
    deletion = _request(record.patient, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        assert _erase_after_retention(deletion) == 1

    patient = type(record.patient).objects.get(pk=record.patient.pk)
    pseudonym, address = services.pseudonym_of(deletion)
    assert (patient.full_name, patient.email, patient.preferred_name) == (pseudonym, address, "")
    assert email not in patient.email and name not in patient.full_name
    assert not patient.has_usable_password() and not patient.is_active
    assert not EmailAddress.objects.filter(user=patient).exists()
    assert not Intake.objects.filter(user=patient).exists()
    assert not FormResponse.objects.filter(patient=patient).exists()
    assert not Message.objects.filter(conversation=record.conversation).exists()
    assert not os.path.exists(attachment_path)
    assert not DataExport.objects.filter(user=patient).exists() and not os.path.exists(zip_path)
    signature = ConsentSignature.objects.get(pk=record.signature.pk)
    assert (signature.typed_name, signature.ip_address, signature.user_agent) == (pseudonym, None, "")
    deletion.refresh_from_db()
    assert deletion.erased_at is not None


def test_erasure_keeps_financial_and_audit_rows_under_the_pseudonym(org, django_capture_on_commit_callbacks):
    record = patient_with_record(org)
    deletion = _request(record.patient, django_capture_on_commit_callbacks)
    audit_rows = AuditLog.objects.filter(actor=record.patient).count()
    journey_rows = JourneyEvent.objects.filter(actor=record.patient).count()

    _erase_after_retention(deletion)

    payment = Payment.objects.get(pk=record.payment.pk)
    assert (payment.amount_minor, payment.receipt_number, payment.patient_id) == (
        record.payment.amount_minor,
        record.payment.receipt_number,
        record.patient.pk,
    )
    assert payment.appointment.patient_id == record.patient.pk
    assert AuditLog.objects.filter(actor=record.patient).count() == audit_rows
    assert JourneyEvent.objects.filter(actor=record.patient).count() == journey_rows
    assert Conversation.objects.filter(pk=record.conversation.pk).exists()
    assert ConsentSignature.objects.filter(pk=record.signature.pk, version=record.signature.version).exists()


def test_an_erased_account_is_not_erased_again(org, django_capture_on_commit_callbacks):
    record = patient_with_record(org)
    deletion = _request(record.patient, django_capture_on_commit_callbacks)
    assert _erase_after_retention(deletion) == 1
    assert _erase_after_retention(deletion) == 0
