"""TURN credentials (video.turn) and the relay they open: the TURN REST
username and HMAC, their expiry, the settings that switch STUN and TURN on,
production's refusal of TURN without a secret, and a real coturn (Debian's
`turnserver`) that gives a valid credential a relay, refuses an expired one,
and carries a call between two aiortc peers restricted to relay candidates.
Production's coturn (docker-compose.yml with deploy/turnserver.conf) is
started here too, as compose starts it, on loopback."""

import asyncio
import json
import re
import time
from datetime import timedelta

import pytest
import time_machine
import yaml
from aioice import stun, turn
from aiortc import (
    RTCConfiguration,
    RTCIceServer,
    RTCIceTransportPolicy,
    RTCPeerConnection,
    VideoStreamTrack,
)
from django.utils import timezone

from tests.accounts.factories import UserFactory
from tests.test_deploy import PRODUCTION_ENV, ROOT, _manage
from tests.video.turn_server import launch, machine_now, new_turn_server, require_turnserver, stop_turn_server
from video.turn import ice_servers, turn_password

TURN_URLS = ["turn:turn.example.org:3478?transport=udp", "turn:turn.example.org:3478?transport=tcp"]
# A call that cannot get a relay must know it within this many seconds (the
# room shows its "could not connect" message instead of waiting in "new").
REFUSAL_SECONDS = 5


@pytest.fixture
def user():
    return UserFactory.build()


@pytest.fixture
def no_relay(settings):
    settings.VIDEO_STUN_URLS = []
    settings.VIDEO_TURN_URLS = []
    settings.TURN_SECRET = ""
    settings.TURN_TTL_SECONDS = 3600
    return settings


# --- Credentials --------------------------------------------------------------


def test_the_password_is_the_base64_hmac_sha1_of_the_username():
    # Computed apart from this code: printf '%s' USERNAME | openssl dgst -sha1 -hmac SECRET -binary | base64
    username = "1700000000:0b8b6c9e-6d7a-4f8e-9a53-1f0c2e0a7b11"
    assert turn_password("correct horse battery staple", username) == "m3vr9VffOZ0CnB6criAoViSyHq8="


def test_nothing_configured_means_host_candidates_only(no_relay, user):
    assert ice_servers(user) == []


def test_stun_alone_carries_no_credential(no_relay, user):
    no_relay.VIDEO_STUN_URLS = ["stun:turn.example.org:3478"]
    assert ice_servers(user) == [{"urls": ["stun:turn.example.org:3478"]}]


def test_turn_urls_without_a_secret_give_no_turn_server(no_relay, user):
    no_relay.VIDEO_TURN_URLS = TURN_URLS
    assert ice_servers(user) == []


def test_turn_credential_names_the_expiry_and_the_person_never_their_email(no_relay, user):
    no_relay.VIDEO_STUN_URLS = ["stun:turn.example.org:3478"]
    no_relay.VIDEO_TURN_URLS = TURN_URLS
    no_relay.TURN_SECRET = "s3cret"
    now = timezone.now()

    stun_server, turn_server = ice_servers(user, now=now)

    assert stun_server == {"urls": ["stun:turn.example.org:3478"]}
    expiry = int(now.timestamp()) + 3600
    assert turn_server == {
        "urls": TURN_URLS,
        "username": f"{expiry}:{user.public_id}",
        "credential": turn_password("s3cret", f"{expiry}:{user.public_id}"),
    }
    assert user.email not in json.dumps(turn_server)


def test_credentials_expire_ttl_seconds_after_they_are_made(no_relay, user):
    no_relay.VIDEO_TURN_URLS = TURN_URLS
    no_relay.TURN_SECRET = "s3cret"
    no_relay.TURN_TTL_SECONDS = 600
    with time_machine.travel(timezone.now() + timedelta(days=3), tick=False) as traveller:
        first = ice_servers(user)[0]
        assert first["username"] == f"{int(time.time()) + 600}:{user.public_id}"
        traveller.shift(90)
        later = ice_servers(user)[0]
    assert int(later["username"].split(":")[0]) == int(first["username"].split(":")[0]) + 90
    assert later["credential"] != first["credential"]


def test_each_person_and_each_secret_gets_another_password(no_relay, user):
    no_relay.VIDEO_TURN_URLS = TURN_URLS
    no_relay.TURN_SECRET = "s3cret"
    now = timezone.now()
    mine = ice_servers(user, now=now)[0]
    theirs = ice_servers(UserFactory.build(), now=now)[0]
    no_relay.TURN_SECRET = "another"
    rotated = ice_servers(user, now=now)[0]
    assert len({mine["credential"], theirs["credential"], rotated["credential"]}) == 3


