"""System notices (messaging/notices.py): which domain event posts which
notice into the pair's thread, once, worded for both readers, without health
details, and unread only for the side that did not cause it."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from booking import services as booking
from booking.models import Reminder
from booking.states import AppointmentStatus as S
from care.services import care_relationship_end, care_relationship_start
from consents.models import FormResponse
from consents.services import consent_sign, form_submit
from core import events
from messaging import selectors
from messaging.models import Conversation, Message
from tests.accounts.factories import UserFactory
from tests.consents.factories_patient import ConsentDocumentFactory, ConsentVersionFactory, published_form
from tests.organizations.factories import OrganizationFactory
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 17, 12, tzinfo=UTC)
# Tue 24 Nov 2026: 09:00 in New York (the patient), 15:00 in Berlin.
STARTS_AT = datetime(2026, 11, 24, 14, tzinfo=UTC)
WHEN = "Tue 24 Nov 2026, 09:00 (America/New York) · 15:00 (Europe/Berlin)"
REASON = "My panic attacks are back"


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Call a service as a request would: its events go out after commit."""

    def call(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)

    return call


@pytest.fixture
def offering(db):
    organization = OrganizationFactory(name="Harbour Clinic")
    specialist = SpecialistProfileFactory(
        organization=organization,
        display_name="Dr Rivera",
        user=UserFactory(timezone="Europe/Berlin", full_name="Rosa Rivera"),
    )
    return OfferingFactory(specialist=specialist, name="Trauma therapy")


@pytest.fixture
def patient(db):
    return UserFactory(timezone="America/New_York", full_name="Ana Patient", preferred_name="")


@pytest.fixture
def specialist_user(offering):
    return offering.specialist.user


@pytest.fixture
def conversation(run, offering, patient):
    relationship = run(care_relationship_start, patient=patient, specialist=offering.specialist, source="chosen")
    return Conversation.objects.get(relationship=relationship)


def notices(conversation=None):
    queryset = Message.objects.filter(kind=Message.Kind.NOTICE)
    if conversation is not None:
        queryset = queryset.filter(conversation=conversation)
    return list(queryset.order_by("created_at", "pk"))


def book(run, offering, patient, status, starts_at=STARTS_AT, **kwargs):
    return run(
        booking.appointment_create,
        patient=patient,
        offering=offering,
        starts_at=starts_at,
        status=status,
        by=kwargs.pop("by", patient),
        **kwargs,
    )


# --- Appointments ---------------------------------------------------------------------


def test_a_request_then_its_acceptance_post_two_notices_unread_for_the_other_side(
    run, conversation, offering, patient, specialist_user
):
    appointment = book(run, offering, patient, S.REQUESTED)
    [requested] = notices(conversation)
    assert (requested.verb, requested.text, requested.author) == (
        "appointment.requested",
        f"Session requested: {WHEN}",
        patient,
    )
    assert selectors.unread_total(specialist_user) == 1
    assert selectors.unread_total(patient) == 0  # they caused it

    run(booking.appointment_request_accept, appointment=appointment, by=specialist_user)
    confirmed = notices(conversation)[-1]
    assert (confirmed.verb, confirmed.text, confirmed.author) == (
        "appointment.confirmed",
        f"Session confirmed: {WHEN}",
        specialist_user,
    )
    assert selectors.unread_total(specialist_user) == 1  # still only the request
    assert selectors.unread_total(patient) == 1


def test_a_proposal_of_three_times_posts_one_notice_and_its_withdrawal_one_more(
    run, conversation, offering, patient, specialist_user
):
    proposal = run(
        booking.proposal_create,
        specialist=offering.specialist,
        patient=patient,
        offering=offering,
        starts_at=[STARTS_AT + timedelta(days=2), STARTS_AT, STARTS_AT + timedelta(days=1)],
        expires_at=NOW + timedelta(days=2),
        by=specialist_user,
    )
    [proposed] = notices(conversation)
    assert proposed.verb == "appointment.proposed"
    assert proposed.text == f"3 session times proposed, the first on {WHEN}"
    assert proposed.author == specialist_user

    run(booking.proposal_withdraw, proposal=proposal, by=specialist_user)
    withdrawn = notices(conversation)[1:]
    assert [(n.verb, n.text) for n in withdrawn] == [("proposal.withdrawn", "Dr Rivera withdrew the proposed times")]
    assert selectors.unread_total(patient) == 2
    assert selectors.unread_total(specialist_user) == 0


