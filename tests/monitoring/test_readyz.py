"""/readyz: the database, cache, queue, worker, sync and states, as JSON; 503 when not ready."""

import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client
from huey import RedisHuey, SqliteHuey

from core.models import Heartbeat
from instances.models import Instance, SyncState
from tests.monitoring.conftest import add_instance

DEAD_REDIS = "redis://127.0.0.1:1/0"  # port 1: nothing listens, the connection is refused


def _ready(client: Client) -> tuple[int, dict[str, Any]]:
    response = client.get("/readyz")
    assert response["Content-Type"] == "application/json"
    return response.status_code, response.json()


def test_a_service_doing_its_job_is_ready(client: Client, healthy: datetime) -> None:
    status, body = _ready(client)

    assert status == 200
    assert body["status"] == "ready"
    assert list(body["checks"]) == [
        "database",
        "migrations",
        "cache",
        "queue",
        "worker",
        "sync",
        "states",
    ]
    assert all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["worker"]["max_age_seconds"] == 60
    assert body["checks"]["states"]["stale"] == 0


def test_readyz_answers_head_and_refuses_post(client: Client, healthy: datetime) -> None:
    assert client.head("/readyz").status_code == 200
    assert client.post("/readyz").status_code == 405


def test_a_worker_that_stopped_beating_makes_it_unready(client: Client, healthy: datetime) -> None:
    with time_machine.travel(healthy + timedelta(seconds=61), tick=False):
        # Keep the rest fresh: only the worker is late.
        SyncState.objects.filter(pk=1).update(last_success_at=healthy + timedelta(seconds=61))
        Instance.objects.update(state_checked_at=healthy + timedelta(seconds=61))
        status, body = _ready(client)

    assert status == 503
    assert body["status"] == "not ready"
    assert body["checks"]["worker"] == {"ok": False, "age_seconds": 61.0, "max_age_seconds": 60}
    assert [name for name, check in body["checks"].items() if not check["ok"]] == ["worker"]


def test_no_worker_ever_is_unready(client: Client, healthy: datetime) -> None:
    Heartbeat.objects.filter(name="worker").delete()

    status, body = _ready(client)

    assert status == 503
    assert body["checks"]["worker"]["ok"] is False
    assert body["checks"]["worker"]["age_seconds"] is None


def test_a_mirror_never_synced_is_unready(client: Client, healthy: datetime) -> None:
    SyncState.objects.all().delete()
    Heartbeat.objects.filter(name="sync").delete()

    status, body = _ready(client)

    assert status == 503
    assert body["checks"]["sync"]["ok"] is False
    assert body["checks"]["sync"]["age_seconds"] is None


def test_a_sync_that_runs_but_fails_is_told_apart_from_one_that_does_not_run(
    client: Client, healthy: datetime
) -> None:
    later = healthy + timedelta(seconds=601)
    SyncState.objects.filter(pk=1).update(last_attempt_at=later, last_error="Green API is down")
    Heartbeat.objects.filter(name="worker").update(at=later)
    Instance.objects.update(state_checked_at=later)

    with time_machine.travel(later, tick=False):
        status, body = _ready(client)

    assert status == 503
    assert body["checks"]["sync"] == {
        "ok": False,
        "age_seconds": 601.0,
        "max_age_seconds": 600,
        "last_attempt_age_seconds": 0.0,
        "failing": True,
    }


def test_an_old_state_makes_it_unready(client: Client, healthy: datetime) -> None:
    add_instance(1101000003, checked_at=healthy - timedelta(seconds=601))

    status, body = _ready(client)

    assert status == 503
    states = body["checks"]["states"]
    assert states["ok"] is False
    assert states["oldest_age_seconds"] >= 601
    assert states["max_age_seconds"] == 600
    assert states["stale"] == 1


def test_states_the_worker_cannot_confirm_do_not_keep_it_unready(
    client: Client, healthy: datetime
) -> None:
    long_ago = healthy - timedelta(days=3)
    # Unpaid: Green API answers with a sentence; no token: it cannot be asked; deleted: gone.
    add_instance(1101000003, checked_at=long_ago, is_expired=True)
    add_instance(1101000004, checked_at=long_ago, api_token="")
    add_instance(1101000005, checked_at=long_ago, deleted=True)

    status, body = _ready(client)

    assert status == 200
    assert body["checks"]["states"]["oldest_age_seconds"] < 60
    # Still reported as stale, so they are not taken for fine.
    assert body["checks"]["states"]["stale"] == 2


