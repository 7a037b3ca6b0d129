import pytest
from django.urls import reverse

from core import health

pytestmark = pytest.mark.django_db


def test_healthz_is_200_when_database_cache_and_broker_are_up(client):
    response = client.get(reverse("core:healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "broker": "ok"}


def test_healthz_is_503_and_names_the_failing_part(client, monkeypatch):
    def cache_down():
        raise ConnectionError("refused")

    monkeypatch.setitem(health.CHECKS, "cache", cache_down)
    response = client.get(reverse("core:healthz"))
    assert response.status_code == 503
    assert response.json()["cache"] == "down: ConnectionError"
    assert response.json()["database"] == "ok"
