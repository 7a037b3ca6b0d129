import asyncio
from datetime import timedelta

import pytest
import time_machine
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from booking.models import AppointmentEvent
from booking.states import AppointmentStatus
from care.models import CareRelationship
from core import events
from tests.accounts.factories import UserFactory
from tests.booking.factories import AppointmentFactory
from tests.care.factories import CareRelationshipFactory
from tests.video.factories import VideoSessionFactory, patient_of, room_at, specialist_of, stay
from video import selectors, services
from video.models import VideoParticipation, VideoPolicy, VideoPreference, VideoSession

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    """What went to the channel layer: (group, event) pairs."""
    calls = []
    monkeypatch.setattr(services, "_send", lambda group, event: calls.append((group, event)))
    return calls


@pytest.fixture
def received():
    """The video events sent, as (event name, kwargs)."""
    got = []

    def make(name):
        def on(sender, **kwargs):
            kwargs.pop("signal", None)
            got.append((name, kwargs))

        return on

    started, ended = make("started"), make("ended")
    events.video_session_started.connect(started, dispatch_uid="test.started")
    events.video_session_ended.connect(ended, dispatch_uid="test.ended")
    yield got
    events.video_session_started.disconnect(dispatch_uid="test.started")
    events.video_session_ended.disconnect(dispatch_uid="test.ended")


def _in_call(session):
    """Admitted, both present."""
    session.admitted_at = timezone.now()
    session.save()
    stay(session, patient_of(session))
    stay(session, specialist_of(session))
    return session


class TestSessionForAppointment:
    def test_creates_the_room_once_bound_to_the_active_relationship(self):
        appointment = AppointmentFactory(confirmed=True)
        relationship = CareRelationshipFactory(patient=appointment.patient, specialist=appointment.specialist)
        session = services.session_for_appointment(appointment)
        assert session.relationship == relationship
        assert services.session_for_appointment(appointment) == session
        assert VideoSession.objects.count() == 1

    def test_starts_the_pairs_care_when_it_has_not_started_yet(self):
        appointment = AppointmentFactory(confirmed=True)
        session = services.session_for_appointment(appointment)
        assert session.relationship.status == CareRelationship.Status.ACTIVE
        assert session.relationship.patient == appointment.patient


class TestParticipation:
    def test_joining_again_closes_the_earlier_stay(self, sent):
        session = room_at()
        first = services.participation_join(session, patient_of(session))
        second = services.participation_join(session, patient_of(session))
        first.refresh_from_db()
        assert first.left_at is not None and second.left_at is None
        assert (first.role, second.role) == ("patient", "patient")

    def test_a_patient_joining_and_leaving_tells_the_lobby(self, sent, django_capture_on_commit_callbacks):
        session = room_at()
        lobby = selectors.lobby_group(specialist_of(session).pk)
        with django_capture_on_commit_callbacks(execute=True):
            services.participation_leave(services.participation_join(session, patient_of(session)))
        assert sent == [(lobby, {"type": "video.lobby"})] * 2

    def test_the_specialist_joining_does_not_touch_the_lobby(self, sent, django_capture_on_commit_callbacks):
        session = room_at()
        with django_capture_on_commit_callbacks(execute=True):
            participation = services.participation_join(session, specialist_of(session))
        assert participation.role == "specialist"
        assert sent == []

    def test_an_outsider_cannot_join(self):
        session = room_at()
        with pytest.raises(PermissionDenied):
            services.participation_join(session, UserFactory())
        assert not VideoParticipation.objects.exists()

    def test_leaving_twice_keeps_the_first_leave(self, sent):
        session = room_at()
        participation = services.participation_join(session, patient_of(session))
        left_at = services.participation_leave(participation).left_at
        assert services.participation_leave(participation).left_at == left_at


class TestAdmit:
    def test_the_specialist_lets_the_patient_in(self, sent, django_capture_on_commit_callbacks):
        session = room_at()
        with django_capture_on_commit_callbacks(execute=True):
            services.admit(session, specialist_of(session))
        session.refresh_from_db()
        assert session.admitted_at is not None
        assert (selectors.session_group(session), {"type": "video.state"}) in sent
        assert (selectors.lobby_group(specialist_of(session).pk), {"type": "video.lobby"}) in sent

    def test_admitting_again_keeps_the_first_time(self, sent):
        session = room_at()
        first = services.admit(session, specialist_of(session)).admitted_at
        assert services.admit(session, specialist_of(session)).admitted_at == first

    def test_the_patient_cannot_admit_themselves(self):
        session = room_at()
        with pytest.raises(PermissionDenied):
            services.admit(session, patient_of(session))
        session.refresh_from_db()
        assert session.admitted_at is None

    def test_refused_outside_the_window(self):
        session = room_at(timedelta(hours=2))
        with pytest.raises(ValidationError) as refused:
            services.admit(session, specialist_of(session))
        assert refused.value.code == "not_open"
        session.refresh_from_db()
        assert session.admitted_at is None


