"""The specialist's view of responses (consents/views/specialist.py): one
response with its answers, and one patient's consents and forms."""

import json

import pytest
from django.urls import reverse

from consents.models import FormResponse
from core.models import AuditLog
from organizations.models import Membership
from tests.accounts.factories import enable_totp
from tests.conftest import member
from tests.consents.factories_patient import (
    CareContextFactory,
    ConsentSignatureFactory,
    FormResponseFactory,
    published_document,
    published_form,
)
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def specialist(org):
    profile = SpecialistProfileFactory(organization=org, display_name="Lena Berg")
    enable_totp(profile.user)
    return profile


@pytest.fixture
def other_specialist(org):
    profile = SpecialistProfileFactory(organization=org)
    enable_totp(profile.user)
    return profile


@pytest.fixture
def patient(org):
    return member(org, Membership.Role.PATIENT, full_name="Alex Doe")


@pytest.fixture
def response(org, specialist, patient):
    version = published_form(organization=org, title="Intake")
    answers = {"reason": "<script>alert(1)</script>\nSleep is hard", "sleep": 4, "first": "yes", "topics": ["Work"]}
    return FormResponseFactory(
        patient=patient,
        version=version,
        specialist=specialist,
        answers=json.dumps(answers),
        status=FormResponse.Status.SUBMITTED,
        submitted_at=version.published_at,
        score={"total": 12, "band": "Moderate", "max": 27},
    )


def url(response):
    return reverse("consents:specialist-response", args=[response.public_id])


def test_the_specialist_reads_the_answers_with_the_score(client, specialist, response):
    client.force_login(specialist.user)
    page = client.get(url(response))
    html = page.content.decode()
    assert page.status_code == 200
    assert "What brings you here?" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>Sleep is hard" in html
    assert "<script>alert(1)" not in html
    assert "4 / 10" in html and "Yes" in html and "Work" in html
    assert "Score: 12" in html and "Moderate" in html
    assert "Submitted on" in html
    assert "no-store" in page["Cache-Control"]


def test_every_view_writes_an_audit_row(client, specialist, response):
    client.force_login(specialist.user)
    client.get(url(response))
    client.get(url(response))
    rows = AuditLog.objects.filter(
        action=AuditLog.Action.READ, object_public_id=response.public_id, actor=specialist.user
    )
    assert rows.count() == 2


def test_a_draft_says_so(client, org, specialist, patient):
    draft = FormResponseFactory(
        patient=patient, version=published_form(organization=org), specialist=specialist, answers='{"sleep": 3}'
    )
    client.force_login(specialist.user)
    html = client.get(url(draft)).content.decode()
    assert "Draft, last saved" in html and "Not answered" in html


def test_another_specialists_response_is_404_and_the_denial_is_audited(client, other_specialist, response):
    client.force_login(other_specialist.user)
    assert client.get(url(response)).status_code == 404
    assert not AuditLog.objects.filter(action=AuditLog.Action.READ, object_public_id=response.public_id).exists()
    assert AuditLog.objects.filter(
        action=AuditLog.Action.DENIED, object_public_id=response.public_id, actor=other_specialist.user
    ).exists()


def test_a_patient_cannot_open_the_specialist_page(client, patient, response):
    client.force_login(patient)
    assert client.get(url(response)).status_code == 403


# --- One patient's checklist ----------------------------------------------------------


def patient_url(patient):
    return reverse("consents:specialist-patient", args=[patient.public_id])


def test_the_patient_page_lists_what_applies_to_sessions_with_this_specialist(
    client, org, other_org, specialist, other_specialist, patient, response
):
    CareContextFactory(patient=patient, offering=OfferingFactory(specialist=specialist))
    CareContextFactory(patient=patient, offering=OfferingFactory(specialist=other_specialist))
    signed = published_document(organization=org, title="Treatment consent")
    ConsentSignatureFactory(patient=patient, version=signed)
    published_document(organization=org, title="Telehealth consent")
    published_document(organization=other_org, title="Other clinic consent")
    published_form(organization=org, title="Goals", specialist=other_specialist)
    client.force_login(specialist.user)
    page = client.get(patient_url(patient))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Treatment consent" in html and "Signed on" in html
    assert "Telehealth consent" in html and "Pending" in html
    assert "Intake" in html and url(response) in html
    assert "Other clinic consent" not in html  # another organization's business
    assert "Goals" not in html  # answered for another specialist
    assert AuditLog.objects.filter(object_public_id=response.public_id).exists()
    assert AuditLog.objects.filter(object_public_id=patient.public_id, action=AuditLog.Action.READ).exists()


def test_a_patient_who_never_booked_this_specialist_is_404(client, org, specialist, other_specialist, patient):
    CareContextFactory(patient=patient, offering=OfferingFactory(specialist=other_specialist))
    client.force_login(specialist.user)
    assert client.get(patient_url(patient)).status_code == 404
