"""The payment providers: Stripe in production, a built-in offline one on
a fresh machine. Both create payment intents and refunds and connect
specialists' accounts; the offline one also answers its own payment page
with the events Stripe would send, so the same services, events and
receipts run either way.

`provider()` picks Stripe when a secret key is set.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings


class ProviderError(Exception):
    """The provider refused a request or could not be reached."""


@dataclass(frozen=True)
class Intent:
    id: str
    client_secret: str
    # Events the provider reports at once (the offline provider); Stripe's come by webhook.
    events: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class ProviderRefund:
    id: str
    events: list[dict] = field(default_factory=list)


def provider():
    if settings.STRIPE_SECRET_KEY:
        from .stripe import StripeProvider

        return StripeProvider()
    from .offline import OfflineProvider

    return OfflineProvider()
