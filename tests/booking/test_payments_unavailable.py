"""Payment before confirmation where the organization takes no payments
online (`core.payments.payments_available_for` says no): the option is not offered, a posted
one is ignored (and the service refuses it), a proposal that asked for it
earlier books at once, and a booking already waiting for a payment says
truthfully that nobody can pay online yet."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from booking import services
from booking.models import Proposal
from booking.states import AppointmentStatus as S
from care.models import CareRelationship
from core.payments import payments_available_for
from tests.booking.factories import AppointmentFactory, AvailabilityRuleFactory, BookingSettingsFactory
from tests.messaging.factories_pages import conversation_between, patient_of, specialist_of
from tests.specialists.factories import OfferingFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)  # Friday noon
MONDAY_9 = datetime(2026, 11, 23, 8, tzinfo=UTC)  # 09:00 Berlin, 03:00 New York
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def specialist(org):
    profile = specialist_of(org, display_name="Lena Berg", user__timezone="Europe/Berlin")
    BookingSettingsFactory(specialist=profile, slot_increment_minutes=60, minimum_notice_minutes=12 * 60)
    for weekday in range(5):
        AvailabilityRuleFactory(specialist=profile, weekday=weekday, start_time="09:00", end_time="12:00")
    return profile


@pytest.fixture
def offering(specialist):
    return OfferingFactory(specialist=specialist, name="Follow-up session", duration_minutes=50, price_minor=9000)


@pytest.fixture
def patient(org):
    return patient_of(org, full_name="Alex Doe", timezone="America/New_York")


@pytest.fixture
def conversation(patient, specialist):
    return conversation_between(patient, specialist)


def proposal_post(patient, offering, **extra):
    return {
        "patient": str(patient.public_id),
        "offering": str(offering.public_id),
        "date_1": "2026-11-23",
        "time_1": "09:00",
        **extra,
    }


def legacy_proposal(patient, offering):
    """A proposal that asked for payment before payments were possible."""
    proposal = services.proposal_create(
        specialist=offering.specialist,
        patient=patient,
        offering=offering,
        starts_at=[MONDAY_9],
        expires_at=NOW + timedelta(days=1),
        by=offering.specialist.user,
    )
    Proposal.objects.filter(pk=proposal.pk).update(payment_required=True)
    proposal.refresh_from_db()
    return proposal


def awaiting(patient, offering):
    return AppointmentFactory(
        patient=patient,
        offering=offering,
        awaiting_payment=True,
        starts_at=MONDAY_9,
        expires_at=NOW + timedelta(hours=20),
    )


def test_a_payments_app_answers_through_the_registry(specialist, payments_available):
    assert payments_available_for(specialist) is True


def test_an_organization_without_online_billing_takes_no_payments(specialist):
    assert payments_available_for(specialist) is False


def test_the_proposal_page_does_not_offer_payment_required(client, specialist, offering, patient, conversation):
    client.force_login(specialist.user)
    page = client.get(reverse("booking:proposal-create")).content.decode()
    assert "Payment required before confirmation" not in page
    assert 'name="payment_required"' not in page


def test_a_posted_payment_required_is_ignored(client, specialist, offering, patient, conversation):
    client.force_login(specialist.user)
    response = client.post(reverse("booking:proposal-create"), proposal_post(patient, offering, payment_required="on"))
    assert response.status_code == 303
    assert Proposal.objects.get().payment_required is False


def test_the_thread_panel_neither_offers_nor_stores_it(client, specialist, offering, conversation):
    client.force_login(specialist.user)
    propose = reverse("messaging:specialist-propose", args=[conversation.public_id])
    assert 'name="payment_required"' not in client.get(propose, **HTMX).content.decode()
    data = {"offering": str(offering.public_id), "date_1": "2026-11-23", "time_1": "09:00", "payment_required": "on"}
    assert client.post(propose, data, **HTMX).status_code == 200
    assert Proposal.objects.get().payment_required is False


def test_with_payments_the_option_is_offered(client, specialist, offering, patient, conversation, payments_available):
    client.force_login(specialist.user)
    assert 'name="payment_required"' in client.get(reverse("booking:proposal-create")).content.decode()


def test_the_service_refuses_payment_required_and_stores_nothing(specialist, offering, patient):
    with pytest.raises(ValidationError) as refused:
        services.proposal_create(
            specialist=specialist,
            patient=patient,
            offering=offering,
            starts_at=[MONDAY_9],
            expires_at=NOW + timedelta(days=1),
            payment_required=True,
            by=specialist.user,
        )
    assert refused.value.code == "payments_unavailable"
    assert not Proposal.objects.exists()


def test_a_proposal_that_asked_for_payment_earlier_books_at_once(client, patient, offering):
    proposal = legacy_proposal(patient, offering)
    client.force_login(patient)
    page = client.get(reverse("booking:patient-proposal", args=[proposal.public_id])).content.decode()
    assert "Payment will be required" not in page
    option = proposal.appointments.get()
    response = client.post(
        reverse("booking:proposal-accept", args=[proposal.public_id]), {"appointment": option.public_id}, follow=True
    )
    option.refresh_from_db()
    assert option.status == S.CONFIRMED
    assert "please pay" not in response.content.decode().lower()


def test_its_specialist_is_told_it_books_at_once(client, specialist, patient, offering):
    proposal = legacy_proposal(patient, offering)
    client.force_login(specialist.user)
    page = client.get(reverse("booking:specialist-proposal", args=[proposal.public_id])).content.decode()
    assert "online payment is not available yet: a time the patient accepts is booked at once" in page


def test_a_booking_awaiting_payment_says_truthfully_what_happens(client, patient, offering):
    """Before a first confirmed booking the pair has no thread: the page
    offers what the patient can do instead of a message they cannot send."""
    appointment = awaiting(patient, offering)
    client.force_login(patient)
    page = client.get(reverse("booking:patient-appointment", args=[appointment.public_id])).content.decode()
    assert "Reserved, not confirmed" in page
    assert "This time is reserved for you, but not confirmed yet." in page
    assert "online payment is not available here yet" in page
    assert "The time stays reserved until Sat 21 Nov, 03:00" in page
    assert "it is released on its own" in page
    assert "You do not need to do anything. For questions about paying, contact Demo Clinic." in page
    assert '<a href="#pb-cancel">Cancel it below</a>' in page and '" id="pb-cancel">' in page
    assert "message Lena Berg" not in page
    assert "Please pay" not in page and "Pay now" not in page


def test_with_a_thread_it_sends_the_patient_to_it(client, patient, offering, conversation):
    appointment = awaiting(patient, offering)
    client.force_login(patient)
    page = client.get(reverse("booking:patient-appointment", args=[appointment.public_id])).content.decode()
    assert "Please message Lena Berg about how to go ahead." in page
    thread = reverse("messaging:patient-thread", args=[conversation.public_id])
    assert f'<a href="{thread}">Your conversation with Lena Berg</a>' in page
    assert "You do not need to do anything" not in page


def test_an_ended_thread_is_not_offered(client, patient, offering, conversation):
    appointment = awaiting(patient, offering)
    CareRelationship.objects.filter(pk=conversation.relationship_id).update(status=CareRelationship.Status.ENDED)
    client.force_login(patient)
    page = client.get(reverse("booking:patient-appointment", args=[appointment.public_id])).content.decode()
    assert "Please message Lena Berg" not in page
    assert reverse("messaging:patient-thread", args=[conversation.public_id]) not in page


def test_the_thread_panel_says_it_too(client, patient, offering, conversation):
    awaiting(patient, offering)
    client.force_login(patient)
    page = client.get(reverse("messaging:patient-panel", args=[conversation.public_id]), **HTMX).content.decode()
    assert "Reserved, not confirmed" in page
    assert "Online payment is not available yet. The time is reserved until Sat 21 Nov, 03:00, then released" in page
    assert "Awaiting payment" not in page


def test_with_payments_a_booking_awaiting_one_asks_for_it(client, patient, offering, payments_available):
    appointment = awaiting(patient, offering)
    client.force_login(patient)
    page = client.get(reverse("booking:patient-appointment", args=[appointment.public_id])).content.decode()
    assert "Please pay by Sat 21 Nov, 03:00 to confirm this session" in page
    assert "Payment due" in page
