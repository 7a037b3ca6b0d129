from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser

from booking.states import AppointmentStatus
from care.models import CareRelationship
from core import meetings
from tests.accounts.factories import UserFactory
from tests.specialists.factories import SpecialistProfileFactory
from tests.video.factories import VideoSessionFactory, patient_of, room_at, specialist_of, stay
from video import selectors
from video.models import VideoPolicy
from video.services import preference_set

pytestmark = pytest.mark.django_db


def _state_at(session, moment):
    with time_machine.travel(moment, tick=False):
        return selectors.window(session).state


class TestWindow:
    def test_opens_ten_minutes_before_and_closes_fifteen_after_by_default(self):
        session = VideoSessionFactory()
        starts, ends = session.appointment.starts_at, session.appointment.ends_at
        second = timedelta(seconds=1)
        assert _state_at(session, starts - timedelta(minutes=10) - second) == "early"
        assert _state_at(session, starts - timedelta(minutes=10)) == "open"
        assert _state_at(session, ends + timedelta(minutes=15) - second) == "open"
        assert _state_at(session, ends + timedelta(minutes=15)) == "ended"
        window = selectors.window(session)
        assert (window.opens_at, window.closes_at) == (starts - timedelta(minutes=10), ends + timedelta(minutes=15))

    def test_follows_the_organizations_policy(self):
        session = VideoSessionFactory()
        VideoPolicy.objects.create(
            organization=session.appointment.specialist.organization, opens_minutes_before=0, grace_minutes=0
        )
        starts, ends = session.appointment.starts_at, session.appointment.ends_at
        assert _state_at(session, starts - timedelta(seconds=1)) == "early"
        assert _state_at(session, starts) == "open"
        assert _state_at(session, ends) == "ended"

    def test_a_session_under_way_stays_open_past_its_time(self):
        session = room_at(-timedelta(hours=3), status=AppointmentStatus.IN_PROGRESS)
        assert selectors.window(session).state == "open"

    def test_an_ended_session_is_ended_inside_its_time(self):
        session = room_at()
        session.ended_at, session.end_reason = session.appointment.starts_at, "completed_by_specialist"
        assert selectors.window(session).state == "ended"

    @pytest.mark.parametrize("status", ["completed", "cancelled", "no_show"])
    def test_a_terminal_appointment_ends_the_room(self, status):
        assert selectors.window(room_at(status=status)).state == "ended"

    def test_an_appointment_not_confirmed_yet_keeps_the_room_shut(self):
        assert selectors.window(room_at(status=AppointmentStatus.AWAITING_PAYMENT)).state == "early"


class TestSessionForUser:
    def test_the_patient_and_the_specialist_get_the_room(self):
        session = VideoSessionFactory()
        public_id = session.appointment.public_id
        assert selectors.session_for_user(public_id, patient_of(session)) == session
        assert selectors.session_for_user(public_id, specialist_of(session)) == session

    def test_anyone_else_gets_nothing(self):
        session = VideoSessionFactory()
        public_id = session.appointment.public_id
        for outsider in [UserFactory(), SpecialistProfileFactory().user, AnonymousUser(), None]:
            assert selectors.session_for_user(public_id, outsider) is None

    def test_nobody_gets_the_room_once_care_ended(self):
        session = VideoSessionFactory()
        CareRelationship.objects.filter(pk=session.relationship_id).update(status="ended")
        assert selectors.session_for_user(session.appointment.public_id, patient_of(session)) is None

    def test_the_sessions_own_public_id_is_not_the_address(self):
        session = VideoSessionFactory()
        assert selectors.session_for_user(session.public_id, patient_of(session)) is None

    def test_role_of(self):
        session = VideoSessionFactory()
        assert selectors.role_of(session, patient_of(session)) == "patient"
        assert selectors.role_of(session, specialist_of(session)) == "specialist"
        assert selectors.role_of(session, UserFactory()) is None


