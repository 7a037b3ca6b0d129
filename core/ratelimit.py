"""A fixed-window rate limit on the cache (Redis in production).

For guessable inputs outside allauth's own limits, such as enrolment
codes. A cache outage raises, and core.middleware answers 503: fail closed.
"""

from django.core.cache import cache


def allow(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt under `key`; False once `limit` attempts fall in the window."""
    cache_key = f"ratelimit:{key}"
    if cache.add(cache_key, 1, timeout=window_seconds):
        return True
    try:
        return cache.incr(cache_key) <= limit
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window_seconds)
        return True