# --- Settings from the environment ----------------------------------------------

SHOW_ICE = (
    "import json; from accounts.models import User; from video.turn import ice_servers; "
    "print(json.dumps(ice_servers(User(email='x@example.test'))))"
)


def test_production_refuses_turn_urls_without_a_secret():
    result = _manage("check", env={**PRODUCTION_ENV, "VIDEO_TURN_URLS": TURN_URLS[0]})
    assert result.returncode != 0
    assert "VIDEO_TURN_URLS is set: set TURN_SECRET (or TURN_SECRET_FILE)" in result.stderr


def test_production_reads_the_turn_secret_from_its_file_which_wins(tmp_path):
    secret_file = tmp_path / "turn_secret"
    secret_file.write_text("from-the-file\n")
    env = {
        **PRODUCTION_ENV,
        "VIDEO_STUN_URLS": "stun:turn.example.org:3478",
        "VIDEO_TURN_URLS": ",".join(TURN_URLS),
        "TURN_SECRET": "from-the-environment",
        "TURN_SECRET_FILE": str(secret_file),
    }
    result = _manage("shell", "-c", SHOW_ICE, env=env)
    assert result.returncode == 0, result.stderr
    stun_server, turn_server = json.loads(result.stdout.strip().splitlines()[-1])
    assert stun_server == {"urls": ["stun:turn.example.org:3478"]}
    assert turn_server["urls"] == TURN_URLS
    assert turn_server["credential"] == turn_password("from-the-file", turn_server["username"])


# --- The production shape -----------------------------------------------------------

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
TURN_CONF = (ROOT / "deploy" / "turnserver.conf").read_text()


def test_compose_gives_coturn_and_the_app_the_same_secret_and_no_static_users():
    coturn, app = COMPOSE["services"]["coturn"], COMPOSE["x-app"]["environment"]
    assert coturn["environment"]["TURN_SECRET"] == app["TURN_SECRET"]
    assert app["TURN_SECRET"].startswith("${TURN_SECRET:?")  # compose refuses to start without it
    assert app["VIDEO_TURN_URLS"].startswith("turn:${SITE_DOMAIN}:3478")
    options = {line.split("=")[0] for line in TURN_CONF.splitlines() if line and not line.startswith("#")}
    assert {"use-auth-secret", "fingerprint", "no-cli", "no-multicast-peers"} <= options
    assert not options & {"user", "lt-cred-mech", "allow-loopback-peers", "static-auth-secret", "cli-password"}


