"""Booking as people do it: holds, requests, proposals, the payment gate,
cancelling, rescheduling and expiry (booking/services/scheduling.py)."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError

from booking import services
from booking.models import Appointment, AppointmentEvent, AvailabilityRequest, BookingPolicy, Proposal
from booking.services import SlotTaken
from booking.states import AppointmentStatus as S
from tests.accounts.factories import UserFactory
from tests.booking.factories import AppointmentFactory, AvailabilityRuleFactory, BookingSettingsFactory
from tests.specialists.factories import OfferingFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)  # Sunday; Berlin is UTC+1 until 29 March
MONDAY_9 = datetime(2026, 3, 2, 8, tzinfo=UTC)  # 09:00 in Berlin
MONDAY_10 = datetime(2026, 3, 2, 9, tzinfo=UTC)
MONDAY_11 = datetime(2026, 3, 2, 10, tzinfo=UTC)


@pytest.fixture
def offering():
    """Mondays 09:00-12:00 in Berlin, hourly starts, an hour's notice, 30 days ahead."""
    offering = OfferingFactory(duration_minutes=50, specialist__user__timezone="Europe/Berlin")
    BookingSettingsFactory(
        specialist=offering.specialist,
        buffer_after_minutes=10,
        minimum_notice_minutes=60,
        slot_increment_minutes=60,
        horizon_days=30,
    )
    AvailabilityRuleFactory(specialist=offering.specialist, weekday=0, start_time="09:00", end_time="12:00")
    return offering


@pytest.fixture
def patient():
    return UserFactory(timezone="America/New_York")


def specialist_user(offering):
    return offering.specialist.user


def codes(error: ValidationError) -> list[str]:
    return [e.code for e in error.error_list]


# --- Holds -----------------------------------------------------------------------------


def test_a_hold_keeps_a_free_time_for_ten_minutes(offering, patient):
    held = services.appointment_hold(patient=patient, offering=offering, starts_at=MONDAY_9, now=NOW)
    assert held.status == S.HELD
    assert held.expires_at == NOW + timedelta(minutes=services.HOLD_MINUTES)
    rival = UserFactory()
    with pytest.raises(SlotTaken):
        services.appointment_hold(patient=rival, offering=offering, starts_at=MONDAY_9, now=NOW)


def test_picking_another_time_releases_the_previous_hold(offering, patient):
    first = services.appointment_hold(patient=patient, offering=offering, starts_at=MONDAY_9, now=NOW)
    second = services.appointment_hold(patient=patient, offering=offering, starts_at=MONDAY_10, now=NOW)
    first.refresh_from_db()
    assert (first.status, second.status) == (S.CANCELLED, S.HELD)


@pytest.mark.parametrize(
    ("starts_at", "code"),
    [
        (NOW - timedelta(hours=1), "past"),
        (NOW + timedelta(minutes=30), "notice"),
        (datetime(2026, 4, 6, 7, tzinfo=UTC), "horizon"),  # a Monday 09:00, 36 days ahead
        (datetime(2026, 3, 3, 8, tzinfo=UTC), "unavailable"),  # Tuesday: no hours
        (datetime(2026, 3, 2, 8, 30, tzinfo=UTC), "unavailable"),  # 09:30: not on the hourly grid
    ],
)
def test_a_time_that_cannot_be_booked_says_why_and_stores_nothing(offering, patient, starts_at, code):
    with pytest.raises(ValidationError) as caught:
        services.appointment_hold(patient=patient, offering=offering, starts_at=starts_at, now=NOW)
    assert codes(caught.value) == [code]
    assert not Appointment.objects.exists()


def test_an_on_request_service_cannot_be_held(offering, patient):
    offering.booking_mode = offering.BookingMode.ON_REQUEST
    offering.save()
    with pytest.raises(ValidationError) as caught:
        services.appointment_hold(patient=patient, offering=offering, starts_at=MONDAY_9, now=NOW)
    assert codes(caught.value) == ["on_request"]


