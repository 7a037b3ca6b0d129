"""The room's signalling and the waiting-room count over the real ASGI
application (origin check, session authentication, routing, consumers) on
the configured channel layer: relay between the two participants only,
refusals at the handshake and per frame, presence, newest tab wins, the
session's end and the sign-out."""

import asyncio
import json
import uuid
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from booking.states import AppointmentStatus
from care.models import CareRelationship
from core import sockets
from tests.accounts.factories import UserFactory
from tests.messaging.test_consumers import TIMEOUT, log_in, run, sign_out, signed_out, socket
from tests.specialists.factories import SpecialistProfileFactory
from tests.video.factories import patient_of, room_at, specialist_of
from video import consumers, frames, services
from video.models import VideoParticipation, VideoSession

pytestmark = pytest.mark.django_db(transaction=True)

SDP = "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
CANDIDATE = {"candidate": "candidate:1 1 udp 2122260223 127.0.0.1 54400 typ host", "sdpMid": "0", "sdpMLineIndex": 0}


def room_path(session) -> str:
    return f"/ws/video/{session.appointment.public_id}/"


def signal(session, n: int, kind: str, **extra) -> dict:
    return {"type": "signal", "session": str(session.appointment.public_id), "n": n, "kind": kind, **extra}


def end_care(session) -> None:
    """The pair's care ended (as by a path that did not go through the
    room: ending care with sessions still booked is refused)."""
    CareRelationship.objects.filter(pk=session.relationship_id).update(status=CareRelationship.Status.ENDED)


def state(role: str, *, admitted: bool, peer_present: bool) -> dict:
    return {"type": "state", "role": role, "admitted": admitted, "peer_present": peer_present}


async def enter(session, user, *, role: str, admitted: bool, peer_present: bool):
    """A socket in the room, past its first state frame."""
    communicator = socket(room_path(session), user)
    accepted, _code = await communicator.connect(timeout=TIMEOUT)
    assert accepted
    assert await communicator.receive_json_from(timeout=TIMEOUT) == state(
        role, admitted=admitted, peer_present=peer_present
    )
    return communicator


async def closed_with(communicator, code: int) -> None:
    """The server closed the socket with `code`; the client lets it go."""
    assert await communicator.receive_output(timeout=TIMEOUT) == {"type": "websocket.close", "code": code}
    await communicator.disconnect(code=code)


@pytest.fixture
def room():
    """A room open now (the session starts in two minutes), both signed in."""
    session = room_at()
    log_in(patient_of(session), specialist_of(session))
    return session


@pytest.fixture
def admitted(room):
    services.admit(room, specialist_of(room))
    return room


def test_the_two_participants_relay_offer_answer_ice_and_restart(admitted):
    session = admitted
    patient, specialist = patient_of(session), specialist_of(session)

    async def scenario():
        doctor = await enter(session, specialist, role="specialist", admitted=True, peer_present=False)
        pat = await enter(session, patient, role="patient", admitted=True, peer_present=True)
        assert await doctor.receive_json_from(timeout=TIMEOUT) == state("specialist", admitted=True, peer_present=True)

        await doctor.send_json_to(signal(session, 1, "offer", sdp=SDP))
        assert await pat.receive_json_from(timeout=TIMEOUT) == {"type": "signal", "kind": "offer", "sdp": SDP}
        await pat.send_json_to(signal(session, 1, "answer", sdp=SDP))
        assert await doctor.receive_json_from(timeout=TIMEOUT) == {"type": "signal", "kind": "answer", "sdp": SDP}
        await doctor.send_json_to(signal(session, 2, "ice", candidate=CANDIDATE))
        assert await pat.receive_json_from(timeout=TIMEOUT) == {"type": "signal", "kind": "ice", "candidate": CANDIDATE}
        await pat.send_json_to(signal(session, 2, "ice", candidate=None))  # the end of candidates
        assert await doctor.receive_json_from(timeout=TIMEOUT) == {"type": "signal", "kind": "ice", "candidate": None}
        await pat.send_json_to(signal(session, 3, "restart"))
        assert await doctor.receive_json_from(timeout=TIMEOUT) == {"type": "signal", "kind": "restart"}
        # Nobody hears their own frames.
        assert await doctor.receive_nothing(timeout=0.2)
        assert await pat.receive_nothing(timeout=0.2)
        await pat.disconnect()
        await doctor.disconnect()

    run(scenario)
    session.refresh_from_db()
    # Both in, the patient admitted: the session started.
    assert session.started_at is not None
    assert session.appointment.status == AppointmentStatus.IN_PROGRESS
    stays = VideoParticipation.objects.filter(session=session)
    assert sorted(stays.values_list("role", flat=True)) == ["patient", "specialist"]
    assert not stays.filter(left_at__isnull=True).exists()


