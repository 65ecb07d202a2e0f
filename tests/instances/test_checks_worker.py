"""`check --deploy` says when the task queue is not shared between processes (worker.W001)."""

from typing import Any

import pytest
from django.core.checks import run_checks

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


def test_a_per_process_cache_is_reported_with_the_worker_in_mind(settings: Any) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

    [warning] = check_shared_cache()

    assert warning.id == "greenapi.W003"
    assert "the worker" in warning.msg
