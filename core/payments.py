"""Can an organization take payments online?

The payments app answers once it exists, by registering a provider in its
`AppConfig.ready`. Until one is registered the answer is no: nothing may
then wait for a payment (booking offers no "payment required" option, and
an accepted time is booked at once).
"""

from __future__ import annotations

from collections.abc import Callable

Provider = Callable[[object], bool]
_provider: Provider | None = None


def register(provider: Provider) -> None:
    global _provider
    _provider = provider


def payments_available_for(organization) -> bool:
    """Whether `organization`'s patients can pay online."""
    return _provider is not None and bool(_provider(organization))
