"""One Green API answer shared by every page that polls an instance.

Green API limits `qr` to 3 calls and `getStateInstance` to 1 call per second per instance
(docs/greenapi.md §4.3), but any number of browsers may poll one instance's onboarding page. So the
server keeps each instance's latest answer in Django's cache and calls Green API again only
when that answer is older than its hold time; one request at a time makes the call (an atomic
`cache.add` is the lock) and the others are served the latest answer meanwhile.

The cache must be shared by every server process for this to hold (CACHE_URL: Redis or the
database cache in production; the default local-memory cache is per process).

Freshness is checked against a timestamp stored with the answer rather than through the
cache's own expiry, because Redis and memcached round expiry times to whole seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.conf import settings
from django.core.cache import cache

T = TypeVar("T")

# Answers stay in the cache this long after they go stale, to serve pollers during a call.
KEEP_SECONDS = 300
# After a call that raised, no new call for this long.
COOLDOWN_SECONDS = 2
# How often a request that found no answer at all looks again while another one calls.
WAIT_STEP = 0.05


@dataclass(frozen=True)
class Entry(Generic[T]):
    value: T
    good_until: float  # time.time() after which a new call may be made


def _lock_seconds() -> int:
    # A lock outlives the slowest call, so a crashed process frees it soon after.
    return int(settings.GREEN_API_DEADLINE) + 5


def shared_call(
    key: str,
    fetch: Callable[[T | None], tuple[T, float]],
    *,
    wait: float,
) -> T | None:
    """The shared answer under `key`, calling `fetch` only when it is stale.

    `fetch(previous)` gets the previous answer (None the first time) and returns the new one
    and how many seconds it holds before the next call. Answers must pickle. Returns None only
    when no answer exists yet and another request's call did not end within `wait` seconds.
    """
    entry: Entry[T] | None = cache.get(key)
    if entry is not None and time.time() < entry.good_until:
        return entry.value
    lock = f"{key}:lock"
    if cache.add(lock, 1, timeout=_lock_seconds()):
        try:
            # Another request may have finished its call between our read and the lock.
            current: Entry[T] | None = cache.get(key)
            if current is not None and time.time() < current.good_until:
                cache.delete(lock)
                return current.value
            value, hold = fetch(current.value if current is not None else None)
        except BaseException:
            # The call may have reached Green API before the failure: keep the lock a moment,
            # so the next request does not call again at once and go over the rate limit.
            cache.set(lock, 1, timeout=COOLDOWN_SECONDS)
            raise
        # The hold counts from when the answer arrived, so calls are at least `hold` apart.
        cache.set(key, Entry(value, time.time() + hold), timeout=KEEP_SECONDS)
        cache.delete(lock)
        return value
    if entry is not None:
        return entry.value  # a second-old answer is better than waiting for the call
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        time.sleep(WAIT_STEP)
        entry = cache.get(key)
        if entry is not None:
            return entry.value
    return None


def shared_holds_for(key: str) -> float:
    """Seconds until the shared answer under `key` may be replaced by a new call; 0 if now."""
    entry: Entry[object] | None = cache.get(key)
    return max(0.0, entry.good_until - time.time()) if entry is not None else 0.0


def shared_latest(key: str) -> object | None:
    """The latest shared answer under `key`, however old, without calling; None if none."""
    entry: Entry[object] | None = cache.get(key)
    return entry.value if entry is not None else None


def shared_forget(key: str) -> None:
    """Drop the shared answer, so the next request calls Green API (after a logout, say)."""
    cache.delete(key)