def test_confirming_a_hold_books_the_session(offering, patient):
    held = services.appointment_hold(patient=patient, offering=offering, starts_at=MONDAY_9, now=NOW)
    booked = services.appointment_hold_confirm(appointment=held, by=patient, now=NOW + timedelta(minutes=5))
    assert booked.status == S.CONFIRMED
    assert booked.expires_at is None


def test_a_hold_that_ran_out_cannot_be_confirmed_and_lapses(offering, patient):
    held = services.appointment_hold(patient=patient, offering=offering, starts_at=MONDAY_9, now=NOW)
    with pytest.raises(ValidationError) as caught:
        services.appointment_hold_confirm(appointment=held, by=patient, now=NOW + timedelta(minutes=11))
    assert codes(caught.value) == ["hold_expired"]
    held.refresh_from_db()
    assert held.status == S.EXPIRED


def test_releasing_a_hold_frees_the_time(offering, patient):
    held = services.appointment_hold(patient=patient, offering=offering, starts_at=MONDAY_9, now=NOW)
    services.appointment_hold_release(appointment=held, by=patient)
    again = services.appointment_hold(patient=UserFactory(), offering=offering, starts_at=MONDAY_9, now=NOW)
    assert again.status == S.HELD


# --- Requests of one time -------------------------------------------------------------------


def test_a_requested_time_does_not_hold_until_the_specialist_accepts(offering, patient):
    requested = services.appointment_request(patient=patient, offering=offering, starts_at=MONDAY_9, now=NOW)
    assert requested.status == S.REQUESTED
    other = services.appointment_request(patient=UserFactory(), offering=offering, starts_at=MONDAY_9, now=NOW)
    services.appointment_request_accept(appointment=requested, by=specialist_user(offering), now=NOW)
    with pytest.raises(SlotTaken):
        services.appointment_request_accept(appointment=other, by=specialist_user(offering), now=NOW)
    other.refresh_from_db()
    assert other.status == S.REQUESTED


def test_declining_a_request_needs_a_reason(offering, patient):
    requested = services.appointment_request(patient=patient, offering=offering, starts_at=MONDAY_9, now=NOW)
    with pytest.raises(ValidationError) as caught:
        services.appointment_request_decline(appointment=requested, by=specialist_user(offering), reason="  ")
    assert codes(caught.value) == ["reason_required"]
    declined = services.appointment_request_decline(
        appointment=requested, by=specialist_user(offering), reason="I am away that week."
    )
    assert declined.status == S.DECLINED


# --- Availability requests -------------------------------------------------------------------


def window(day=date(2026, 3, 4), start=time(17), end=time(19)):
    return {"date": day, "from": start, "until": end}


def test_an_availability_request_stores_windows_in_the_patients_zone(offering, patient):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.utils.timezone.now", lambda: NOW)
        request = services.availability_request_create(
            patient=patient, specialist=offering.specialist, offering=offering, windows=[window()], note="Evenings."
        )
    assert request.windows == [{"date": "2026-03-04", "from": "17:00", "until": "19:00"}]
    assert request.patient_timezone == "America/New_York"
    assert request.status == AvailabilityRequest.Status.OPEN


@pytest.mark.parametrize(
    ("windows", "note", "code"),
    [
        ([], "", "empty"),
        ([window(start=time(19), end=time(17))], "", "window_order"),
        ([window(day=date(2020, 1, 1))], "", "window_past"),
    ],
)
def test_a_bad_availability_request_is_refused(offering, patient, windows, note, code):
    with pytest.raises(ValidationError) as caught:
        services.availability_request_create(
            patient=patient, specialist=offering.specialist, offering=None, windows=windows, note=note
        )
    assert codes(caught.value) == [code]
    assert not AvailabilityRequest.objects.exists()


# --- Proposals -------------------------------------------------------------------------------


def propose(offering, patient, times=(MONDAY_9, MONDAY_11), **kwargs):
    kwargs.setdefault("expires_at", NOW + timedelta(hours=6))
    return services.proposal_create(
        specialist=offering.specialist,
        patient=patient,
        offering=offering,
        starts_at=list(times),
        by=specialist_user(offering),
        now=NOW,
        **kwargs,
    )