def test_before_the_patient_is_let_in_nothing_is_relayed_then_admission_reaches_both(room):
    session = room
    patient, specialist = patient_of(session), specialist_of(session)

    async def scenario():
        pat = await enter(session, patient, role="patient", admitted=False, peer_present=False)
        doctor = await enter(session, specialist, role="specialist", admitted=False, peer_present=True)
        assert await pat.receive_json_from(timeout=TIMEOUT) == state("patient", admitted=False, peer_present=True)
        await doctor.send_json_to(signal(session, 1, "offer", sdp=SDP))
        error = await doctor.receive_json_from(timeout=TIMEOUT)
        assert error["type"] == "error" and error["code"] == "not_admitted" and error["message"]
        assert await pat.receive_nothing(timeout=0.2)
        assert await database_sync_to_async(lambda: VideoSession.objects.get(pk=session.pk).started_at)() is None

        await database_sync_to_async(services.admit)(session, specialist)
        assert await doctor.receive_json_from(timeout=TIMEOUT) == state("specialist", admitted=True, peer_present=True)
        assert await pat.receive_json_from(timeout=TIMEOUT) == state("patient", admitted=True, peer_present=True)
        await doctor.send_json_to(signal(session, 2, "offer", sdp=SDP))
        assert (await pat.receive_json_from(timeout=TIMEOUT))["kind"] == "offer"
        await pat.disconnect()
        await doctor.disconnect()

    run(scenario)
    assert VideoSession.objects.get(pk=session.pk).started_at is not None


def test_a_participant_leaving_is_seen_by_the_other(admitted):
    session = admitted
    patient, specialist = patient_of(session), specialist_of(session)

    async def scenario():
        doctor = await enter(session, specialist, role="specialist", admitted=True, peer_present=False)
        pat = await enter(session, patient, role="patient", admitted=True, peer_present=True)
        assert (await doctor.receive_json_from(timeout=TIMEOUT))["peer_present"] is True
        await pat.disconnect()
        assert await doctor.receive_json_from(timeout=TIMEOUT) == state("specialist", admitted=True, peer_present=False)
        await doctor.disconnect()

    run(scenario)
    stay = VideoParticipation.objects.get(session=session, user=patient)
    assert stay.left_at is not None


def test_outsiders_anonymous_and_rooms_not_open_are_refused_at_the_handshake(room):
    session = room
    patient = patient_of(session)
    outsider, other_specialist = UserFactory(), SpecialistProfileFactory()
    early = room_at(timedelta(hours=2))  # opens ten minutes before
    ended = room_at()
    services.session_end(ended, specialist_of(ended))
    cancelled = room_at(status=AppointmentStatus.CANCELLED)
    care_over = room_at()
    end_care(care_over)
    without_second_factor = room_at(second_factor=False)
    log_in(outsider, other_specialist.user, *(patient_of(s) for s in (early, ended, cancelled, care_over)))
    log_in(specialist_of(without_second_factor))

    async def scenario():
        refused = [
            socket(room_path(session), outsider),
            socket(room_path(session), other_specialist.user),
            socket(room_path(session)),  # anonymous
            socket(f"/ws/video/{uuid.uuid4()}/", patient),  # no such appointment
            socket(room_path(early), patient_of(early)),
            socket(room_path(ended), patient_of(ended)),
            socket(room_path(cancelled), patient_of(cancelled)),
            socket(room_path(care_over), patient_of(care_over)),
            socket(room_path(without_second_factor), specialist_of(without_second_factor)),
            socket("/ws/video/lobby/", patient),  # the waiting-room count is the specialist's
            socket("/ws/video/lobby/"),
        ]
        for communicator in refused:
            assert await communicator.connect(timeout=TIMEOUT) == (False, consumers.REFUSED)
        # A page of another site is turned away before any consumer.
        foreign = socket(room_path(session), patient, from_origin=b"https://evil.example")
        accepted, _code = await foreign.connect(timeout=TIMEOUT)
        assert not accepted

    run(scenario)
    assert not VideoParticipation.objects.exists()