class TestMarkStarted:
    def test_both_in_and_admitted_starts_the_session(self, sent, received, django_capture_on_commit_callbacks):
        session = _in_call(room_at())
        with django_capture_on_commit_callbacks(execute=True):
            services.mark_started(session)
        session.refresh_from_db()
        assert session.started_at is not None
        assert session.appointment.status == AppointmentStatus.IN_PROGRESS
        assert received == [("started", {"appointment_id": session.appointment.pk})]

    def test_starting_again_changes_nothing(self, sent, received, django_capture_on_commit_callbacks):
        session = _in_call(room_at())
        with django_capture_on_commit_callbacks(execute=True):
            started_at = services.mark_started(session).started_at
            assert services.mark_started(session).started_at == started_at
        assert len(received) == 1
        assert AppointmentEvent.objects.filter(appointment=session.appointment, to_status="in_progress").count() == 1

    @pytest.mark.parametrize("missing", ["admission", "patient", "specialist"])
    def test_nothing_starts_without_both_and_admission(self, missing, received):
        session = room_at()
        if missing != "admission":
            session.admitted_at = timezone.now()
            session.save()
        if missing != "patient":
            stay(session, patient_of(session))
        if missing != "specialist":
            stay(session, specialist_of(session))
        services.mark_started(session)
        session.refresh_from_db()
        assert session.started_at is None
        assert session.appointment.status == AppointmentStatus.CONFIRMED


class TestSessionEnd:
    def test_the_specialist_ends_a_session_that_took_place(self, sent, received, django_capture_on_commit_callbacks):
        session = _in_call(room_at(-timedelta(minutes=50)))
        services.mark_started(session)
        VideoSession.objects.filter(pk=session.pk).update(started_at=timezone.now() - timedelta(minutes=48))
        with django_capture_on_commit_callbacks(execute=True):
            services.session_end(session, specialist_of(session))
        session.refresh_from_db()
        assert (session.end_reason, session.ended_by) == ("completed_by_specialist", specialist_of(session))
        assert session.appointment.status == AppointmentStatus.COMPLETED
        assert not session.participations.filter(left_at__isnull=True).exists()
        assert ("ended", {"appointment_id": session.appointment.pk, "duration_minutes": 48}) in received
        assert (selectors.session_group(session), {"type": "video.ended", "reason": "completed_by_specialist"}) in sent

    def test_ending_a_session_that_never_started_sends_no_duration(self, sent, received):
        session = room_at()
        services.session_end(session, specialist_of(session))
        session.refresh_from_db()
        assert session.appointment.status == AppointmentStatus.COMPLETED
        assert received == []

    def test_ending_twice_changes_nothing(self, sent):
        session = room_at()
        ended_at = services.session_end(session, specialist_of(session)).ended_at
        assert services.session_end(session, specialist_of(session)).ended_at == ended_at
        assert AppointmentEvent.objects.filter(appointment=session.appointment, to_status="completed").count() == 1

    def test_the_patient_cannot_end_it(self):
        session = room_at()
        with pytest.raises(PermissionDenied):
            services.session_end(session, patient_of(session))
        session.refresh_from_db()
        assert session.ended_at is None

    def test_a_cancelled_appointment_stays_cancelled(self, sent):
        session = room_at(status=AppointmentStatus.CANCELLED)
        services.session_end(session, specialist_of(session))
        session.refresh_from_db()
        assert session.ended_at is not None
        assert session.appointment.status == AppointmentStatus.CANCELLED


class TestNoShow:
    def test_after_the_grace_period_without_the_patient(self, sent, django_capture_on_commit_callbacks):
        session = room_at(-timedelta(minutes=15))
        stay(session, specialist_of(session))
        with django_capture_on_commit_callbacks(execute=True):
            services.mark_no_show(session, specialist_of(session))
        session.refresh_from_db()
        assert session.end_reason == "no_show"
        assert session.appointment.status == AppointmentStatus.NO_SHOW
        assert (selectors.session_group(session), {"type": "video.ended", "reason": "no_show"}) in sent

    def test_refused_before_the_grace_period_ends(self):
        session = room_at(-timedelta(minutes=14))
        with pytest.raises(ValidationError) as refused:
            services.mark_no_show(session, specialist_of(session))
        assert refused.value.code == "too_early"
        assert "15 minutes" in refused.value.messages[0]
        session.refresh_from_db()
        assert session.ended_at is None and session.appointment.status == AppointmentStatus.CONFIRMED

    def test_follows_the_organizations_grace_period(self, sent):
        session = room_at(-timedelta(minutes=5))
        VideoPolicy.objects.create(organization=session.appointment.specialist.organization, grace_minutes=5)
        services.mark_no_show(session, specialist_of(session))
        assert session.appointment.__class__.objects.get(pk=session.appointment.pk).status == "no_show"

    def test_refused_once_the_patient_joined_even_if_they_left(self):
        session = room_at(-timedelta(minutes=30))
        stay(session, patient_of(session), minutes_ago=29, left=True)
        with pytest.raises(ValidationError) as refused:
            services.mark_no_show(session, specialist_of(session))
        assert refused.value.code == "patient_joined"

    def test_refused_for_an_ended_session_and_for_the_patient(self, sent):
        session = room_at(-timedelta(minutes=30))
        with pytest.raises(PermissionDenied):
            services.mark_no_show(session, patient_of(session))
        services.session_end(session, specialist_of(session))
        with pytest.raises(ValidationError) as refused:
            services.mark_no_show(session, specialist_of(session))
        assert refused.value.code == "ended"


