"""Timings of signing up with an email that has an account and with a new
one: they must match, or the time tells which emails have an account.

`make bench` runs this in the same throw-away database. On its own:

    DJANGO_SETTINGS_MODULE=daraport.settings.test python -m bench.signup

The POSTs go through the sign-up view with Django's default password hasher
(the tests' fast one would hide the work that matters) and without allauth's
rate limits (they would stop mail to the repeated known address). Every new
email is a fresh address. p50/p95 are in milliseconds.
"""

import os
import statistics
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "daraport.settings.test")
django.setup()

from django.conf import global_settings  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts.models import User  # noqa: E402
from bench import on_test_database  # noqa: E402
from organizations.selectors import organization_get_default, terms_current_for_organization  # noqa: E402

# Each POST hashes a password once (about half a second here).
ROUNDS = min(int(os.environ.get("BENCH_ROUNDS", "200")), 20)
KNOWN = "bench-known@example.test"


def _post(form: dict) -> float:
    client = Client()
    start = time.perf_counter()
    response = client.post(reverse("account_signup"), form)
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code == 302, (form["email"], response.status_code)
    return elapsed


def _summary(timings: list[float]) -> tuple[float, float]:
    timings = sorted(timings)
    return statistics.median(timings), timings[max(0, int(len(timings) * 0.95) - 1)]


def run(rounds: int = ROUNDS) -> None:
    organization = organization_get_default()
    documents = terms_current_for_organization(organization=organization) if organization else []
    form = {
        "full_name": "Bench Person",
        "password1": "a-long-and-unusual-passphrase",
        "timezone": "Europe/Berlin",
        "accept_terms": "on",
        "shown_documents": ",".join(str(document.public_id) for document in documents),
    }
    known, new = [], []
    with override_settings(PASSWORD_HASHERS=global_settings.PASSWORD_HASHERS, ACCOUNT_RATE_LIMITS=False):
        User.objects.create_user(email=KNOWN, password=form["password1"])
        _post({**form, "email": KNOWN})  # warm up
        _post({**form, "email": "bench-warm-up@example.test"})
        for n in range(rounds):  # interleaved: a drift of the machine touches both alike
            known.append(_post({**form, "email": KNOWN}))
            new.append(_post({**form, "email": f"bench-signup-{n}@example.test"}))
    print(f"\nsign-up: {rounds} POSTs each, Django's default password hasher")
    print(f"{'email':32} {'p50 ms':>8} {'p95 ms':>8}")
    for label, timings in (("with an account", known), ("new", new)):
        p50, p95 = _summary(timings)
        print(f"{label:32} {p50:8.1f} {p95:8.1f}")


def main() -> None:
    on_test_database(run)


if __name__ == "__main__":
    main()
