"""The patient's guided flow over HTTP: steps in order, signing, forms,
signed copies, withdrawal, and other people's items answering 404."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from consents.models import ConsentSignature, FormResponse, RequiredBefore
from consents.nextsteps import BEFORE_SESSION_PRIORITY, JOURNEY_PRIORITY, patient_steps
from consents.pdf import signed_copy_html
from consents.services import response_answers
from core.models import AuditLog
from organizations.models import Membership
from tests.conftest import member
from tests.consents.factories_patient import (
    CareContextFactory,
    ConsentSignatureFactory,
    published_document,
    published_form,
)
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

pytestmark = pytest.mark.django_db

FLOW = reverse("consents:flow")
OVERVIEW = reverse("consents:overview")


@pytest.fixture
def patient(org):
    return member(org, Membership.Role.PATIENT, full_name="Alex Doe", timezone="America/New_York")


@pytest.fixture
def specialist(org):
    return SpecialistProfileFactory(organization=org, display_name="Lena Berg", slug="lena-berg")


@pytest.fixture
def setup(org, patient, specialist):
    """Two consents and a form for Lena, whom the patient booked."""
    CareContextFactory(patient=patient, offering=OfferingFactory(specialist=specialist))
    treatment = published_document(organization=org, title="A treatment consent", required_before=RequiredBefore.SIGNUP)
    telehealth = published_document(organization=org, title="B telehealth consent")
    form = published_form(organization=org, specialist=specialist, title="Intake")
    return {"treatment": treatment, "telehealth": telehealth, "form": form}


@pytest.fixture
def client_for():
    def make(user):
        client = Client(REMOTE_ADDR="198.51.100.4", HTTP_USER_AGENT="TestBrowser/1.0")
        client.force_login(user)
        return client

    return make


@pytest.fixture
def patient_client(client_for, patient):
    return client_for(patient)


def consent_url(version):
    return reverse("consents:step", kwargs={"kind": "consent", "public_id": version.public_id})


def form_url(version, specialist):
    return reverse("consents:step", kwargs={"kind": "form", "public_id": version.public_id}) + f"?for={specialist.slug}"


SIGN = {"typed_name": "alex  DOE", "agreed": "on"}
COMPLETE = {"action": "submit", "reason": "Stress at work", "first": "yes", "sleep": "6", "topics": ["Work", "Sleep"]}


def test_the_flow_starts_at_the_first_pending_step(patient_client, setup):
    response = patient_client.get(FLOW)
    assert response.status_code == 302 and response["Location"] == consent_url(setup["treatment"])


def test_a_consent_step_shows_progress_summary_text_and_signature_block(patient_client, setup):
    response = patient_client.get(consent_url(setup["treatment"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Step 1 of 3" in html
    assert "We treat you with care" in html
    assert "<h2>Your treatment</h2>" in html and "<strong>online sessions</strong>" in html
    assert 'name="typed_name"' in html and 'name="agreed"' in html
    assert "As on your account: Alex Doe" in html
    assert re.search(r"aria-current=\"page\">Forms (&amp;|&) consents</a>", html)


def test_signing_records_the_signature_and_goes_on_to_the_next_step(patient_client, patient, setup):
    response = patient_client.post(consent_url(setup["treatment"]), SIGN)
    assert response.status_code == 303 and response["Location"] == FLOW
    signature = ConsentSignature.objects.get(patient=patient)
    assert signature.version == setup["treatment"] and signature.typed_name == "alex DOE"
    assert signature.ip_address == "198.51.100.4" and signature.user_agent == "TestBrowser/1.0"
    assert signature.content_hash == setup["treatment"].content_hash
    following = patient_client.get(FLOW)
    assert following["Location"] == consent_url(setup["telehealth"])
    assert "Step 2 of 3" in patient_client.get(following["Location"]).content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"typed_name": "Alex Doe"}, "Please tick the box"),
        ({"typed_name": "Alexa Doe", "agreed": "on"}, "Please type your full name as on your account: Alex Doe"),
        ({"agreed": "on"}, "Please type your full name as on your account: Alex Doe"),
    ],
)
def test_a_bad_signature_answers_422_and_stores_nothing(patient_client, setup, data, message):
    response = patient_client.post(consent_url(setup["treatment"]), data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not ConsentSignature.objects.exists()


def test_a_document_that_does_not_apply_is_404(patient_client, other_org, setup):
    elsewhere = published_document(organization=other_org)
    assert patient_client.get(consent_url(elsewhere)).status_code == 404
    assert patient_client.post(consent_url(elsewhere), SIGN).status_code == 404
    assert not ConsentSignature.objects.exists()


def test_an_unknown_kind_is_404(patient_client, setup):
    url = reverse("consents:step", kwargs={"kind": "letter", "public_id": setup["treatment"].public_id})
    assert patient_client.get(url).status_code == 404


def test_a_form_step_needs_the_right_specialist(patient_client, org, setup, specialist):
    version = setup["form"]
    bare = reverse("consents:step", kwargs={"kind": "form", "public_id": version.public_id})
    assert patient_client.get(bare).status_code == 404
    assert patient_client.get(form_url(version, SpecialistProfileFactory(organization=org))).status_code == 404
    response = patient_client.get(form_url(version, specialist))
    html = response.content.decode()
    assert response.status_code == 200 and "Step 3 of 3" in html
    assert "For Lena Berg" in html and "What brings you here?" in html
    assert 'name="reason"' in html and 'type="radio" name="sleep" value="10"' in html


def test_another_patients_form_is_404_and_nothing_is_stored(client_for, org, setup, specialist):
    someone = member(org, Membership.Role.PATIENT, full_name="Sam Roe")
    client = client_for(someone)
    url = form_url(setup["form"], specialist)
    assert client.get(url).status_code == 404
    assert client.post(url, COMPLETE).status_code == 404
    assert not FormResponse.objects.exists()


def test_saving_a_draft_keeps_the_answers_for_later_and_reading_them_is_audited(
    patient_client, patient, setup, specialist
):
    url = form_url(setup["form"], specialist)
    response = patient_client.post(url, {"action": "save", "reason": "Stress", "sleep": "4"})
    assert response.status_code == 303 and response["Location"] == OVERVIEW
    draft = FormResponse.objects.get(patient=patient)
    assert draft.status == FormResponse.Status.DRAFT
    assert response_answers(draft) == {"reason": "Stress", "sleep": 4}
    html = patient_client.get(url).content.decode()
    assert ">Stress</textarea>" in html and 'value="4" checked' in html
    assert AuditLog.objects.filter(
        actor=patient, action=AuditLog.Action.READ, object_public_id=draft.public_id
    ).exists()


def test_a_draft_with_a_value_out_of_range_says_so_and_keeps_the_rest(patient_client, patient, setup, specialist):
    response = patient_client.post(
        form_url(setup["form"], specialist), {"action": "save", "reason": "Hi", "sleep": "12"}
    )
    assert response.status_code == 422
    assert "Please choose a number from 0 to 10." in response.content.decode()
    assert response_answers(FormResponse.objects.get(patient=patient)) == {"reason": "Hi"}


def test_autosave_answers_with_a_fragment(patient_client, setup, specialist):
    response = patient_client.post(form_url(setup["form"], specialist), {"reason": "Hi"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'id="form-saved"' in html and "Draft saved at" in html


def test_submitting_with_a_required_answer_missing_answers_422_and_stores_nothing(patient_client, setup, specialist):
    data = {**COMPLETE}
    del data["first"]
    response = patient_client.post(form_url(setup["form"], specialist), data)
    html = response.content.decode()
    assert response.status_code == 422
    assert "Please answer this question." in html
    assert ">Stress at work</textarea>" in html  # what was typed stays on the page
    assert not FormResponse.objects.exists()


def test_submitting_a_complete_form_sends_it(patient_client, patient, setup, specialist):
    response = patient_client.post(form_url(setup["form"], specialist), COMPLETE)
    assert response.status_code == 303 and response["Location"] == FLOW
    sent = FormResponse.objects.get(patient=patient)
    assert sent.status == FormResponse.Status.SUBMITTED
    assert response_answers(sent)["topics"] == ["Work", "Sleep"]
    again = patient_client.post(form_url(setup["form"], specialist), {**COMPLETE, "reason": "Changed"})
    assert again.status_code == 303
    assert response_answers(FormResponse.objects.get(patient=patient))["reason"] == "Stress at work"


def test_when_everything_is_done_the_flow_says_so(patient_client, patient, setup, specialist):
    for key in ("treatment", "telehealth"):
        patient_client.post(consent_url(setup[key]), SIGN)
    patient_client.post(form_url(setup["form"], specialist), COMPLETE)
    response = patient_client.get(FLOW)
    html = response.content.decode()
    assert response.status_code == 200
    assert "You&#x27;re all set" in html or "You're all set" in html
    assert html.count("Download signed copy") == 2
    assert "Back to your appointments" in html


# --- Signed copies and withdrawal ------------------------------------------------------------


@pytest.fixture
def signature(patient, setup):
    return ConsentSignatureFactory(patient=patient, version=setup["treatment"], typed_name="Alex Doe")


def test_the_signed_copy_is_a_pdf_download_and_is_audited(patient_client, patient, signature):
    response = patient_client.get(reverse("consents:signed-pdf", args=[signature.public_id]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="signed-consent-1-')
    assert response.content.startswith(b"%PDF")
    assert AuditLog.objects.filter(
        actor=patient, action=AuditLog.Action.DOWNLOAD, object_public_id=signature.public_id
    ).exists()


def test_the_signed_copy_holds_the_text_and_the_signature_record(signature):
    html = signed_copy_html(signature)
    assert "A treatment consent" in html and "Version 1" in html
    assert "<h2>Your treatment</h2>" in html
    assert "Alex Doe" in html and "203.0.113.7" in html
    assert signature.content_hash in html
    assert "(America/New York)" in html


def test_another_patients_signed_copy_is_404_and_the_attempt_is_audited(client_for, org, signature):
    client = client_for(member(org, Membership.Role.PATIENT))
    response = client.get(reverse("consents:signed-pdf", args=[signature.public_id]))
    assert response.status_code == 404
    assert AuditLog.objects.filter(action=AuditLog.Action.DENIED, object_public_id=signature.public_id).exists()


def test_withdrawing_needs_a_reason_then_records_it(patient_client, signature):
    url = reverse("consents:withdraw", args=[signature.public_id])
    assert patient_client.get(url).status_code == 200
    response = patient_client.post(url, {"reason": ""})
    assert response.status_code == 422 and "Please say why" in response.content.decode()
    signature.refresh_from_db()
    assert signature.withdrawn_at is None
    response = patient_client.post(url, {"reason": "Moving clinics"})
    assert response.status_code == 303 and response["Location"] == OVERVIEW
    signature.refresh_from_db()
    assert signature.withdrawn_at is not None and signature.withdrawal_reason == "Moving clinics"
    assert patient_client.get(FLOW)["Location"] == consent_url(signature.version)


def test_a_consent_that_is_not_withdrawable_answers_422(patient_client, patient, org):
    version = published_document(organization=org, withdrawable=False)
    signature = ConsentSignatureFactory(patient=patient, version=version)
    response = patient_client.post(reverse("consents:withdraw", args=[signature.public_id]), {"reason": "Please"})
    assert response.status_code == 422
    assert "cannot be withdrawn" in response.content.decode()
    signature.refresh_from_db()
    assert signature.withdrawn_at is None


def test_another_patients_signature_cannot_be_withdrawn(client_for, org, signature):
    client = client_for(member(org, Membership.Role.PATIENT))
    url = reverse("consents:withdraw", args=[signature.public_id])
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "Mine now"}).status_code == 404
    signature.refresh_from_db()
    assert signature.withdrawn_at is None


def test_specialists_and_anonymous_people_do_not_enter(client, client_for, specialist):
    assert client_for(specialist.user).get(FLOW).status_code == 403
    assert client.get(FLOW).status_code == 302


# --- The patient home's card --------------------------------------------------------------------


def test_the_home_card_points_at_the_first_step_and_is_pressing_before_a_session(patient, setup, specialist):
    [step] = patient_steps(user=patient)
    assert step.title == "Sign your consent: A treatment consent"
    assert step.url == consent_url(setup["treatment"])
    assert step.priority == BEFORE_SESSION_PRIORITY
    assert re.search(r"3 things to do before your session", step.body)


def test_the_home_card_names_the_form_and_its_specialist(patient, setup, specialist):
    for key in ("treatment", "telehealth"):
        ConsentSignatureFactory(patient=patient, version=setup[key])
    [step] = patient_steps(user=patient)
    assert step.title == f"Fill in Intake for {specialist.display_name}"
    assert step.url == form_url(setup["form"], specialist)


def test_without_a_booking_the_card_is_a_journey_step_and_nothing_when_done(org, patient):
    version = published_document(organization=org, title="Privacy")
    [step] = patient_steps(user=patient)
    assert step.priority == JOURNEY_PRIORITY
    ConsentSignatureFactory(patient=patient, version=version)
    assert list(patient_steps(user=patient)) == []


def test_without_a_booking_a_consent_due_at_sign_up_is_still_pressing(org, patient):
    published_document(organization=org, title="Terms of care", required_before=RequiredBefore.SIGNUP)
    [step] = patient_steps(user=patient)
    assert step.priority == BEFORE_SESSION_PRIORITY


def test_the_patient_home_shows_the_card(patient_client, setup):
    html = patient_client.get(reverse("core:patient-home")).content.decode()
    assert "Sign your consent: A treatment consent" in html