def test_each_proposed_time_holds_its_slot_until_the_patient_answers(offering, patient):
    proposal = propose(offering, patient)
    options = list(proposal.appointments.order_by("starts_at"))
    assert [o.status for o in options] == [S.PROPOSED, S.PROPOSED]
    assert all(o.expires_at == proposal.expires_at for o in options)
    with pytest.raises(SlotTaken):
        services.appointment_hold(patient=UserFactory(), offering=offering, starts_at=MONDAY_9, now=NOW)


def test_accepting_one_time_books_it_and_releases_the_others(offering, patient):
    proposal = propose(offering, patient)
    first, second = proposal.appointments.order_by("starts_at")
    chosen = services.proposal_accept(proposal=proposal, appointment=second, by=patient, now=NOW)
    first.refresh_from_db()
    proposal.refresh_from_db()
    assert (chosen.status, first.status, proposal.status) == (S.CONFIRMED, S.DECLINED, Proposal.Status.ACCEPTED)
    free_again = services.appointment_hold(patient=UserFactory(), offering=offering, starts_at=MONDAY_9, now=NOW)
    assert free_again.status == S.HELD


def test_a_proposal_that_requires_payment_waits_for_it(offering, patient, payments_available):
    proposal = propose(offering, patient, payment_required=True)
    option = proposal.appointments.first()
    chosen = services.proposal_accept(proposal=proposal, appointment=option, by=patient, now=NOW)
    assert chosen.status == S.AWAITING_PAYMENT
    assert chosen.expires_at == min(NOW + timedelta(hours=24), chosen.starts_at)
    paid = services.appointment_payment_received(appointment=chosen)
    assert paid.status == S.CONFIRMED
    assert services.appointment_payment_received(appointment=paid).status == S.CONFIRMED  # a repeated webhook


def test_a_payment_for_a_booking_not_awaiting_one_is_refused(offering, patient):
    requested = services.appointment_request(patient=patient, offering=offering, starts_at=MONDAY_9, now=NOW)
    with pytest.raises(ValidationError):
        services.appointment_payment_received(appointment=requested)


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"times": ()}, "no_times"),
        ({"times": (NOW - timedelta(hours=1),)}, "past"),
        ({"expires_at": NOW - timedelta(minutes=1)}, "expiry_past"),
        ({"expires_at": MONDAY_9 + timedelta(hours=1)}, "expiry_late"),
        ({"times": (MONDAY_9, MONDAY_9 + timedelta(minutes=30))}, "overlap"),
    ],
)
def test_a_bad_proposal_is_refused_and_stores_nothing(offering, patient, kwargs, code):
    with pytest.raises(ValidationError) as caught:
        propose(offering, patient, **kwargs)
    assert codes(caught.value) == [code]
    assert not Proposal.objects.exists()
    assert not Appointment.objects.exists()


def test_a_proposal_over_a_booked_time_stores_nothing(offering, patient):
    AppointmentFactory(
        offering=offering, confirmed=True, starts_at=MONDAY_11, ends_at=MONDAY_11 + timedelta(minutes=50)
    )
    with pytest.raises(SlotTaken):
        propose(offering, patient)
    assert not Proposal.objects.exists()
    assert Appointment.objects.count() == 1


def test_an_expired_or_answered_proposal_cannot_be_accepted(offering, patient):
    proposal = propose(offering, patient)
    option = proposal.appointments.first()
    with pytest.raises(ValidationError) as caught:
        services.proposal_accept(proposal=proposal, appointment=option, by=patient, now=NOW + timedelta(hours=7))
    assert codes(caught.value) == ["expired"]
    services.proposal_decline(proposal=proposal, by=patient, reason="", now=NOW)
    with pytest.raises(ValidationError) as caught:
        services.proposal_accept(proposal=proposal, appointment=option, by=patient, now=NOW)
    assert codes(caught.value) == ["not_open"]
    option.refresh_from_db()
    assert option.status == S.DECLINED


