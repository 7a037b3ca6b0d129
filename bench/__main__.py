"""Server-side timings of the foundation pages: `make bench`.

Runs against a throw-away test database on whatever DATABASE_URL points at
(SQLite when unset), seeds the demo, then requests each page many times
through Django's test client and prints p50/p95 in milliseconds and the
number of SQL queries per request.
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "daraport.settings.test")
django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from accounts.models import User  # noqa: E402
from bench import measure  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "200"))
PAGES = [
    ("landing (anonymous)", None, "/"),
    ("sign-in page (anonymous)", None, "/accounts/login/"),
    ("healthz", None, "/healthz"),
    ("patient home", "patient@demo.daraport.test", "/patient/"),
    ("organization home", "admin@demo.daraport.test", "/org/daraport-demo-clinic/"),
    ("organization members", "admin@demo.daraport.test", "/org/daraport-demo-clinic/members/"),
]


def main() -> None:
    setup_test_environment()
    settings.DEMO_MODE = True
    settings.DEMO_MFA_EXEMPT_EMAILS = {"admin@demo.daraport.test", "specialist@demo.daraport.test"}
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        call_command("seed_demo", verbosity=0, stdout=open(os.devnull, "w"))
        print(f"database: {connection.vendor}, {ROUNDS} requests per page")
        print(f"{'page':32} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
        for label, email, path in PAGES:
            client = Client()
            if email:
                client.force_login(User.objects.get(email=email))
            timing = measure(client, path, ROUNDS)
            print(f"{label:32} {timing.p50:8.2f} {timing.p95:8.2f} {timing.queries:8d}")
        # 1,000 specialists; their next free times; the slot engine; booking;
        # paying for it and the provider's webhooks; signing up with a known
        # and a new email; 200 live chat clients (PostgreSQL and Redis only);
        # video calls between two Chromiums; 5,000 patients' journeys (insights);
        # an organization's overview over 50,000 appointments
        from bench import (
            booking,
            directory,
            insights,
            matching,
            next_available,
            org_overview,
            payments,
            signup,
            slots,
            video,
        )
        from bench import messaging as live_messaging

        directory.run(rounds=ROUNDS)
        matching.run(rounds=ROUNDS)
        next_available.run(rounds=ROUNDS)
        slots.run(rounds=ROUNDS)
        booking.run(rounds=ROUNDS)
        payments.run(rounds=ROUNDS)
        insights.run(rounds=min(ROUNDS, 100))
        org_overview.run(rounds=min(ROUNDS, 100))
        signup.run()
        live_messaging.run()
        video.run()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
