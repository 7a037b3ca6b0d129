"""Stripe for the tests: `localstripe`, a stateful fake of Stripe's API,
served on 127.0.0.1 for the whole session, and webhook deliveries signed
with Stripe's real scheme.

Import the fixtures `localstripe` and `stripe_api` from here and use
`pytest.mark.usefixtures("stripe_api")`: the provider is then Stripe,
pointed at an emptied fake, with the webhook secret the helpers below sign
with. Nothing leaves the machine.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import pytest
import stripe
from django.conf import settings
from django.urls import reverse

SECRET_KEY = "sk_test_daraport"
WEBHOOK_SECRET = "whsec_test_daraport"

# localstripe's own `start()` binds every interface and pickles each change
# to one shared file in /tmp; serve its app on the socket we hand over, and
# keep its state in memory.
_SERVE = """
import socket, sys
from aiohttp import web
from localstripe import resources, server
resources.Store.dump_to_disk = lambda self: None
web.run_app(server.app, sock=socket.socket(fileno=int(sys.argv[1])), print=None)
"""

# No proxy from the environment stands between the tests and the fake.
_direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _wait_until_answering(url: str, process: subprocess.Popen, log) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"localstripe exited ({process.returncode}): {log.read().decode(errors='replace')}")
        try:
            with _direct.open(f"{url}/js.stripe.com/v3/", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("localstripe did not answer within 30 s")


@pytest.fixture(scope="session")
def localstripe():
    """localstripe on a free port of 127.0.0.1, for the session: its URL.

    The listening socket is made here and handed to the process, so the
    port is never free for someone else to take in between."""
    listener = socket.create_server(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-c", _SERVE, str(listener.fileno())],
            pass_fds=[listener.fileno()],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        listener.close()
        try:
            _wait_until_answering(url, process, log)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def stripe_api(localstripe, settings, monkeypatch):
    """The Stripe provider, pointed at an emptied localstripe."""
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_API_BASE = localstripe
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    # The SDK's HTTP client honours proxy variables; loopback goes direct.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    _direct.open(urllib.request.Request(f"{localstripe}/_config/data", method="DELETE"), timeout=5).close()
    return localstripe


# --- Talking to the fake as Stripe.js and Stripe itself would --------------------------


def client() -> stripe.StripeClient:
    """An SDK client of the fake (what Stripe.js and Stripe do on their side)."""
    return stripe.StripeClient(settings.STRIPE_SECRET_KEY, base_addresses={"api": settings.STRIPE_API_BASE})


def confirm(intent_id: str, payment_method: str = "pm_card_visa"):
    """The patient confirms the intent with a test card, as the Payment
    Element does. A declined card raises `stripe.CardError`."""
    api = client()
    api.v1.payment_intents.update(intent_id, params={"payment_method": payment_method})
    return api.v1.payment_intents.confirm(intent_id)


def event_of(type_: str, object_id: str) -> dict:
    """The event localstripe recorded of `type_` about one object."""
    found = client().v1.events.list(params={"type": type_, "limit": 100})
    matching = [e.to_dict() for e in found.data if e.data.object.id == object_id]
    assert len(matching) == 1, f"{len(matching)} {type_} events for {object_id}"
    return matching[0]


def charge_refunded_event(intent_id: str) -> dict:
    """The `charge.refunded` event Stripe sends after refunds of an intent's
    charge (localstripe records none itself): the charge as it stands."""
    api = client()
    intent = api.v1.payment_intents.retrieve(intent_id)
    charge = api.v1.charges.retrieve(intent.latest_charge.id).to_dict()
    return {
        "id": f"evt_refunded_{charge['id']}_{charge['amount_refunded']}",
        "object": "event",
        "type": "charge.refunded",
        "created": int(time.time()),
        "data": {"object": charge},
    }


# --- Webhook deliveries ---------------------------------------------------------------


def signature(payload: bytes, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header: t=<unix time>,v1=<HMAC-SHA256 of "t.payload">."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def payload_of(event: dict) -> bytes:
    return json.dumps(event, indent=2).encode()


def deliver(http, event: dict | bytes, *, header: str | None = None, **signing):
    """POST one event to the webhook as Stripe does: the raw JSON body,
    signed (or with `header` as given). Returns the response."""
    body = event if isinstance(event, bytes) else payload_of(event)
    return http.post(
        reverse("payments:webhook"),
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header or signature(body, **signing),
    )
