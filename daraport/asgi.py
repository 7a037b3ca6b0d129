"""ASGI entry point: HTTP through Django, WebSockets through Channels routes.

WebSocket routes arrive with the messaging and video issues; until then the
websocket router refuses every connection.
"""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "daraport.settings.dev")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402

application = ProtocolTypeRouter({"http": django_asgi_app})
gc.freeze()  # as in wsgi.py: start-up objects stay out of full collections
