"""Every (from, to) pair of the appointment lifecycle, through the one
transition function."""

import itertools

import pytest

from booking.models import AppointmentEvent
from booking.services import SIGNALS, TransitionNotAllowed, appointment_transition
from booking.states import ALLOWED, SLOT_HOLDING, TERMINAL, AppointmentStatus
from core.models import JourneyEvent
from tests.accounts.factories import UserFactory
from tests.booking.factories import AppointmentFactory

S = AppointmentStatus
PAIRS = list(itertools.product(S, S))


@pytest.fixture
def sent():
    """(signal name, kwargs) of every appointment event sent."""
    received = []
    receivers = []
    for status, signal in SIGNALS.items():

        def receiver(sender, status=status, **kwargs):
            kwargs.pop("signal")
            received.append((status, kwargs))

        signal.connect(receiver, weak=False)
        receivers.append((signal, receiver))
    yield received
    for signal, receiver in receivers:
        signal.disconnect(receiver)


def test_the_terminal_states_have_no_way_out():
    assert TERMINAL == {S.COMPLETED, S.CANCELLED, S.DECLINED, S.EXPIRED, S.NO_SHOW}
    assert set(ALLOWED) == {S.HELD, S.REQUESTED, S.PROPOSED, S.AWAITING_PAYMENT, S.CONFIRMED, S.IN_PROGRESS}
    assert all(targets <= set(S) and targets for targets in ALLOWED.values())


def test_only_live_states_hold_the_calendar_and_a_request_does_not():
    assert SLOT_HOLDING == {S.HELD, S.PROPOSED, S.AWAITING_PAYMENT, S.CONFIRMED, S.IN_PROGRESS}
    assert not SLOT_HOLDING & TERMINAL


def test_every_status_has_its_own_domain_event():
    assert set(SIGNALS) == set(S)
    assert len(set(SIGNALS.values())) == len(S)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("from_status", "to_status"),
    [pytest.param(a, b, id=f"{a}->{b}") for a, b in PAIRS if b in ALLOWED.get(a, set())],
)
def test_an_allowed_transition_changes_the_status_records_it_and_announces_it_after_commit(
    from_status, to_status, sent, django_capture_on_commit_callbacks
):
    appointment = AppointmentFactory(status=from_status)
    actor = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        result = appointment_transition(appointment=appointment, to=to_status, by=actor, reason="Because.")
        assert sent == []  # not before commit

    appointment.refresh_from_db()
    assert result.status == appointment.status == to_status
    assert appointment.sequence == 1
    event = AppointmentEvent.objects.get(appointment=appointment)
    assert (event.from_status, event.to_status, event.actor, event.reason) == (
        from_status,
        to_status,
        actor,
        "Because.",
    )
    journey = JourneyEvent.objects.get(object_public_id=appointment.public_id)
    assert journey.verb == f"appointment.{to_status}"
    assert journey.actor == actor
    assert "Because." not in str(journey.data)  # reasons may hold health details
    assert sent == [(to_status, {"appointment_id": appointment.pk, "from_status": from_status, "actor_id": actor.pk})]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("from_status", "to_status"),
    [pytest.param(a, b, id=f"{a}->{b}") for a, b in PAIRS if b not in ALLOWED.get(a, set())],
)
def test_a_transition_not_in_the_table_is_refused_and_changes_nothing(
    from_status, to_status, sent, django_capture_on_commit_callbacks
):
    appointment = AppointmentFactory(status=from_status)
    before = appointment.updated_at
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(TransitionNotAllowed) as refused:
        appointment_transition(appointment=appointment, to=to_status, by=UserFactory(), reason="Because.")

    assert refused.value.messages == [
        f"An appointment that is “{from_status.label}” cannot become “{to_status.label}”."
    ]
    appointment.refresh_from_db()
    assert (appointment.status, appointment.sequence, appointment.updated_at) == (from_status, 0, before)
    assert appointment.cancelled_at is None
    assert not AppointmentEvent.objects.filter(appointment=appointment).exists()
    assert not JourneyEvent.objects.filter(object_public_id=appointment.public_id).exists()
    assert sent == []


@pytest.mark.django_db
def test_a_transition_decides_on_the_stored_status_not_a_stale_copy():
    appointment = AppointmentFactory(confirmed=True)
    stale = type(appointment).objects.get(pk=appointment.pk)
    appointment_transition(appointment=appointment, to=S.CANCELLED, by=appointment.patient)
    with pytest.raises(TransitionNotAllowed):
        appointment_transition(appointment=stale, to=S.IN_PROGRESS, by=appointment.patient)
    stale.refresh_from_db()
    assert stale.status == S.CANCELLED