def test_an_expired_proposal_cannot_be_declined(offering, patient):
    proposal = propose(offering, patient)
    with pytest.raises(ValidationError) as caught:
        services.proposal_decline(proposal=proposal, by=patient, now=proposal.expires_at)
    assert codes(caught.value) == ["expired"]
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.OPEN
    assert {option.status for option in proposal.appointments.all()} == {S.PROPOSED}


def test_an_option_of_another_proposal_cannot_be_accepted(offering, patient):
    proposal = propose(offering, patient, times=(MONDAY_9,))
    other = propose(offering, UserFactory(), times=(MONDAY_11,))
    with pytest.raises(ValidationError) as caught:
        services.proposal_accept(proposal=proposal, appointment=other.appointments.get(), by=patient, now=NOW)
    assert codes(caught.value) == ["not_an_option"]


def test_answering_a_request_with_a_proposal_marks_it_answered(offering, patient):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.utils.timezone.now", lambda: NOW)
        request = services.availability_request_create(
            patient=patient, specialist=offering.specialist, offering=None, windows=[window()], note=""
        )
    propose(offering, patient, request=request)
    request.refresh_from_db()
    assert request.status == AvailabilityRequest.Status.ANSWERED


def test_withdrawing_a_proposal_releases_every_time(offering, patient):
    proposal = propose(offering, patient)
    services.proposal_withdraw(proposal=proposal, by=specialist_user(offering))
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.WITHDRAWN
    assert set(proposal.appointments.values_list("status", flat=True)) == {S.CANCELLED}


# --- Cancelling ------------------------------------------------------------------------------


def booked(offering, patient, starts_at=MONDAY_9):
    held = services.appointment_hold(patient=patient, offering=offering, starts_at=starts_at, now=NOW)
    return services.appointment_hold_confirm(appointment=held, by=patient, now=NOW)


def test_cancelling_needs_a_reason(offering, patient):
    appointment = booked(offering, patient)
    with pytest.raises(ValidationError) as caught:
        services.appointment_cancel(appointment=appointment, by=patient, reason="", now=NOW)
    assert codes(caught.value) == ["reason_required"]
    appointment.refresh_from_db()
    assert appointment.status == S.CONFIRMED


def test_a_cancellation_inside_the_organizations_window_is_allowed_and_flagged_late(offering, patient):
    BookingPolicy.objects.create(organization=offering.specialist.organization, cancellation_window_hours=48)
    appointment = booked(offering, patient)  # starts 20 hours after NOW
    cancelled = services.appointment_cancel(appointment=appointment, by=patient, reason="Ill.", now=NOW)
    assert (cancelled.status, cancelled.is_late_cancellation) == (S.CANCELLED, True)
    assert cancelled.cancellation_reason == "Ill."


def test_the_specialists_own_window_overrides_the_organizations(offering, patient):
    BookingPolicy.objects.create(organization=offering.specialist.organization, cancellation_window_hours=48)
    offering.specialist.booking_settings.cancellation_window_hours = 12
    offering.specialist.booking_settings.save()
    appointment = booked(offering, patient)
    cancelled = services.appointment_cancel(appointment=appointment, by=patient, reason="Travel.", now=NOW)
    assert cancelled.is_late_cancellation is False


def test_a_session_that_started_cannot_be_cancelled(offering, patient):
    appointment = booked(offering, patient)
    with pytest.raises(ValidationError) as caught:
        services.appointment_cancel(appointment=appointment, by=patient, reason="x", now=MONDAY_9 + timedelta(1))
    assert codes(caught.value) == ["started"]


# --- Rescheduling ----------------------------------------------------------------------------


def test_a_patient_moves_to_another_free_time_and_the_history_keeps_the_move(offering, patient):
    appointment = booked(offering, patient)
    moved = services.appointment_reschedule(
        appointment=appointment, starts_at=MONDAY_11, by=patient, reason="Work meeting.", now=NOW
    )
    assert (moved.starts_at, moved.ends_at, moved.status) == (MONDAY_11, MONDAY_11 + timedelta(minutes=50), S.CONFIRMED)
    assert moved.sequence == appointment.sequence + 1
    event = AppointmentEvent.objects.filter(appointment=moved).last()
    assert (event.previous_starts_at, event.starts_at, event.reason) == (MONDAY_9, MONDAY_11, "Work meeting.")


