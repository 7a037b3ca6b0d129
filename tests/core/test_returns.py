"""The way back from a detour (core/returns.py): only a path on this site,
of a route an app registered, naming the user's own object, is followed, and
then as the app rebuilds it."""

import uuid

import pytest
from django.urls import reverse

from core import returns
from core.returns import ReturnTo, return_target, with_return

SOMEONE = object()


@pytest.fixture
def registered(monkeypatch):
    """A resolver for the patient's appointment page that knows one id."""
    known = uuid.uuid4()
    seen = []

    def resolver(user, kwargs, query):
        seen.append((user, kwargs, query.get("x")))
        if kwargs["public_id"] != known:
            return None
        return ReturnTo(url=reverse("booking:patient-appointment", args=[known]), label="Back")

    monkeypatch.setitem(returns._resolvers, "booking:patient-appointment", resolver)
    return known, seen


def test_a_registered_route_naming_the_users_object_is_rebuilt_by_its_app(registered):
    known, seen = registered
    raw = reverse("booking:patient-appointment", args=[known]) + "?x=1&evil=https://example.org"
    back = return_target(SOMEONE, raw)
    assert back.url == reverse("booking:patient-appointment", args=[known])
    assert seen == [(SOMEONE, {"public_id": known}, "1")]


def test_an_object_the_resolver_does_not_recognise_is_dropped(registered):
    assert return_target(SOMEONE, reverse("booking:patient-appointment", args=[uuid.uuid4()])) is None


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "https://evil.example/patient/appointments/",
        "//evil.example/patient/appointments/",
        "/\\evil.example/",
        "\\\\evil.example/",
        "javascript:alert(1)",
        "patient/appointments/",
        "/no/such/page/",
        "/patient/",  # a real page, but no way back is registered for it
        "/" + "a" * 600,
    ],
)
def test_anything_else_is_no_way_back(registered, raw):
    assert return_target(SOMEONE, raw) is None
    assert registered[1] == []  # no resolver was even asked


def test_the_way_back_travels_as_next():
    assert (
        with_return("/patient/consents/", "/patient/book/x/?at=1")
        == "/patient/consents/?next=%2Fpatient%2Fbook%2Fx%2F%3Fat%3D1"
    )
    assert with_return("/step/?for=lena", "/back/") == "/step/?for=lena&next=%2Fback%2F"