def test_states_never_confirmed_are_counted_but_do_not_fail_it(
    client: Client, healthy: datetime
) -> None:
    add_instance(1101000003, state=Instance.State.UNKNOWN, checked_at=None)

    status, body = _ready(client)

    assert status == 200
    assert body["checks"]["states"]["never_confirmed"] == 1
    assert body["checks"]["states"]["stale"] == 1


def test_the_sync_jobs_heartbeat_counts_as_a_sync(client: Client, healthy: datetime) -> None:
    # The worker's sync job beats "sync" when it succeeds.
    SyncState.objects.all().delete()
    Heartbeat.objects.filter(name="sync").update(at=healthy - timedelta(seconds=30))

    with time_machine.travel(healthy, tick=False):
        status, body = _ready(client)

    assert status == 200
    assert body["checks"]["sync"]["age_seconds"] == 30.0
    assert body["checks"]["sync"]["last_attempt_age_seconds"] is None


def test_a_limit_of_zero_leaves_a_check_out(
    client: Client, healthy: datetime, settings: Any
) -> None:
    settings.READY_WORKER_MAX_AGE = 0
    settings.READY_SYNC_MAX_AGE = 0
    settings.READY_STATE_MAX_AGE = 0
    Heartbeat.objects.all().delete()
    SyncState.objects.all().delete()
    add_instance(1101000003, checked_at=healthy - timedelta(days=1))

    status, body = _ready(client)

    assert status == 200
    assert body["checks"]["worker"] == {"ok": True, "age_seconds": None, "max_age_seconds": None}


def test_an_unapplied_migration_makes_it_unready(client: Client, healthy: datetime) -> None:
    executor = MigrationExecutor(connection)
    app, name = sorted(executor.loader.graph.leaf_nodes())[0]
    MigrationRecorder(connection).record_unapplied(app, name)

    status, body = _ready(client)

    assert status == 503
    assert body["checks"]["migrations"] == {"ok": False, "unapplied": 1}


def test_a_cache_that_does_not_answer_makes_it_unready(
    client: Client, healthy: datetime, settings: Any
) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": DEAD_REDIS,
        }
    }

    status, body = _ready(client)

    assert status == 503
    assert body["checks"]["cache"] == {"ok": False, "error": "ConnectionError"}


def test_a_queue_that_does_not_answer_makes_it_unready(
    client: Client, healthy: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("huey.contrib.djhuey.HUEY", RedisHuey("readyz-test", url=DEAD_REDIS))

    status, body = _ready(client)

    assert status == 503
    assert body["checks"]["queue"]["ok"] is False


def test_the_queue_depth_is_reported(
    client: Client, healthy: datetime, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    queue = SqliteHuey("readyz-test", filename=str(tmp_path / "queue.db"))
    queue.storage.enqueue(b"one")
    queue.storage.enqueue(b"two")
    monkeypatch.setattr("huey.contrib.djhuey.HUEY", queue)

    status, body = _ready(client)

    assert status == 200
    assert body["checks"]["queue"] == {"ok": True, "pending": 2, "scheduled": 0}


def test_without_a_database_it_is_unready_and_still_answers(client: Client) -> None:
    # No `db` fixture: every query fails, as with a database that is down.
    status, body = _ready(client)

    assert status == 503
    checks = body["checks"]
    assert checks["database"]["ok"] is False
    for name in ("migrations", "worker", "sync", "states"):
        assert checks[name] == {"ok": False, "error": "no database"}
    # What does not need the database is still checked.
    assert checks["cache"]["ok"] is True
    assert checks["queue"]["ok"] is True


def test_readyz_answers_a_prober_that_comes_by_ip_over_plain_http(
    client: Client, healthy: datetime, settings: Any
) -> None:
    settings.ALLOWED_HOSTS = ["portal.example.com"]
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/readyz", HTTP_HOST="172.18.0.4:8000").status_code == 200


def test_not_ready_is_one_warning_naming_the_failed_checks(
    client: Client, healthy: datetime, caplog: pytest.LogCaptureFixture
) -> None:
    Heartbeat.objects.filter(name="worker").delete()

    with caplog.at_level(logging.INFO):
        client.get("/readyz")

    # A probe every few seconds: not an ERROR "Service Unavailable" from Django each time.
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", "Not ready: worker")
    ]
