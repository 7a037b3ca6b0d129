"""Demo data: each app registers a seeder; `manage.py seed_demo` runs them in order.

Seeders must be idempotent: `make run` calls them on every start.
"""

from collections.abc import Callable

_seeders: list[tuple[int, str, Callable[[], list[str]]]] = []


def register(order: int, name: str, seeder: Callable[[], list[str]]) -> None:
    """`seeder()` creates or refreshes its data and returns lines to print."""
    if all(existing != name for _, existing, _ in _seeders):
        _seeders.append((order, name, seeder))


def seeders() -> list[tuple[str, Callable[[], list[str]]]]:
    return [(name, seeder) for _, name, seeder in sorted(_seeders, key=lambda item: item[0])]
