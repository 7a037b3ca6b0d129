"""Where a patient can write to a specialist, if anywhere.

A conversation exists only inside an active care relationship, and both
belong to apps higher up. Messaging answers by registering a provider in its
`AppConfig.ready`, so a page of a lower app (booking) can offer the thread
without importing it. Until one is registered there is nowhere to write.
"""

from __future__ import annotations

from collections.abc import Callable

Provider = Callable[[object, object], "str | None"]
_provider: Provider | None = None


def register(provider: Provider) -> None:
    global _provider
    _provider = provider


def patient_thread_url(*, patient, specialist) -> str | None:
    """The address of `patient`'s conversation with `specialist` while they
    can write in it, else None."""
    return _provider(patient, specialist) if _provider is not None else None
