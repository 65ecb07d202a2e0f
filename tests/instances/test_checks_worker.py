"""`check --deploy` says when the task queue (worker.W001) or the cache (greenapi.E009) is not
shared between processes."""

from typing import Any

import pytest
from django.core.checks import Error, run_checks

from instances.checks import check_shared_cache

REDIS = {"name": "partnerportal", "huey_class": "huey.RedisHuey", "url": "redis://redis:6379/0"}
SQLITE = {"name": "partnerportal", "huey_class": "huey.SqliteHuey", "filename": "huey.sqlite3"}


def deploy_ids() -> set[str]:
    return {message.id for message in run_checks(include_deployment_checks=True, tags=["worker"])}


@pytest.mark.parametrize(
    "huey", [SQLITE, {**REDIS, "immediate": True}, {**SQLITE, "huey_class": "huey.MemoryHuey"}]
)
def test_a_queue_of_one_machine_is_reported_in_production(settings: Any, huey: dict) -> None:
    settings.DEBUG = False
    settings.HUEY = huey

    assert deploy_ids() == {"worker.W001"}


def test_redis_is_a_shared_queue(settings: Any) -> None:
    settings.DEBUG = False
    settings.HUEY = REDIS

    assert deploy_ids() == set()


def test_development_may_use_the_sqlite_queue(settings: Any) -> None:
    settings.DEBUG = True
    settings.HUEY = SQLITE

    assert deploy_ids() == set()


@pytest.mark.parametrize("backend", ["locmem.LocMemCache", "dummy.DummyCache"])
def test_a_per_process_cache_is_an_error_naming_the_processes(
    settings: Any, monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    settings.CACHES = {"default": {"BACKEND": f"django.core.cache.backends.{backend}"}}
    monkeypatch.setenv("WEB_CONCURRENCY", "3")

    [error] = check_shared_cache()

    assert isinstance(error, Error)
    assert error.id == "greenapi.E009"
    assert "3 web processes and the worker" in error.msg


@pytest.mark.parametrize(
    "backend", ["redis.RedisCache", "db.DatabaseCache", "memcached.PyMemcacheCache"]
)
def test_a_shared_cache_passes(settings: Any, backend: str) -> None:
    settings.CACHES = {"default": {"BACKEND": f"django.core.cache.backends.{backend}"}}

    assert check_shared_cache() == []
