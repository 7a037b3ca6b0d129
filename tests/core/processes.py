"""Django code run in a real second process on the test database: a worker
to kill mid-send, or a web process pointed at a broker that is down.

The tests that use it need committed data (`transaction=True`). Emails the
child sends are recorded by `RecordingBackend`, one JSON line each in the
file named by $SENT_LOG, written to disk before the send returns; with
$BLOCK_AFTER_SEND set the backend then blocks, as a worker whose mail
server has taken the email and that is about to be killed.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import time_machine
from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection

PRELUDE = """
import os
from datetime import UTC, datetime, timedelta

import time_machine

# On the parent's clock, when that is shifted (tests/clock_shift.py).
offset = float(os.environ["CHILD_CLOCK_OFFSET"])
if offset:
    time_machine.travel(datetime.now(UTC) + timedelta(seconds=offset), tick=True).start()

import django
from django.conf import settings
settings.DATABASES["default"]["NAME"] = os.environ["CHILD_DATABASE_NAME"]
django.setup()
settings.EMAIL_BACKEND = "tests.core.processes.RecordingBackend"
"""


class RecordingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        with open(os.environ["SENT_LOG"], "a") as log:
            for message in messages:
                log.write(json.dumps({"to": message.to, "subject": message.subject}) + "\n")
            log.flush()
            os.fsync(log.fileno())
        if os.environ.get("BLOCK_AFTER_SEND"):
            time.sleep(600)
        return len(messages)


def _clock_offset() -> float:
    """How far this process's clock is from the real one, in seconds."""
    hatch = time_machine.escape_hatch
    return time.time() - hatch.time.time() if hatch.is_travelling() else 0.0


def start(
    code: str,
    *,
    sent_log: Path | None = None,
    block: bool = False,
    settings_module: str = "daraport.settings.test",
    **env,
) -> subprocess.Popen:
    """Run `code` (after Django is set up) in a child process, with `env`
    added to its environment."""
    child_env = {
        **os.environ,
        **env,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "CHILD_DATABASE_NAME": str(connection.settings_dict["NAME"]),
        "SENT_LOG": str(sent_log or os.devnull),
        "CHILD_CLOCK_OFFSET": str(_clock_offset()),
    }
    child_env.pop("BLOCK_AFTER_SEND", None)
    if block:
        child_env["BLOCK_AFTER_SEND"] = "1"
    return subprocess.Popen(
        [sys.executable, "-c", PRELUDE + code],
        cwd=settings.BASE_DIR,
        env=child_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run(code: str, *, timeout: float = 60, **kwargs) -> str:
    """Run `code` in a child process to the end; its standard output."""
    child = start(code, **kwargs)
    out, err = child.communicate(timeout=timeout)
    assert child.returncode == 0, err
    return out


def sent(sent_log: Path) -> list[dict]:
    if not sent_log.exists():
        return []
    return [json.loads(line) for line in sent_log.read_text().splitlines()]


def kill_once_sent(child: subprocess.Popen, sent_log: Path, timeout: float = 60) -> None:
    """Wait until the child's email is recorded, then SIGKILL it mid-send."""
    deadline = time.monotonic() + timeout
    while not sent(sent_log):
        if child.poll() is not None:
            raise AssertionError(f"the child ended without sending: {child.communicate()[1]}")
        if time.monotonic() > deadline:
            child.kill()
            raise AssertionError("the child sent nothing in time")
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
