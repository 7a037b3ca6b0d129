"""A real coturn (Debian's `turnserver`) on loopback for the video tests.

It runs with the production auth mode (`use-auth-secret` and a
`static-auth-secret`, the TURN REST convention of video.turn) on a free
port of 127.0.0.1, relaying between loopback addresses, with its state in a
temporary folder. `.ci/run` and `make test` install the package when it is
missing.
"""

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine

REALM = "daraport.test"
START_TIMEOUT = 10


@dataclass
class TurnServer:
    port: int
    secret: str
    folder: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"turn:127.0.0.1:{self.port}?transport=udp"

    @property
    def log(self) -> str:
        path = self.folder / "turnserver.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def loopback_args(self) -> list[str]:
        """Where to listen and relay, and where to keep state: this test's own."""
        return [
            "--listening-ip=127.0.0.1",
            f"--listening-port={self.port}",
            "--relay-ip=127.0.0.1",
            f"--userdb={self.folder / 'turndb'}",
            f"--pidfile={self.folder / 'turnserver.pid'}",
        ]


def turnserver_path() -> str | None:
    return shutil.which("turnserver")


def require_turnserver() -> None:
    """Skip without `turnserver`, unless DARAPORT_REQUIRE_BROWSER=1 (CI)
    makes that a failure, as it does for Chromium."""
    if turnserver_path() is None:
        message = "turnserver is missing: install Debian's coturn (apt-get install -y coturn)"
        if os.environ.get("DARAPORT_REQUIRE_BROWSER") == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


def new_turn_server() -> TurnServer:
    """A port free for UDP and TCP (TURN listens on both), a secret and a folder; not started."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = udp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                except OSError:
                    continue
        return TurnServer(port=port, secret=secrets.token_urlsafe(32), folder=Path(tempfile.mkdtemp(prefix="turn-")))


def start_turn_server() -> TurnServer:
    """The test relay: auth as in production, loopback peers allowed."""
    server = new_turn_server()
    command = [
        turnserver_path() or "turnserver",
        "-n",  # no configuration file: only what is here
        *server.loopback_args(),
        "--allow-loopback-peers",  # both peers are on this machine
        "--use-auth-secret",
        f"--static-auth-secret={server.secret}",
        f"--realm={REALM}",
        "--fingerprint",
        "--no-cli",
        "--no-tls",
        "--no-dtls",
        "--log-file=stdout",
        "--simple-log",
    ]
    return launch(server, command)


def launch(server: TurnServer, command: list[str], env: dict[str, str] | None = None) -> TurnServer:
    """Run `command` (a turnserver listening as `server` says) until it listens."""
    with (server.folder / "turnserver.log").open("wb") as log:
        server.process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env={**os.environ, **(env or {})}
        )
    deadline = time.monotonic() + START_TIMEOUT
    while not _listening(server.port):
        if server.process.poll() is not None or time.monotonic() > deadline:
            log_text = server.log
            stop_turn_server(server)
            raise RuntimeError(f"turnserver did not start on port {server.port}:\n{log_text[-3000:]}")
        time.sleep(0.05)
    return server


def stop_turn_server(server: TurnServer) -> None:
    if server.process is not None and server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
    shutil.rmtree(server.folder, ignore_errors=True)


def _listening(port: int) -> bool:
    # The TCP listener opens with the UDP one; a refused connection means not yet.
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def machine_now() -> datetime:
    """The machine's real time, which coturn reads: a clock-shifted run
    (tests/clock_shift.py) moves only this process's clock."""
    if time_machine.escape_hatch.is_travelling():
        return datetime.fromtimestamp(time_machine.escape_hatch.time.time(), UTC)
    return datetime.now(UTC)