LONG_SDP = "v=0\r\n" + "a=x\r\n" * (frames.MAX_SDP // 5)


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("{not json", "malformed"),
        ('["signal"]', "malformed"),
        ({"type": "message", "text": "hi"}, "malformed"),
        ({"kind": "shout"}, "malformed"),
        ({"kind": "offer", "sdp": SDP, "extra": 1}, "malformed"),
        ({"kind": "offer", "sdp": SDP, "n": "3"}, "malformed"),
        ({"kind": "offer", "sdp": SDP, "n": True}, "malformed"),
        ({"kind": "offer", "sdp": SDP, "session": 7}, "malformed"),
        ({"kind": "offer"}, "malformed"),
        ({"kind": "ice"}, "malformed"),
        ({"kind": "ice", "candidate": "candidate:1"}, "malformed"),
        ({"kind": "ice", "candidate": {**CANDIDATE, "port": 1}}, "malformed"),
        ({"kind": "ice", "candidate": {**CANDIDATE, "sdpMLineIndex": -1}}, "malformed"),
        ({"kind": "ice", "candidate": {**CANDIDATE, "candidate": "x" * 2000}}, "malformed"),
        ({"kind": "offer", "sdp": "o=- 1 2 IN IP4 127.0.0.1\r\n"}, "bad_sdp"),
        ({"kind": "offer", "sdp": LONG_SDP}, "bad_sdp"),
        ({"kind": "answer", "sdp": "v=0\r\n\ud800"}, "bad_sdp"),
        ({"kind": "offer", "sdp": SDP, "session": str(uuid.uuid4())}, "wrong_session"),
        ({"kind": "offer", "sdp": SDP, "session": "not-a-uuid"}, "wrong_session"),
        ({"kind": "offer", "sdp": SDP, "n": 0}, "replayed"),
    ],
)
def test_a_bad_frame_gets_an_error_and_the_other_side_is_untouched(admitted, frame, code):
    session = admitted
    patient, specialist = patient_of(session), specialist_of(session)
    if isinstance(frame, dict):
        base = {"type": "signal", "session": str(session.appointment.public_id), "n": 1}
        frame = json.dumps({**base, **frame})

    async def scenario():
        doctor = await enter(session, specialist, role="specialist", admitted=True, peer_present=False)
        pat = await enter(session, patient, role="patient", admitted=True, peer_present=True)
        await doctor.receive_json_from(timeout=TIMEOUT)  # the patient came
        await doctor.send_to(frame)
        error = await doctor.receive_json_from(timeout=TIMEOUT)
        assert error["type"] == "error" and error["code"] == code and error["message"]
        assert await pat.receive_nothing(timeout=0.2)
        # Both sockets go on.
        await doctor.send_json_to(signal(session, 5, "offer", sdp=SDP))
        assert (await pat.receive_json_from(timeout=TIMEOUT))["kind"] == "offer"
        await pat.send_json_to(signal(session, 1, "answer", sdp=SDP))
        assert (await doctor.receive_json_from(timeout=TIMEOUT))["kind"] == "answer"
        await pat.disconnect()
        await doctor.disconnect()

    run(scenario)


