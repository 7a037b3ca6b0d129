"""Benchmarks: `make bench` runs them all (bench/__main__.py)."""

from collections.abc import Callable


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