def test_a_patient_cannot_move_outside_the_free_times(offering, patient):
    appointment = booked(offering, patient)
    tuesday = datetime(2026, 3, 3, 8, tzinfo=UTC)
    with pytest.raises(ValidationError) as caught:
        services.appointment_reschedule(appointment=appointment, starts_at=tuesday, by=patient, reason="x", now=NOW)
    assert codes(caught.value) == ["unavailable"]
    appointment.refresh_from_db()
    assert appointment.starts_at == MONDAY_9


def test_moving_by_a_few_minutes_over_its_own_time_is_free_for_the_patient(offering, patient):
    appointment = booked(offering, patient, starts_at=MONDAY_10)
    moved = services.appointment_reschedule(
        appointment=appointment, starts_at=MONDAY_9, by=patient, reason="Earlier is better.", now=NOW
    )
    assert moved.starts_at == MONDAY_9


def test_a_specialist_may_move_outside_their_hours_but_not_onto_another_booking(offering, patient):
    appointment = booked(offering, patient)
    other = booked(offering, UserFactory(), starts_at=MONDAY_11)
    evening = datetime(2026, 3, 2, 17, tzinfo=UTC)
    moved = services.appointment_reschedule(
        appointment=appointment, starts_at=evening, by=specialist_user(offering), reason="Clinic closed.", now=NOW
    )
    assert moved.starts_at == evening
    with pytest.raises(SlotTaken):
        services.appointment_reschedule(
            appointment=moved, starts_at=other.starts_at, by=specialist_user(offering), reason="x", now=NOW
        )
    moved.refresh_from_db()
    assert moved.starts_at == evening


def test_the_same_time_is_not_a_move(offering, patient):
    appointment = booked(offering, patient)
    with pytest.raises(ValidationError) as caught:
        services.appointment_reschedule(appointment=appointment, starts_at=MONDAY_9, by=patient, reason="x", now=NOW)
    assert codes(caught.value) == ["same_time"]


# --- Expiry ----------------------------------------------------------------------------------


def test_the_expiry_sweep_lets_holds_proposals_and_unpaid_bookings_lapse(offering, patient):
    held = services.appointment_hold(patient=patient, offering=offering, starts_at=MONDAY_9, now=NOW)
    proposal = propose(offering, UserFactory(), times=(MONDAY_11,), expires_at=NOW + timedelta(minutes=5))
    unpaid = AppointmentFactory(
        offering=offering,
        awaiting_payment=True,
        starts_at=MONDAY_10,
        ends_at=MONDAY_10 + timedelta(minutes=50),
        expires_at=NOW + timedelta(hours=1),
    )
    assert services.appointments_expire_due(now=NOW + timedelta(minutes=11)) == 2
    held.refresh_from_db()
    unpaid.refresh_from_db()
    proposal.refresh_from_db()
    assert (held.status, unpaid.status, proposal.status) == (S.EXPIRED, S.AWAITING_PAYMENT, Proposal.Status.EXPIRED)
    assert proposal.appointments.get().status == S.EXPIRED
    assert services.appointments_expire_due(now=NOW + timedelta(hours=2)) == 1
    unpaid.refresh_from_db()
    assert unpaid.status == S.EXPIRED


def test_parse_local_start_refuses_times_that_do_not_exist_or_happen_twice():
    with pytest.raises(ValidationError) as caught:
        services.parse_local_start(day=date(2026, 3, 29), at=time(2, 30), zone_name="Europe/Berlin")
    assert "does not exist" in caught.value.messages[0]
    with pytest.raises(ValidationError) as caught:
        services.parse_local_start(day=date(2026, 10, 25), at=time(2, 30), zone_name="Europe/Berlin")
    assert "happens twice" in caught.value.messages[0]
    assert services.parse_local_start(day=date(2026, 3, 2), at=time(9), zone_name="Europe/Berlin") == MONDAY_9
