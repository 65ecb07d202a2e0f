"""The Redis cache backend: Django's, with one Redis client per connection pool."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import redis

from core.cache import RedisCache

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def cache() -> Iterator[RedisCache]:
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=3).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    backend = RedisCache(REDIS_URL, {"KEY_PREFIX": f"test-cache-{uuid.uuid4().hex}"})
    yield backend
    backend.delete_many(["a", "answer", "lock"])  # not clear(): that empties the whole database


def test_every_operation_uses_one_client(cache: RedisCache) -> None:
    first = cache._cache.get_client(write=True)

    cache.set("a", 1)
    cache.get("a")

    assert cache._cache.get_client() is first
    assert cache._cache.get_client(write=True) is first


def test_it_is_a_working_shared_cache(cache: RedisCache) -> None:
    cache.set("answer", {"qr": "png"}, timeout=30)

    assert cache.get("answer") == {"qr": "png"}
    assert cache.add("lock", 1, timeout=30)
    assert not cache.add("lock", 1, timeout=30)
    assert cache.delete("lock")
    assert cache.get("missing", "default") == "default"
