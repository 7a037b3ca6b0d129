"""`requirements_for`: which consents and forms apply to a patient, and
which are still to do."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consents.models import FormResponse, RequiredBefore
from consents.selectors import requirements_for
from organizations.models import Membership, ProgramEnrolment
from tests.conftest import member
from tests.consents.factories_patient import (
    CareContextFactory,
    ConsentSignatureFactory,
    ConsentVersionFactory,
    FormResponseFactory,
    published_document,
    published_form,
)
from tests.organizations.factories import ProgramFactory
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(org):
    return member(org, Membership.Role.PATIENT)


@pytest.fixture
def specialist(org):
    return SpecialistProfileFactory(organization=org)


@pytest.fixture
def offering(specialist):
    return OfferingFactory(specialist=specialist)


def titles(requirements):
    return [item.title for item in requirements.items]


# --- Scope ------------------------------------------------------------------------------


def test_an_organization_document_applies_to_its_patients_only(patient, org, other_org):
    published_document(organization=org, title="Privacy")
    published_document(organization=other_org, title="Elsewhere")
    assert titles(requirements_for(patient)) == ["Privacy"]


def test_a_program_document_applies_to_enrolled_patients_only(patient, org):
    program = ProgramFactory(organization=org)
    published_document(organization=org, program=program, title="Program rules")
    assert titles(requirements_for(patient)) == []
    ProgramEnrolment.objects.create(program=program, patient=patient, via=ProgramEnrolment.Via.CODE)
    assert titles(requirements_for(patient)) == ["Program rules"]


def test_a_specialist_document_applies_once_the_patient_booked_them(patient, org, specialist, offering):
    published_document(organization=org, specialist=specialist, title="Recording policy")
    assert titles(requirements_for(patient)) == []
    assert titles(requirements_for(patient, specialist=specialist, offering=offering)) == ["Recording policy"]
    CareContextFactory(patient=patient, offering=offering)
    assert titles(requirements_for(patient)) == ["Recording policy"]


def test_a_specialist_item_does_not_apply_to_another_specialists_patient(org, specialist):
    published_document(organization=org, specialist=specialist, title="Recording policy")
    published_form(organization=org, specialist=specialist, title="Lena's intake")
    someone = member(org, Membership.Role.PATIENT)
    other = SpecialistProfileFactory(organization=org)
    CareContextFactory(patient=someone, offering=OfferingFactory(specialist=other))
    assert titles(requirements_for(someone)) == []


def test_a_form_attached_to_an_offering_applies_to_who_booked_that_offering(patient, org, specialist, offering):
    version = published_form(organization=org, title="Couples intake")
    version.form.offerings.add(offering)
    other_offering = OfferingFactory(specialist=specialist)
    CareContextFactory(patient=patient, offering=other_offering)
    assert titles(requirements_for(patient)) == []
    CareContextFactory(patient=patient, offering=offering)
    [item] = requirements_for(patient).items
    assert item.kind == "form" and item.specialist == specialist and item.version == version


def test_an_organization_form_is_answered_per_specialist_booked(patient, org):
    published_form(organization=org, title="General intake")
    first, second = SpecialistProfileFactory(organization=org), SpecialistProfileFactory(organization=org)
    CareContextFactory(patient=patient, offering=OfferingFactory(specialist=first))
    CareContextFactory(patient=patient, offering=OfferingFactory(specialist=second))
    items = requirements_for(patient).items
    assert {item.specialist for item in items} == {first, second}
    assert len({item.key for item in items}) == 2


def test_drafts_and_inactive_documents_do_not_apply(patient, org):
    ConsentVersionFactory(document__organization=org, published_at=None)
    published_document(organization=org, is_active=False)
    assert titles(requirements_for(patient)) == []


# --- Moments ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (RequiredBefore.SIGNUP, ["At sign-up"]),
        (RequiredBefore.BOOKING, ["At sign-up", "Before booking"]),
        (RequiredBefore.SESSION, ["At sign-up", "Before booking", "Before the session"]),
    ],
)
def test_an_item_blocks_from_its_moment_on(patient, org, moment, expected):
    published_document(organization=org, title="Before the session", required_before=RequiredBefore.SESSION)
    published_document(organization=org, title="At sign-up", required_before=RequiredBefore.SIGNUP)
    published_document(organization=org, title="Before booking", required_before=RequiredBefore.BOOKING)
    requirements = requirements_for(patient)
    assert titles(requirements) == ["At sign-up", "Before booking", "Before the session"]
    assert [item.title for item in requirements.blocking(moment)] == expected


def test_the_appointment_blockers_are_that_specialists_missing_items(patient, org, specialist, offering):
    published_document(organization=org, title="Treatment")
    published_form(organization=org, specialist=specialist, title="Intake")
    other = SpecialistProfileFactory(organization=org)
    published_form(organization=org, specialist=other, title="Other intake")
    CareContextFactory(patient=patient, offering=OfferingFactory(specialist=other))
    requirements = requirements_for(patient, specialist=specialist, offering=offering)
    blockers = requirements.blocking(RequiredBefore.SESSION, specialist)
    assert [item.title for item in blockers] == ["Treatment", "Intake"]


# --- Status -----------------------------------------------------------------------------


def test_a_signed_document_is_done(patient, org):
    version = published_document(organization=org)
    signature = ConsentSignatureFactory(patient=patient, version=version)
    [item] = requirements_for(patient).items
    assert item.done and item.signature == signature and not item.resign


def test_a_new_version_asks_for_a_new_signature_when_the_document_says_so(patient, org):
    old = published_document(organization=org, reconsent_on_new_version=True)
    ConsentSignatureFactory(patient=patient, version=old)
    new = ConsentVersionFactory(document=old.document, number=2)
    [item] = requirements_for(patient).items
    assert item.version == new and not item.done and item.resign


def test_a_new_version_keeps_the_old_signature_when_the_document_says_so(patient, org):
    old = published_document(organization=org, reconsent_on_new_version=False)
    signature = ConsentSignatureFactory(patient=patient, version=old)
    new = ConsentVersionFactory(document=old.document, number=2)
    [item] = requirements_for(patient).items
    assert item.version == new and item.done and item.signature == signature


def test_an_unpublished_new_version_changes_nothing(patient, org):
    old = published_document(organization=org)
    ConsentSignatureFactory(patient=patient, version=old)
    ConsentVersionFactory(document=old.document, number=2, published_at=None)
    [item] = requirements_for(patient).items
    assert item.version == old and item.done


def test_withdrawing_makes_the_document_pending_again(patient, org):
    version = published_document(organization=org)
    ConsentSignatureFactory(patient=patient, version=version, withdrawn_at=timezone.now(), withdrawal_reason="No")
    [item] = requirements_for(patient).items
    assert not item.done and item.signature is None


def test_a_form_is_done_once_submitted_not_while_a_draft(patient, org, specialist, offering):
    version = published_form(organization=org, specialist=specialist)
    CareContextFactory(patient=patient, offering=offering)
    response = FormResponseFactory(patient=patient, version=version, specialist=specialist)
    [item] = requirements_for(patient).items
    assert not item.done and item.response == response
    response.status = FormResponse.Status.SUBMITTED
    response.save()
    assert requirements_for(patient).items[0].done


def test_another_patients_signature_counts_for_nobody_else(patient, org):
    version = published_document(organization=org)
    ConsentSignatureFactory(version=version)
    assert not requirements_for(patient).items[0].done


# --- Queries ----------------------------------------------------------------------------


def _queries(patient) -> int:
    with CaptureQueriesContext(connection) as captured:
        requirements_for(patient)
    return len(captured)


def test_the_number_of_queries_does_not_grow_with_what_applies(patient, org, specialist, offering):
    published_document(organization=org)
    published_form(organization=org).form.offerings.add(offering)
    CareContextFactory(patient=patient, offering=offering)
    few = _queries(patient)
    for _ in range(4):
        version = published_document(organization=org)
        ConsentSignatureFactory(patient=patient, version=version)
        form = published_form(organization=org)
        form.form.offerings.add(offering)
    program = ProgramFactory(organization=org)
    ProgramEnrolment.objects.create(program=program, patient=patient, via=ProgramEnrolment.Via.CODE)
    published_document(organization=org, program=program)
    for _ in range(3):
        other = OfferingFactory(specialist=SpecialistProfileFactory(organization=org))
        CareContextFactory(patient=patient, offering=other)
        published_form(organization=org, specialist=other.specialist)
    requirements = requirements_for(patient)
    assert len(requirements.items) >= 10
    assert _queries(patient) == few
