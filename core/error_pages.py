"""Django's error pages, handing their database connections back under ASGI.

Under ASGI Django renders an error page with `response_for_exception` on a
one-off worker thread (`sync_to_async(..., thread_sensitive=False)`). The
page's context processors query the database (the organization's brand), so
that thread opens a connection which nothing closes at the end of the
request: with a connection pool each such page kept one pooled connection
for good, and a handful of 404s left the server waiting on every query.
These handlers close what the page opened once it is rendered. Never inside
a transaction (closing there would break it); under WSGI the end of the
request closes connections as usual.
"""

from functools import wraps

from django.core.handlers.asgi import ASGIRequest
from django.db import close_old_connections, connections
from django.views import defaults


def _hands_connections_back(view):
    @wraps(view)
    def handler(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if isinstance(request, ASGIRequest) and not any(
            connection.in_atomic_block for connection in connections.all(initialized_only=True)
        ):
            close_old_connections()
        return response

    return handler


bad_request = _hands_connections_back(defaults.bad_request)
permission_denied = _hands_connections_back(defaults.permission_denied)
page_not_found = _hands_connections_back(defaults.page_not_found)
server_error = _hands_connections_back(defaults.server_error)