def test_the_relay_never_reaches_private_networks():
    denied = re.findall(r"^denied-peer-ip=(\S+)$", TURN_CONF, re.MULTILINE)
    for network in [
        "10.0.0.0-10.255.255.255",
        "172.16.0.0-172.31.255.255",
        "192.168.0.0-192.168.255.255",
        "169.254.0.0-169.254.255.255",  # cloud metadata
        "100.64.0.0-100.127.255.255",
        "fc00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    ]:
        assert network in denied


def _allocate(server_port: int, ice: dict):
    """A TURN allocation with the credential of `ice` on 127.0.0.1:server_port."""
    return turn.create_turn_endpoint(
        asyncio.DatagramProtocol,
        server_addr=("127.0.0.1", server_port),
        username=ice["username"],
        password=ice["credential"],
    )


def test_production_coturn_starts_as_compose_starts_it_and_takes_our_credentials(settings, user, tmp_path):
    require_turnserver()
    script = COMPOSE["services"]["coturn"]["command"][0].replace("$$", "$")
    script = script.replace("/etc/coturn/daraport.conf", str(ROOT / "deploy" / "turnserver.conf"))
    script = script.replace("/tmp/turnserver.conf", str(tmp_path / "turnserver.conf"))
    server = new_turn_server()
    # Here only: listen on loopback, and open one private address as the
    # notes say for the NAT case. (A permission sends nothing to the peer.)
    extra = [*server.loopback_args(), "--allowed-peer-ip=10.9.9.9"]
    launch(
        server, ["sh", "-c", f"{script} {' '.join(extra)}"], env={"TURN_SECRET": server.secret, "TURN_REALM": "x.test"}
    )
    settings.VIDEO_TURN_URLS = [server.url]
    settings.TURN_SECRET = server.secret

    async def scenario():
        transport, _protocol = await _allocate(server.port, ice_servers(user, now=machine_now())[0])
        relay = transport._TurnTransport__inner_protocol  # aioice keeps the protocol private
        outcomes = {}
        for number, peer in enumerate(["10.1.2.3", "169.254.169.254", "127.0.0.1", "192.168.1.10", "10.9.9.9"]):
            try:
                await relay.channel_bind(0x4000 + number, (peer, 5000))
                outcomes[peer] = "allowed"
            except stun.TransactionFailed as error:
                outcomes[peer] = error.response.attributes["ERROR-CODE"][0]
        transport.close()
        return outcomes

    try:
        outcomes = asyncio.run(scenario())
    finally:
        log = server.log
        stop_turn_server(server)
    assert outcomes == {
        "10.1.2.3": 403,
        "169.254.169.254": 403,
        "127.0.0.1": 403,
        "192.168.1.10": 403,
        "10.9.9.9": "allowed",
    }, log
    assert server.secret not in log


# --- A real coturn ------------------------------------------------------------------


@pytest.fixture
def relay_settings(settings, turn_server):
    settings.VIDEO_STUN_URLS = []
    settings.VIDEO_TURN_URLS = [turn_server.url]
    settings.TURN_SECRET = turn_server.secret
    settings.TURN_TTL_SECONDS = 3600
    return settings


def test_a_valid_credential_gets_a_relay(relay_settings, turn_server, user):
    async def scenario():
        transport, _protocol = await _allocate(turn_server.port, ice_servers(user, now=machine_now())[0])
        relayed = transport.get_extra_info("sockname")
        transport.close()
        return relayed

    host, port = asyncio.run(scenario())
    assert host == "127.0.0.1" and port > 0


@pytest.mark.parametrize("case", ["expired", "wrong secret"])
def test_an_expired_or_forged_credential_is_refused_at_once(relay_settings, turn_server, user, case):
    now = machine_now()
    if case == "expired":
        ice = ice_servers(user, now=now - timedelta(seconds=3601))[0]  # expired a second ago
    else:
        relay_settings.TURN_SECRET = "not-the-servers-secret"
        ice = ice_servers(user, now=now)[0]

    async def scenario():
        started = time.monotonic()
        with pytest.raises(stun.TransactionFailed) as refusal:
            await _allocate(turn_server.port, ice)
        return refusal.value.response.attributes["ERROR-CODE"], time.monotonic() - started

    (code, _reason), elapsed = asyncio.run(scenario())
    assert code == 401
    assert elapsed < REFUSAL_SECONDS


def _relay_only(ice: list[dict]) -> RTCConfiguration:
    return RTCConfiguration(
        iceServers=[RTCIceServer(**server) for server in ice], iceTransportPolicy=RTCIceTransportPolicy.RELAY
    )


def _candidate_types(sdp: str) -> list[str]:
    return re.findall(r"^a=candidate:.* typ (\w+)", sdp, re.MULTILINE)


def test_two_peers_allowed_only_relay_candidates_connect_through_coturn(relay_settings, user):
    ice = ice_servers(user, now=machine_now())

    async def call():
        caller, callee = RTCPeerConnection(_relay_only(ice)), RTCPeerConnection(_relay_only(ice))
        remote_track = asyncio.get_running_loop().create_future()
        callee.on("track", lambda track: remote_track.done() or remote_track.set_result(track))
        caller.addTrack(VideoStreamTrack())
        try:
            await caller.setLocalDescription(await caller.createOffer())
            await callee.setRemoteDescription(caller.localDescription)
            await callee.setLocalDescription(await callee.createAnswer())
            await caller.setRemoteDescription(callee.localDescription)
            track = await asyncio.wait_for(remote_track, 10)
            frame = await asyncio.wait_for(track.recv(), 20)  # decoded after crossing the relay
            return caller.localDescription.sdp, callee.localDescription.sdp, caller.connectionState, frame
        finally:
            await caller.close()
            await callee.close()

    offer, answer, state, frame = asyncio.run(call())
    assert state == "connected"
    assert _candidate_types(offer) and set(_candidate_types(offer)) == {"relay"}
    assert _candidate_types(answer) and set(_candidate_types(answer)) == {"relay"}
    assert frame.width > 0 and frame.height > 0


def test_an_expired_credential_gathers_no_relay_candidate_quickly(relay_settings, user):
    expired = ice_servers(user, now=machine_now() - timedelta(hours=2))

    async def gather():
        peer = RTCPeerConnection(_relay_only(expired))
        peer.addTrack(VideoStreamTrack())
        started = time.monotonic()
        try:
            await peer.setLocalDescription(await peer.createOffer())
            return peer.localDescription.sdp, peer.iceGatheringState, time.monotonic() - started
        finally:
            await peer.close()

    sdp, gathering, elapsed = asyncio.run(gather())
    # Nothing to offer the other side: the room's connect timeout is what the person sees.
    assert _candidate_types(sdp) == []
    assert gathering == "complete"
    assert elapsed < REFUSAL_SECONDS
