"""Benchmarks: `make bench` runs them all (bench/__main__.py)."""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


def on_test_database(run: Callable[[], None]) -> None:
    """Call `run` against a throw-away test database, dropped afterwards
    (connections closed first: a socket test leaves some open)."""
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run()
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)


def analyze() -> None:
    """Fresh planner statistics after a bulk load (PostgreSQL): without them
    it plans for empty tables, and a page takes 80 ms instead of 2 ms."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


@dataclass(frozen=True)
class Timing:
    p50: float  # milliseconds
    p95: float
    queries: int  # SQL queries of one request
    response: object  # the last response, for what the page found


def measure(client, path: str, rounds: int, **headers) -> Timing:
    """`rounds` timed requests of `path` after a warm-up, each answering 200,
    then one more to count its SQL queries."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    response = client.get(path, **headers)
    assert response.status_code == 200, (path, response.status_code, response.content[:300])
    timings = []
    for _ in range(rounds):
        began = time.perf_counter()
        response = client.get(path, **headers)
        timings.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, **headers)
    timings.sort()
    return Timing(statistics.median(timings), timings[max(int(len(timings) * 0.95) - 1, 0)], len(queries), response)