def test_accepting_a_proposed_time_posts_only_the_confirmation(run, conversation, offering, patient, specialist_user):
    proposal = run(
        booking.proposal_create,
        specialist=offering.specialist,
        patient=patient,
        offering=offering,
        starts_at=[STARTS_AT, STARTS_AT + timedelta(days=1)],
        expires_at=NOW + timedelta(days=2),
        by=specialist_user,
    )
    chosen = proposal.appointments.get(starts_at=STARTS_AT)
    run(booking.proposal_accept, proposal=proposal, appointment=chosen, by=patient)
    assert [n.verb for n in notices(conversation)] == ["appointment.proposed", "appointment.confirmed"]
    assert notices(conversation)[-1].text == f"Session confirmed: {WHEN}"


def test_a_cancellation_says_when_but_never_the_reason_or_the_service(
    run, conversation, offering, patient, specialist_user
):
    appointment = book(run, offering, patient, S.CONFIRMED)
    run(booking.appointment_cancel, appointment=appointment, by=patient, reason=REASON)
    cancelled = notices(conversation)[-1]
    assert (cancelled.verb, cancelled.text, cancelled.author) == (
        "appointment.cancelled",
        f"Session cancelled: {WHEN}",
        patient,
    )
    for message in notices():
        assert "panic" not in message.text and "Trauma" not in message.text
    assert selectors.unread_total(specialist_user) == 2  # confirmed (by the patient) and cancelled


def test_a_withdrawn_request_posts_a_notice(run, conversation, offering, patient):
    appointment = book(run, offering, patient, S.REQUESTED)
    run(booking.appointment_cancel, appointment=appointment, by=patient, reason="Changed my mind")
    assert notices(conversation)[-1].text == f"Session request cancelled: {WHEN}"


def test_a_released_hold_posts_nothing(run, conversation, offering, patient):
    held = book(run, offering, patient, S.HELD, expires_at=NOW + timedelta(minutes=10))
    run(booking.appointment_hold_release, appointment=held, by=patient)
    assert notices() == []


def test_a_move_posts_the_new_time(run, conversation, offering, patient, specialist_user):
    appointment = book(run, offering, patient, S.CONFIRMED)
    run(
        booking.appointment_reschedule,
        appointment=appointment,
        starts_at=STARTS_AT + timedelta(days=1),
        by=specialist_user,
        reason="Clash",
    )
    moved = notices(conversation)[-1]
    assert moved.verb == "appointment.rescheduled"
    assert moved.text == "Session moved to Wed 25 Nov 2026, 09:00 (America/New York) · 15:00 (Europe/Berlin)"
    assert moved.author == specialist_user


def test_a_sent_reminder_posts_a_system_notice_unread_for_both(run, conversation, offering, patient, specialist_user):
    appointment = book(run, offering, patient, S.CONFIRMED)
    Reminder.objects.filter(appointment=appointment).delete()
    Reminder.objects.create(
        appointment=appointment, offset_minutes=60, starts_at=STARTS_AT, due_at=NOW - timedelta(minutes=1)
    )
    assert run(booking.reminders_send_due) == 1
    reminder = notices(conversation)[-1]
    assert (reminder.verb, reminder.text, reminder.author) == (
        "appointment.reminder_sent",
        f"Reminder sent for the session on {WHEN}",
        None,
    )
    assert selectors.unread_total(patient) == 1  # the reminder (they booked it themselves)
    assert selectors.unread_total(specialist_user) == 2  # the booking and the reminder


def test_a_day_boundary_between_the_zones_writes_both_dates(run, conversation, offering, patient):
    # 23:00 in New York is 05:00 the next day in Berlin.
    book(run, offering, patient, S.CONFIRMED, starts_at=datetime(2026, 11, 25, 4, tzinfo=UTC))
    assert notices(conversation)[-1].text == (
        "Session confirmed: Tue 24 Nov 2026, 23:00 (America/New York) · Wed 25 Nov 2026, 05:00 (Europe/Berlin)"
    )


