"""How long until one of allauth's rate limits lets a person try again.

allauth keeps each limit as a list of recent attempt times in the cache
(newest first) under a key of its own making; this reads that list through
allauth's helpers, so a page can say "in 8 seconds" instead of refusing
with a bare 429.
"""

import math
import time

from allauth.core.internal.ratelimit import get_cache_key, get_rates
from django.core.cache import cache

ACCOUNT_APP = "allauth.account"


def seconds_until_allowed(request, *, action: str, key: str | None = None) -> int:
    """0 when `action` (a key of ACCOUNT_RATE_LIMITS) may run now for
    `key`, otherwise the whole seconds until it may. Counts nothing."""
    now = time.time()
    wait = 0.0
    for rate in get_rates(app=ACCOUNT_APP, action=action):
        cache_key = get_cache_key(request, app=ACCOUNT_APP, action=action, rate=rate, key=key)
        recent = [at for at in cache.get(cache_key, []) if at > now - rate.duration]
        if len(recent) >= rate.amount:
            # Allowed again once the `amount`-th newest attempt leaves the window.
            wait = max(wait, recent[rate.amount - 1] + rate.duration - now)
    return math.ceil(wait)
