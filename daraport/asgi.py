"""ASGI entry point: HTTP through Django, WebSockets through Channels routes.

A WebSocket must come from a page of this very site (its Origin has the
scheme, host and port the socket was opened on, and the host is one of
ALLOWED_HOSTS) and is authenticated by the session cookie; the consumers
then decide who may connect (see core.sockets, messaging.consumers and
video.consumers). An HTTP request whose body is larger than the largest
upload is refused before it is read.
"""

import gc
import os
from urllib.parse import urlsplit

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "daraport.settings.dev")
django_asgi_app = get_asgi_application()

# Imported once the apps are ready: the routes load models.
from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.http.request import split_domain_port, validate_host  # noqa: E402

import messaging.routing  # noqa: E402
import video.routing  # noqa: E402
from messaging.attachments import ATTACHMENT_MAX_BYTES  # noqa: E402

# The largest upload anywhere (a message's attachment) and the rest of its
# form. deploy/Caddyfile sets the same cap in front of the WSGI server.
BODY_MAX_BYTES = ATTACHMENT_MAX_BYTES + 1024 * 1024
DEFAULT_PORTS = {"http": 80, "https": 443}


def _header(scope, name: bytes) -> str:
    return next((value.decode("latin1") for key, value in scope["headers"] if key == name), "")


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) URL, the port filled in."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return parts.scheme, parts.hostname, port or DEFAULT_PORTS[parts.scheme]


def same_origin(scope) -> bool:
    """Whether a socket's Origin is the site it was opened on, as Django's
    CSRF check decides for forms: comparing host names alone would let a
    page on another port, or a plain-http page of the same name, in."""
    host = _header(scope, b"host")
    domain, _port = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return False
    scheme = "https" if scope.get("scheme") == "wss" else "http"
    origin = _origin(_header(scope, b"origin"))
    return origin is not None and origin == _origin(f"{scheme}://{host}")


class SameOriginValidator:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if same_origin(scope):
            await self.app(scope, receive, send)
        else:
            await receive()  # the handshake, refused
            await send({"type": "websocket.close"})


class BodySizeLimit:
    """413 for a body over BODY_MAX_BYTES, by its Content-Length, before any
    of it is read: Django's ASGI handler reads a whole body into a file
    before a view can look at it."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        length = _header(scope, b"content-length")
        if not (length.isdigit() and int(length) > BODY_MAX_BYTES):
            await self.app(scope, receive, send)
            return
        text = f"This is too large to send. Files can be up to {ATTACHMENT_MAX_BYTES // (1024 * 1024)} MB.\n"
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close")],
            }
        )
        await send({"type": "http.response.body", "body": text.encode()})


application = ProtocolTypeRouter(
    {
        "http": BodySizeLimit(django_asgi_app),
        "websocket": SameOriginValidator(
            AuthMiddlewareStack(
                URLRouter(messaging.routing.websocket_urlpatterns + video.routing.websocket_urlpatterns)
            )
        ),
    }
)
gc.freeze()  # as in wsgi.py: start-up objects stay out of full collections
