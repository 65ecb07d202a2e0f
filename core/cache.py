"""Django's Redis cache, with one Redis client per connection pool instead of one per call.

Django's RedisCacheClient builds a new `redis.Redis` for every cache operation, and building one
fills its table of some 170 response callbacks: a third of a millisecond of CPU, several times
per onboarding poll (the session, the shared answers and their locks). A `redis.Redis` is
thread-safe (each command borrows a connection from the pool), so one per pool serves every
thread of a process. Everything else is Django's own backend.
"""

from __future__ import annotations

from typing import Any

import redis
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[Any, Any] = {}  # connection pool: its client

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # Django's own pool choice (the stubs do not declare this private method).
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(pool)
        if client is None:  # two threads may both build one here: either is fine to keep
            client = self._clients[pool] = redis.Redis(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