def test_a_pair_without_an_active_relationship_gets_no_notice(run, offering, patient, specialist_user):
    first = book(run, offering, patient, S.REQUESTED)  # no relationship yet
    assert notices() == []
    run(booking.appointment_transition, appointment=first, to=S.DECLINED, by=specialist_user)
    relationship = run(care_relationship_start, patient=patient, specialist=offering.specialist, source="chosen")
    run(care_relationship_end, relationship=relationship, by=specialist_user)
    book(run, offering, patient, S.REQUESTED, starts_at=STARTS_AT + timedelta(days=1))
    assert notices() == []


def test_the_first_booking_opens_the_thread_and_its_confirmation_is_the_first_notice(run, offering, patient):
    book(run, offering, patient, S.CONFIRMED)
    conversation = Conversation.objects.get(relationship__patient=patient)
    assert [(n.verb, n.text) for n in notices(conversation)] == [
        ("appointment.confirmed", f"Session confirmed: {WHEN}")
    ]


def test_a_session_already_over_gets_no_notice(run, conversation, offering, patient):
    book(run, offering, patient, S.CONFIRMED, starts_at=NOW - timedelta(days=1))
    assert notices() == []


def test_a_retried_event_posts_its_notice_once(run, conversation, offering, patient):
    appointment = book(run, offering, patient, S.CONFIRMED)
    for _ in range(2):
        events.appointment_confirmed.send(sender=None, appointment_id=appointment.pk, from_status="", actor_id=None)
    assert [n.verb for n in notices(conversation)] == ["appointment.confirmed"]


# --- Consents and forms -----------------------------------------------------------------


def sign(run, patient, document):
    version = ConsentVersionFactory(document=document, number=1)
    return run(
        consent_sign,
        patient=patient,
        version=version,
        typed_name=patient.full_name,
        agreed=True,
        ip_address="203.0.113.7",
        user_agent="test",
    )


def test_a_signed_consent_posts_into_the_threads_with_specialists_of_its_organization(
    run, conversation, offering, patient, specialist_user
):
    elsewhere = SpecialistProfileFactory()
    other = Conversation.objects.get(
        relationship=run(care_relationship_start, patient=patient, specialist=elsewhere, source="chosen")
    )
    sign(run, patient, ConsentDocumentFactory(organization=offering.specialist.organization, title="Trauma consent"))
    [signed] = notices(conversation)
    assert (signed.verb, signed.text, signed.author) == (
        "consent.signed",
        "Consent signed: Consent to treatment",
        patient,
    )
    assert "Trauma" not in signed.text
    assert notices(other) == []
    assert selectors.unread_total(specialist_user) == 1
    assert selectors.unread_total(patient) == 0


def test_a_consent_of_no_named_kind_is_a_plain_consent_signed(run, conversation, offering, patient):
    organization = offering.specialist.organization
    sign(run, patient, ConsentDocumentFactory(organization=organization, kind="other", title="Session agreement"))
    assert [n.text for n in notices(conversation)] == ["Consent signed"]  # never "Consent signed: Other"


def test_two_consents_signed_one_after_the_other_post_two_notices(run, conversation, offering, patient):
    organization = offering.specialist.organization
    sign(run, patient, ConsentDocumentFactory(organization=organization))
    with time_machine.travel(NOW + timedelta(seconds=5), tick=False):
        sign(run, patient, ConsentDocumentFactory(organization=organization))
    assert [n.verb for n in notices(conversation)] == ["consent.signed", "consent.signed"]


def test_a_consent_of_another_specialists_patients_posts_nothing_here(run, conversation, offering, patient):
    someone_else = SpecialistProfileFactory(organization=offering.specialist.organization)
    sign(run, patient, ConsentDocumentFactory(organization=offering.specialist.organization, specialist=someone_else))
    assert notices() == []


def test_a_submitted_form_posts_into_the_thread_with_its_specialist(
    run, conversation, offering, patient, specialist_user
):
    version = published_form(organization=offering.specialist.organization, title="PHQ-9 depression screen")
    run(
        form_submit,
        patient=patient,
        version=version,
        specialist=offering.specialist,
        raw_answers={"reason": "I cannot sleep", "first": "yes"},
    )
    [completed] = notices(conversation)
    assert (completed.verb, completed.text, completed.author) == ("form.submitted", "Form completed", patient)
    assert selectors.unread_total(specialist_user) == 1
    assert selectors.unread_total(patient) == 0
    # Delivered again (a retry): still one notice.
    events.form_submitted.send(sender=None, response_id=FormResponse.objects.get(patient=patient).pk)
    assert len(notices(conversation)) == 1