def test_a_replayed_frame_is_refused(admitted):
    session = admitted
    patient, specialist = patient_of(session), specialist_of(session)

    async def scenario():
        doctor = await enter(session, specialist, role="specialist", admitted=True, peer_present=False)
        pat = await enter(session, patient, role="patient", admitted=True, peer_present=True)
        await doctor.receive_json_from(timeout=TIMEOUT)
        offer = signal(session, 7, "offer", sdp=SDP)
        await doctor.send_json_to(offer)
        assert (await pat.receive_json_from(timeout=TIMEOUT))["kind"] == "offer"
        for replay in (offer, {**offer, "n": 6}):
            await doctor.send_json_to(replay)
            assert (await doctor.receive_json_from(timeout=TIMEOUT))["code"] == "replayed"
        assert await pat.receive_nothing(timeout=0.2)
        await pat.disconnect()
        await doctor.disconnect()

    run(scenario)


def test_a_flood_of_ice_candidates_is_cut_off(admitted):
    session = admitted
    patient, specialist = patient_of(session), specialist_of(session)

    async def scenario():
        doctor = await enter(session, specialist, role="specialist", admitted=True, peer_present=False)
        pat = await enter(session, patient, role="patient", admitted=True, peer_present=True)
        await doctor.receive_json_from(timeout=TIMEOUT)
        for n in range(1, consumers.ICE_PER_WINDOW + 2):
            await doctor.send_json_to(signal(session, n, "ice", candidate=CANDIDATE))
        for _ in range(consumers.ICE_PER_WINDOW):
            assert (await pat.receive_json_from(timeout=TIMEOUT))["kind"] == "ice"
        assert (await doctor.receive_json_from(timeout=TIMEOUT))["code"] == "flood"
        assert await pat.receive_nothing(timeout=0.2)
        # Other kinds still pass.
        await doctor.send_json_to(signal(session, 100, "offer", sdp=SDP))
        assert (await pat.receive_json_from(timeout=TIMEOUT))["kind"] == "offer"
        await pat.disconnect()
        await doctor.disconnect()

    run(scenario)


def test_a_frame_over_the_size_limit_closes_only_that_socket(admitted):
    session = admitted
    patient, specialist = patient_of(session), specialist_of(session)

    async def scenario():
        doctor = await enter(session, specialist, role="specialist", admitted=True, peer_present=False)
        pat = await enter(session, patient, role="patient", admitted=True, peer_present=True)
        await doctor.receive_json_from(timeout=TIMEOUT)
        await pat.send_to("x" * (frames.MAX_FRAME + 1))
        await closed_with(pat, sockets.TOO_LARGE)
        assert await doctor.receive_json_from(timeout=TIMEOUT) == state("specialist", admitted=True, peer_present=False)
        await doctor.disconnect()

    run(scenario)


def test_a_new_tab_replaces_the_old_one_and_the_other_side_sees_them_come_back(admitted):
    session = admitted
    patient, specialist = patient_of(session), specialist_of(session)

    async def scenario():
        doctor = await enter(session, specialist, role="specialist", admitted=True, peer_present=False)
        old = await enter(session, patient, role="patient", admitted=True, peer_present=True)
        assert (await doctor.receive_json_from(timeout=TIMEOUT))["peer_present"] is True
        new = await enter(session, patient, role="patient", admitted=True, peer_present=True)
        await closed_with(old, consumers.REPLACED)
        # The specialist sees the patient leave and come back: time for a fresh offer.
        assert await doctor.receive_json_from(timeout=TIMEOUT) == state("specialist", admitted=True, peer_present=False)
        assert await doctor.receive_json_from(timeout=TIMEOUT) == state("specialist", admitted=True, peer_present=True)
        assert await doctor.receive_nothing(timeout=0.2)  # the old tab's close says nothing more
        await doctor.send_json_to(signal(session, 1, "offer", sdp=SDP))
        assert (await new.receive_json_from(timeout=TIMEOUT))["kind"] == "offer"
        await new.send_json_to(signal(session, 1, "answer", sdp=SDP))
        assert (await doctor.receive_json_from(timeout=TIMEOUT))["kind"] == "answer"
        await new.disconnect()
        await doctor.disconnect()

    run(scenario)
    stays = VideoParticipation.objects.filter(session=session, user=patient)
    assert stays.count() == 2 and not stays.filter(left_at__isnull=True).exists()


