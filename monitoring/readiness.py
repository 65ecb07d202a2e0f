"""/readyz: is the whole service doing its job? Each check answers with a small dict.

Ready means: the database answers and is migrated, the cache and the task queue answer, the
worker gave a sign of life within READY_WORKER_MAX_AGE, the mirror was synced within
READY_SYNC_MAX_AGE, and no state the worker can confirm is older than READY_STATE_MAX_AGE.
A limit of 0 leaves that check out (it is still reported).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from core.models import Heartbeat
from instances.models import Instance, SyncState
from instances.state_freshness import stale_states
from monitoring import queue
from monitoring.mirror import oldest_state_age

logger = logging.getLogger(__name__)

WORKER_HEARTBEAT = "worker"
SYNC_HEARTBEAT = "sync"

Result = dict[str, Any]

# Once every migration is applied it stays so for this process's code: checked until then only.
_migrated = False


def readiness(now: datetime | None = None) -> tuple[bool, dict[str, Result]]:
    """Every check's result, and whether all of them passed."""
    now = now or timezone.now()
    checks: dict[str, Result] = {"database": _guarded("database", _database)}
    database_checks: dict[str, Callable[[], Result]] = {
        "migrations": _migrations,
        "worker": lambda: _worker(now),
        "sync": lambda: _sync(now),
        "states": lambda: _states(now),
    }
    for name, check in database_checks.items():
        # Without a database each of these would wait for its own connection timeout.
        ok = checks["database"]["ok"]
        checks[name] = _guarded(name, check) if ok else {"ok": False, "error": "no database"}
    checks["cache"] = _guarded("cache", _cache)
    checks["queue"] = _queue()
    # Report in a stable order: what the service needs, then what it does.
    order = ["database", "migrations", "cache", "queue", "worker", "sync", "states"]
    checks = {name: checks[name] for name in order}
    return all(result["ok"] for result in checks.values()), checks


def _guarded(name: str, check: Callable[[], Result]) -> Result:
    """A check that raised has failed; the probe itself must never fail."""
    try:
        return check()
    except Exception as exc:
        logger.warning("Readiness check %s failed", name, exc_info=True)
        # The class name only: the probe is public and an error text may name hosts.
        return {"ok": False, "error": type(exc).__name__}


def _database() -> Result:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True}


def _migrations() -> Result:
    global _migrated
    if not _migrated:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            return {"ok": False, "unapplied": len(plan)}
        _migrated = True
    return {"ok": True}


def _cache() -> Result:
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "ok", timeout=10)
    try:
        answered = cache.get(key) == "ok"
    finally:
        cache.delete(key)
    return {"ok": answered}


def _queue() -> Result:
    depth = queue.depth()
    if depth is None:
        return {"ok": False, "error": "the queue's storage did not answer"}
    return {"ok": True, "pending": depth.pending, "scheduled": depth.scheduled}


def _age(at: datetime | None, now: datetime) -> float | None:
    return None if at is None else round(max(0.0, (now - at).total_seconds()), 1)


def _within(age: float | None, limit: int) -> bool:
    """A limit of 0 is not enforced; otherwise something that never happened is too old."""
    return limit <= 0 or (age is not None and age <= limit)


def _limit(limit: int) -> int | None:
    return limit if limit > 0 else None


def _worker(now: datetime) -> Result:
    limit = settings.READY_WORKER_MAX_AGE
    heartbeat = Heartbeat.objects.filter(name=WORKER_HEARTBEAT).first()
    age = _age(heartbeat.at if heartbeat else None, now)
    return {"ok": _within(age, limit), "age_seconds": age, "max_age_seconds": _limit(limit)}


def _sync(now: datetime) -> Result:
    """The mirror is as old as the last successful sync: the worker's sync job beats "sync"
    when it succeeds, and any sync (a command, the demo seed) records it in SyncState."""
    limit = settings.READY_SYNC_MAX_AGE
    state = SyncState.objects.filter(pk=1).first()
    job = Heartbeat.objects.filter(name=SYNC_HEARTBEAT).first()
    successes = [at for at in (state and state.last_success_at, job and job.at) if at]
    age = _age(max(successes, default=None), now)
    return {
        "ok": _within(age, limit),
        "age_seconds": age,
        "max_age_seconds": _limit(limit),
        # A sync that is attempted and fails (Green API down) is not one that never runs.
        "last_attempt_age_seconds": _age(state.last_attempt_at if state else None, now),
        "failing": bool(state and state.last_error),
    }


def _states(now: datetime) -> Result:
    """Only states the worker can confirm count: an expired instance's or one without a token
    would keep the service unready for good."""
    limit = settings.READY_STATE_MAX_AGE
    oldest, never = oldest_state_age(now)
    oldest = None if oldest is None else round(oldest, 1)
    return {
        "ok": limit <= 0 or oldest is None or oldest <= limit,
        "oldest_age_seconds": oldest,
        "max_age_seconds": _limit(limit),
        "never_confirmed": never,
        "stale": Instance.objects.filter(stale_states(now)).count(),
    }


def forget_migrations_checked() -> None:
    """Check the migrations again on the next probe (tests; after a rollback by hand)."""
    global _migrated
    _migrated = False