class TestSweep:
    def _started(self, starts_in, *, left=True):
        session = room_at(starts_in, status=AppointmentStatus.IN_PROGRESS)
        session.admitted_at = session.started_at = session.appointment.starts_at
        session.save()
        stay(session, patient_of(session), minutes_ago=30, left=left)
        # The last one left a minute ago.
        session.participations.filter(left_at__isnull=False).update(left_at=timezone.now() - timedelta(minutes=1))
        return session

    def test_completes_a_session_everybody_left_after_its_time(
        self, sent, received, django_capture_on_commit_callbacks
    ):
        # 50 minutes, 15 of grace: the room closed a minute ago.
        session = self._started(-timedelta(minutes=66))
        with django_capture_on_commit_callbacks(execute=True):
            assert services.sweep_timed_out() == 1
        session.refresh_from_db()
        assert (session.end_reason, session.ended_by) == ("timed_out", None)
        assert session.appointment.status == AppointmentStatus.COMPLETED
        # Until the last one left (a minute ago), not until the sweep.
        assert received == [("ended", {"appointment_id": session.appointment.pk, "duration_minutes": 65})]

    def test_leaves_a_session_whose_room_is_still_open(self, sent):
        session = self._started(-timedelta(minutes=64))
        assert services.sweep_timed_out() == 0
        session.refresh_from_db()
        assert session.ended_at is None

    def test_leaves_a_call_that_runs_over(self, sent):
        session = self._started(-timedelta(minutes=90), left=False)
        assert services.sweep_timed_out() == 0
        assert VideoSession.objects.get(pk=session.pk).ended_at is None

    def test_closes_stays_a_stopped_server_left_open_long_after(self, sent):
        session = self._started(-timedelta(hours=8), left=False)
        assert services.sweep_timed_out() == 1
        assert not session.participations.filter(left_at__isnull=True).exists()

    def test_a_session_that_never_started_is_not_its_business(self, sent):
        session = room_at(-timedelta(minutes=90))
        assert services.sweep_timed_out() == 0
        assert VideoSession.objects.get(pk=session.pk).ended_at is None

    def test_a_second_sweep_ends_nothing_more(self, sent):
        self._started(-timedelta(minutes=66))
        assert services.sweep_timed_out() == 1
        assert services.sweep_timed_out() == 0

    def test_the_edge_of_the_window(self, sent):
        session = self._started(-timedelta(minutes=30))
        closes_at = selectors.window(session).closes_at
        with time_machine.travel(closes_at - timedelta(seconds=1), tick=False):
            assert services.sweep_timed_out() == 0
        with time_machine.travel(closes_at, tick=False):
            assert services.sweep_timed_out() == 1


class TestPreferenceAndPolicy:
    def test_a_background_is_remembered_and_replaced(self):
        user = UserFactory()
        services.preference_set(user=user, background="blur")
        services.preference_set(user=user, background="colour")
        assert VideoPreference.objects.get(user=user).background == "colour"

    def test_an_unknown_background_stores_nothing(self):
        user = UserFactory()
        with pytest.raises(ValidationError):
            services.preference_set(user=user, background="sepia")
        assert not VideoPreference.objects.exists()

    def test_the_policy_is_created_then_updated(self):
        organization = VideoSessionFactory().appointment.specialist.organization
        admin = UserFactory()
        services.policy_update(organization=organization, opens_minutes_before=5, grace_minutes=20, by=admin)
        services.policy_update(organization=organization, opens_minutes_before=0, grace_minutes=120, by=admin)
        policy = VideoPolicy.objects.get(organization=organization)
        assert (policy.opens_minutes_before, policy.grace_minutes) == (0, 120)


def test_a_state_change_reaches_a_socket_in_the_room_through_the_channel_layer(django_capture_on_commit_callbacks):
    session = room_at()

    def admit():
        with django_capture_on_commit_callbacks(execute=True):
            services.admit(session, specialist_of(session))

    async def in_the_room():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(selectors.session_group(session), channel)
        await sync_to_async(admit)()
        return await asyncio.wait_for(layer.receive(channel), timeout=5)

    assert async_to_sync(in_the_room)() == {"type": "video.state"}
