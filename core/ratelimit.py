"""A fixed-window request counter in Django's cache, for the public customer-link pages."""

from __future__ import annotations

import math
import time

from django.core.cache import cache

WINDOW_SECONDS = 60


def rate_limit_wait(*, keys: list[str], limit: int) -> int:
    """Count one request against every key; the seconds to wait when any is over `limit`, else 0.

    Counters live in the shared cache, so the limit holds across server processes when
    CACHE_URL points at a shared cache.
    """
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    over = False
    for key in keys:
        name = f"ratelimit:{key}:{window}"
        cache.add(name, 0, timeout=WINDOW_SECONDS + 30)
        try:
            count = cache.incr(name)
        except ValueError:  # the counter expired between add and incr
            cache.set(name, 1, timeout=WINDOW_SECONDS + 30)
            count = 1
        over = over or count > limit
    if not over:
        return 0
    return max(1, math.ceil(WINDOW_SECONDS - now % WINDOW_SECONDS))
