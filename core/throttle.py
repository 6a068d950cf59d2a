"""A per-user request budget kept in Django's cache: Redis in production (shared by every web
process), process memory without it. Used where an endpoint must not be asked in bulk, such as
the live ID-number check (households.views.check_id), which says whether a number is registered."""

from __future__ import annotations

from django.core.cache import cache

__all__ = ["over_budget"]

WINDOW_SECONDS = 60


def over_budget(name: str, user_id: int, per_minute: int) -> bool:
    """Count one request of ``user_id`` to ``name`` and say whether it goes beyond ``per_minute``
    requests in the minute that began with the first of them. The counter's expiry is set when it
    is created and kept by each increment (Redis's INCR, and Django's in-memory cache), so a window
    does not slide with every request; at most twice the budget passes across a window's end."""
    key = f"budget:{name}:{user_id}"
    cache.add(key, 0, timeout=WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # the counter expired between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS)
        count = 1
    return count > per_minute