def test_the_same_person_on_another_device_replaces_the_first(admitted):
    """Newest wins across signed-in sessions too: one person, one stay."""
    session = admitted
    specialist = specialist_of(session)
    first_device = specialist.cookie
    log_in(specialist)  # a second sign-in
    second_device = specialist.cookie

    async def scenario():
        specialist.cookie = first_device
        first = await enter(session, specialist, role="specialist", admitted=True, peer_present=False)
        specialist.cookie = second_device
        second = await enter(session, specialist, role="specialist", admitted=True, peer_present=False)
        await closed_with(first, consumers.REPLACED)
        await second.disconnect()

    run(scenario)
    assert not VideoParticipation.objects.filter(session=session, left_at__isnull=True).exists()


def test_the_end_of_the_session_reaches_both_and_closes_them(admitted):
    session = admitted
    patient, specialist = patient_of(session), specialist_of(session)

    async def scenario():
        doctor = await enter(session, specialist, role="specialist", admitted=True, peer_present=False)
        pat = await enter(session, patient, role="patient", admitted=True, peer_present=True)
        await doctor.receive_json_from(timeout=TIMEOUT)
        await database_sync_to_async(services.session_end)(session, specialist)
        for communicator in (doctor, pat):
            assert await communicator.receive_json_from(timeout=TIMEOUT) == {
                "type": "ended",
                "reason": "completed_by_specialist",
            }
            await closed_with(communicator, consumers.ENDED)
        # And it cannot be entered again.
        assert await socket(room_path(session), patient).connect(timeout=TIMEOUT) == (False, consumers.REFUSED)

    run(scenario)
    assert VideoSession.objects.get(pk=session.pk).appointment.status == AppointmentStatus.COMPLETED


def test_care_ended_during_the_call_ends_the_socket_at_its_next_frame(admitted):
    session = admitted
    patient, specialist = patient_of(session), specialist_of(session)

    async def scenario():
        doctor = await enter(session, specialist, role="specialist", admitted=True, peer_present=False)
        pat = await enter(session, patient, role="patient", admitted=True, peer_present=True)
        await doctor.receive_json_from(timeout=TIMEOUT)
        await database_sync_to_async(end_care)(session)
        await doctor.send_json_to(signal(session, 1, "offer", sdp=SDP))
        assert await doctor.receive_json_from(timeout=TIMEOUT) == {"type": "ended", "reason": "care_ended"}
        await closed_with(doctor, consumers.ENDED)
        assert await pat.receive_nothing(timeout=0.2)  # nothing relayed
        await pat.send_json_to(signal(session, 1, "answer", sdp=SDP))
        assert await pat.receive_json_from(timeout=TIMEOUT) == {"type": "ended", "reason": "care_ended"}
        await closed_with(pat, consumers.ENDED)

    run(scenario)


def test_signing_out_closes_the_room_and_the_lobby(admitted):
    session = admitted
    patient, specialist = patient_of(session), specialist_of(session)

    async def scenario():
        pat = await enter(session, patient, role="patient", admitted=True, peer_present=False)
        doctor = await enter(session, specialist, role="specialist", admitted=True, peer_present=True)
        await pat.receive_json_from(timeout=TIMEOUT)
        lobby = socket("/ws/video/lobby/", specialist)
        assert (await lobby.connect(timeout=TIMEOUT))[0]
        await lobby.receive_json_from(timeout=TIMEOUT)
        await database_sync_to_async(sign_out)(specialist)
        assert await signed_out(doctor, timeout=1)
        assert await signed_out(lobby, timeout=1)
        await doctor.disconnect(code=sockets.SIGNED_OUT)
        await lobby.disconnect(code=sockets.SIGNED_OUT)
        # The patient, in another session, stays and sees the specialist go.
        assert await pat.receive_json_from(timeout=TIMEOUT) == state("patient", admitted=True, peer_present=False)
        await pat.disconnect()

    run(scenario)


