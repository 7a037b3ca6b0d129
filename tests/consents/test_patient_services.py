"""Signing, withdrawing and answering: what is stored, what is refused."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from consents.models import ConsentSignature, FormResponse
from consents.schema import template_schema
from consents.services import (
    consent_sign,
    consent_withdraw,
    form_draft_save,
    form_submit,
    name_key,
    response_answers,
)
from core.models import JourneyEvent
from tests.accounts.factories import UserFactory
from tests.consents.factories_patient import (
    ConsentSignatureFactory,
    ConsentVersionFactory,
    FormVersionFactory,
    published_document,
)
from tests.specialists.factories import SpecialistProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient():
    return UserFactory(full_name="María  Silva")


def sign(patient, version, **overrides):
    arguments = {
        "patient": patient,
        "version": version,
        "typed_name": "maria silva",
        "agreed": True,
        "ip_address": "203.0.113.9",
        "user_agent": "Firefox",
    }
    return consent_sign(**{**arguments, **overrides})


def test_names_compare_without_case_accents_or_extra_spaces():
    assert name_key("  María   SILVA ") == name_key("maria silva") == "maria silva"
    assert name_key("Maria Silvia") != name_key("Maria Silva")


def test_signing_records_the_name_time_place_and_the_hash_of_the_version(patient):
    version = published_document()
    moment = timezone.now() - timedelta(minutes=1)
    signature = sign(patient, version, now=moment)
    assert signature.typed_name == "maria silva"
    assert signature.signed_at == moment
    assert signature.ip_address == "203.0.113.9"
    assert signature.user_agent == "Firefox"
    assert signature.content_hash == version.content_hash and len(version.content_hash) == 64
    event = JourneyEvent.objects.get(verb="consent_signed")
    assert event.actor == patient and event.object_public_id == signature.public_id
    assert "maria" not in json.dumps(event.data).lower()


def test_signing_without_the_checkbox_is_refused_and_nothing_is_stored(patient):
    with pytest.raises(ValidationError) as caught:
        sign(patient, published_document(), agreed=False)
    assert "agreed" in caught.value.message_dict
    assert not ConsentSignature.objects.exists()


@pytest.mark.parametrize("typed", ["", "Maria", "Mario Silva", "Silva Maria"])
def test_signing_with_another_name_is_refused_and_says_the_expected_name(patient, typed):
    with pytest.raises(ValidationError) as caught:
        sign(patient, published_document(), typed_name=typed)
    assert caught.value.message_dict["typed_name"] == ["Please type your full name as on your account: María  Silva"]
    assert not ConsentSignature.objects.exists()


def test_a_draft_version_cannot_be_signed(patient):
    version = ConsentVersionFactory(published_at=None)
    with pytest.raises(ValidationError, match="not available"):
        sign(patient, version)
    assert not ConsentSignature.objects.exists()


def test_a_superseded_version_cannot_be_signed(patient):
    old = published_document()
    ConsentVersionFactory(document=old.document, number=2)
    with pytest.raises(ValidationError, match="A newer version of this document is in place"):
        sign(patient, old)
    assert not ConsentSignature.objects.exists()


def test_signing_twice_returns_the_standing_signature(patient):
    version = published_document()
    first = sign(patient, version)
    assert sign(patient, version, agreed=False) == first
    assert ConsentSignature.objects.count() == 1


def test_withdrawing_keeps_the_row_with_when_and_why_and_allows_signing_again(patient):
    version = published_document()
    signature = sign(patient, version)
    withdrawn = consent_withdraw(signature=signature, by=patient, reason="  I changed my mind. ")
    assert withdrawn.withdrawn_at is not None and withdrawn.withdrawal_reason == "I changed my mind."
    assert ConsentSignature.objects.filter(pk=signature.pk).exists()
    assert JourneyEvent.objects.filter(verb="consent_withdrawn").count() == 1
    again = sign(patient, version)
    assert again.pk != signature.pk


def test_withdrawing_needs_a_reason(patient):
    signature = ConsentSignatureFactory(patient=patient)
    with pytest.raises(ValidationError) as caught:
        consent_withdraw(signature=signature, by=patient, reason="   ")
    assert "reason" in caught.value.message_dict
    signature.refresh_from_db()
    assert signature.withdrawn_at is None


def test_a_document_that_is_not_withdrawable_cannot_be_withdrawn(patient):
    signature = ConsentSignatureFactory(patient=patient, version=published_document(withdrawable=False))
    with pytest.raises(ValidationError) as caught:
        consent_withdraw(signature=signature, by=patient, reason="No.")
    assert caught.value.code == "not_withdrawable"
    signature.refresh_from_db()
    assert signature.withdrawn_at is None


def test_a_withdrawn_consent_cannot_be_withdrawn_again(patient):
    signature = ConsentSignatureFactory(patient=patient, withdrawn_at=timezone.now(), withdrawal_reason="First.")
    with pytest.raises(ValidationError) as caught:
        consent_withdraw(signature=signature, by=patient, reason="Second.")
    assert caught.value.code == "already_withdrawn"
    signature.refresh_from_db()
    assert signature.withdrawal_reason == "First."


# --- Forms ------------------------------------------------------------------------------


@pytest.fixture
def specialist():
    return SpecialistProfileFactory()


def test_a_draft_keeps_valid_answers_without_the_required_ones(patient, specialist):
    version = FormVersionFactory()
    response, errors = form_draft_save(
        patient=patient, version=version, specialist=specialist, raw_answers={"sleep": "7", "topics": ["Work"]}
    )
    assert errors == {}
    assert response.status == FormResponse.Status.DRAFT
    assert response_answers(response) == {"sleep": 7, "topics": ["Work"]}


def test_a_draft_refuses_an_out_of_range_value_and_keeps_the_previous_one(patient, specialist):
    version = FormVersionFactory()
    args = {"patient": patient, "version": version, "specialist": specialist}
    form_draft_save(**args, raw_answers={"sleep": "7", "reason": "Stress"})
    response, errors = form_draft_save(**args, raw_answers={"sleep": "11", "reason": "Stress at work"})
    assert set(errors) == {"sleep"}
    response.refresh_from_db()
    assert response_answers(response) == {"sleep": 7, "reason": "Stress at work"}
    assert FormResponse.objects.count() == 1


def test_free_text_answers_are_encrypted_at_rest(patient, specialist):
    from django.db import connection

    response, _ = form_draft_save(
        patient=patient, version=FormVersionFactory(), specialist=specialist, raw_answers={"reason": "Panic attacks"}
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT answers FROM consents_formresponse WHERE id = %s", [response.pk])
        (stored,) = cursor.fetchone()
    assert "Panic" not in stored


def test_submitting_with_a_required_answer_missing_changes_nothing(patient, specialist):
    version = FormVersionFactory()
    args = {"patient": patient, "version": version, "specialist": specialist}
    draft, _ = form_draft_save(**args, raw_answers={"sleep": "3"})
    with pytest.raises(ValidationError) as caught:
        form_submit(**args, raw_answers={"reason": "Stress", "sleep": "4"})
    assert caught.value.message_dict == {"first": ["Please answer this question."]}
    draft.refresh_from_db()
    assert draft.status == FormResponse.Status.DRAFT and response_answers(draft) == {"sleep": 3}


def test_submitting_with_a_value_out_of_range_is_refused(patient, specialist):
    with pytest.raises(ValidationError) as caught:
        form_submit(
            patient=patient,
            version=FormVersionFactory(),
            specialist=specialist,
            raw_answers={"reason": "x", "first": "yes", "sleep": "42"},
        )
    assert set(caught.value.message_dict) == {"sleep"}
    assert not FormResponse.objects.exists()


def test_submitting_a_complete_form_stores_it_with_its_score(patient, specialist):
    version = FormVersionFactory(schema=template_schema("gad7"))
    raw = {f"gad{n}": "Several days" for n in range(1, 8)}
    raw["gad1"] = "Nearly every day"
    response = form_submit(patient=patient, version=version, specialist=specialist, raw_answers=raw)
    assert response.status == FormResponse.Status.SUBMITTED and response.submitted_at is not None
    assert response.score == {"total": 9, "band": "Mild", "max": 21}
    assert JourneyEvent.objects.filter(verb="form_submitted").count() == 1


def test_a_submitted_form_is_not_changed_by_a_draft_or_a_second_submit(patient, specialist):
    version = FormVersionFactory()
    args = {"patient": patient, "version": version, "specialist": specialist}
    form_submit(**args, raw_answers={"reason": "Stress", "first": "yes"})
    with pytest.raises(ValidationError):
        form_draft_save(**args, raw_answers={"reason": "Other"})
    with pytest.raises(ValidationError):
        form_submit(**args, raw_answers={"reason": "Other", "first": "no"})
    assert response_answers(FormResponse.objects.get()) == {"reason": "Stress", "first": "yes"}


def test_an_unpublished_form_cannot_be_answered(patient, specialist):
    with pytest.raises(ValidationError):
        form_draft_save(
            patient=patient, version=FormVersionFactory(published_at=None), specialist=specialist, raw_answers={}
        )
    assert not FormResponse.objects.exists()
