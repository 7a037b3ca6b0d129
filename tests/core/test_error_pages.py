"""Error pages rendered off the request's thread close the connection they
opened (core/error_pages.py): under ASGI a pooled connection would otherwise
stay taken for good."""

import threading

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import Http404
from django.test import AsyncRequestFactory, RequestFactory

from core.error_pages import page_not_found


def _render_on_another_thread(request) -> dict:
    seen = {}
    request.user = AnonymousUser()

    def render():
        response = page_not_found(request, Http404())
        seen["status"] = response.status_code
        seen["open"] = connection.connection is not None
        connection.close()

    thread = threading.Thread(target=render)
    thread.start()
    thread.join()
    return seen


@pytest.mark.django_db(transaction=True)
def test_a_404_rendered_for_an_asgi_request_closes_its_connection():
    seen = _render_on_another_thread(AsyncRequestFactory().get("/nowhere/"))
    assert seen == {"status": 404, "open": False}


@pytest.mark.django_db(transaction=True)
def test_a_404_rendered_for_a_wsgi_request_leaves_the_connection_to_the_request_end():
    # The page did query the database: the check above is not vacuous.
    seen = _render_on_another_thread(RequestFactory().get("/nowhere/"))
    assert seen == {"status": 404, "open": True}