class TestWaiting:
    def test_a_present_patient_not_let_in_is_waiting(self):
        session = room_at()
        stay(session, patient_of(session))
        assert selectors.is_waiting(session)
        assert selectors.patient_waiting(session.appointment)
        assert list(selectors.waiting_list_for_specialist(user=specialist_of(session))) == [session]
        assert selectors.waiting_count_for_specialist(user=specialist_of(session)) == 1

    def test_a_patient_let_in_or_gone_is_not(self):
        admitted, gone = room_at(), room_at(timedelta(hours=3))
        admitted.admitted_at = admitted.appointment.starts_at
        admitted.save()
        stay(admitted, patient_of(admitted))
        stay(gone, patient_of(gone), left=True)
        for session in (admitted, gone):
            assert not selectors.is_waiting(session)
            assert not selectors.patient_waiting(session.appointment)
            assert not selectors.waiting_list_for_specialist(user=specialist_of(session)).exists()

    def test_another_specialists_waiting_patients_are_not_listed(self):
        session = room_at()
        stay(session, patient_of(session))
        assert not selectors.waiting_list_for_specialist(user=SpecialistProfileFactory().user).exists()

    def test_the_specialist_in_the_room_does_not_count_as_waiting(self):
        session = room_at()
        stay(session, specialist_of(session))
        assert not selectors.is_waiting(session)

    def test_the_waiting_list_costs_one_query(self, django_assert_num_queries):
        first = room_at()
        sessions = [first] + [
            room_at(timedelta(hours=hours), appointment__offering=first.appointment.offering) for hours in (2, 4)
        ]
        for session in sessions:
            stay(session, patient_of(session))
        with django_assert_num_queries(1):
            rows = [
                (each.appointment.patient.display_name, each.appointment.offering.name)
                for each in selectors.waiting_list_for_specialist(user=specialist_of(first))
            ]
        assert len(rows) == 3


class TestJoinLink:
    def test_the_room_of_a_confirmed_appointment_for_its_people(self):
        session = room_at()
        appointment = session.appointment
        for user in (None, patient_of(session), specialist_of(session)):
            link = meetings.join_link(appointment, user)
            assert link.url == f"/sessions/{appointment.public_id}/"
            assert link.is_open
            assert link.opens_at == appointment.starts_at - timedelta(minutes=10)
            assert link.closes_at == appointment.ends_at + timedelta(minutes=15)

    def test_none_for_others_and_for_appointments_without_a_room(self):
        session = room_at()
        assert meetings.join_link(session.appointment, UserFactory()) is None
        assert meetings.join_link(session.appointment, AnonymousUser()) is None
        assert meetings.join_link(room_at(status="completed").appointment) is None
        assert meetings.join_link(room_at(status="requested").appointment) is None

    def test_a_room_ahead_is_not_open_yet(self):
        link = meetings.join_link(VideoSessionFactory().appointment)
        assert not link.is_open and link.is_early

    def test_waiting_answers_through_core_meetings(self):
        session = room_at()
        assert not meetings.waiting(session.appointment)
        stay(session, patient_of(session))
        assert meetings.waiting(session.appointment)


def test_policy_for_is_the_defaults_until_the_organization_sets_its_own():
    session = VideoSessionFactory()
    organization = session.appointment.specialist.organization
    default = selectors.policy_for(organization)
    assert default.pk is None
    assert (default.opens_minutes_before, default.grace_minutes) == (10, 15)
    VideoPolicy.objects.create(organization=organization, opens_minutes_before=5, grace_minutes=30)
    assert selectors.policy_for(organization.pk).grace_minutes == 30


def test_background_for_is_none_until_chosen():
    user = UserFactory()
    assert selectors.background_for(user) == "none"
    preference_set(user=user, background="blur")
    assert selectors.background_for(user) == "blur"


def test_group_names_are_distinct_per_room_and_specialist():
    one, two = VideoSessionFactory(), VideoSessionFactory()
    assert selectors.session_group(one) != selectors.session_group(two)
    assert selectors.lobby_group(1) != selectors.lobby_group(2)
    assert all(len(name) < 100 for name in (selectors.session_group(one), selectors.lobby_group(10**12)))
