"""ASGI entry point: HTTP through Django, WebSockets through Channels routes.

A WebSocket must come from one of ALLOWED_HOSTS (its Origin header) and is
authenticated by the session cookie; the consumers then decide who may
connect (see messaging.consumers).
"""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "daraport.settings.dev")
django_asgi_app = get_asgi_application()

# Imported once the apps are ready: the routes load models.
from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

import messaging.routing  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(messaging.routing.websocket_urlpatterns))
        ),
    }
)
gc.freeze()  # as in wsgi.py: start-up objects stay out of full collections