def test_a_live_call_keeps_the_session_past_the_idle_limit_and_being_alone_does_not(admitted, settings, monkeypatch):
    settings.SESSION_IDLE_TIMEOUT_STAFF = settings.SESSION_IDLE_TIMEOUT_PATIENT = 1
    settings.SESSION_CHECK_SECONDS = 0.2
    monkeypatch.setattr(sockets, "SEEN_WRITE_EVERY", 0)
    session = admitted
    patient, specialist = patient_of(session), specialist_of(session)
    log_in(patient, specialist)  # the idle clocks start now

    async def scenario():
        doctor = await enter(session, specialist, role="specialist", admitted=True, peer_present=False)
        pat = await enter(session, patient, role="patient", admitted=True, peer_present=True)
        await doctor.receive_json_from(timeout=TIMEOUT)
        await asyncio.sleep(2)  # twice the idle limit, without a frame
        await pat.disconnect()
        assert (await doctor.receive_json_from(timeout=TIMEOUT))["peer_present"] is False
        assert await signed_out(doctor, timeout=2)  # alone, the idle limit applies

    run(scenario)


def test_the_lobby_counts_patients_waiting_now(room):
    session = room
    patient, specialist = patient_of(session), specialist_of(session)
    elsewhere = room_at()  # another specialist's waiting patient is not counted
    log_in(patient_of(elsewhere))

    async def waiting(lobby) -> int:
        frame = await lobby.receive_json_from(timeout=TIMEOUT)
        assert frame["type"] == "waiting"
        return frame["count"]

    async def scenario():
        lobby = socket("/ws/video/lobby/", specialist)
        assert (await lobby.connect(timeout=TIMEOUT))[0]
        assert await waiting(lobby) == 0
        other = await enter(elsewhere, patient_of(elsewhere), role="patient", admitted=False, peer_present=False)
        assert await lobby.receive_nothing(timeout=0.2)
        pat = await enter(session, patient, role="patient", admitted=False, peer_present=False)
        assert await waiting(lobby) == 1
        await pat.disconnect()
        assert await waiting(lobby) == 0
        pat = await enter(session, patient, role="patient", admitted=False, peer_present=False)
        assert await waiting(lobby) == 1
        await database_sync_to_async(services.admit)(session, specialist)
        assert await waiting(lobby) == 0
        await lobby.send_to('{"type": "signal"}')  # it takes no requests
        assert (await lobby.receive_json_from(timeout=TIMEOUT))["code"] == "malformed"
        await pat.disconnect()
        await other.disconnect()
        await lobby.disconnect()

    run(scenario)


def test_the_session_starts_once_however_often_both_come_back(admitted):
    session = admitted
    patient, specialist = patient_of(session), specialist_of(session)

    async def scenario():
        doctor = await enter(session, specialist, role="specialist", admitted=True, peer_present=False)
        for _ in range(2):
            pat = await enter(session, patient, role="patient", admitted=True, peer_present=True)
            assert (await doctor.receive_json_from(timeout=TIMEOUT))["peer_present"] is True
            await pat.disconnect()
            assert (await doctor.receive_json_from(timeout=TIMEOUT))["peer_present"] is False
        await doctor.disconnect()

    run(scenario)
    session.refresh_from_db()
    assert session.started_at is not None
    assert session.appointment.events.filter(to_status=AppointmentStatus.IN_PROGRESS).count() == 1


def test_a_channel_layer_lost_mid_call_closes_the_socket_and_its_stay(admitted, monkeypatch):
    session = admitted
    patient, specialist = patient_of(session), specialist_of(session)
    monkeypatch.setattr(sockets, "_layer_down", False)

    async def unreachable(group, message):
        raise ConnectionError("channel layer down")

    async def scenario():
        doctor = await enter(session, specialist, role="specialist", admitted=True, peer_present=False)
        pat = await enter(session, patient, role="patient", admitted=True, peer_present=True)
        await doctor.receive_json_from(timeout=TIMEOUT)
        monkeypatch.setattr(get_channel_layer(), "group_send", unreachable)
        await pat.send_json_to(signal(session, 1, "answer", sdp=SDP))
        assert await pat.receive_output(timeout=TIMEOUT) == {"type": "websocket.close"}
        await pat.wait(TIMEOUT)  # the application ended without raising
        await doctor.disconnect()

    run(scenario)
    assert not VideoParticipation.objects.filter(session=session, left_at__isnull=True).exists()
