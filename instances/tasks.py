"""The worker's schedule (huey, `manage.py run_huey`): a tick each second runs what is due.

huey runs periodic tasks at most once a minute, and some of the work is due every few seconds
(states being created are checked every 5 s, the worker's heartbeat), so one periodic task
spreads each minute into ticks a second apart. A tick writes the worker's heartbeat (every
HEARTBEAT_EVERY) and enqueues every job that is due (instances/jobs.py); a tick with nothing
due costs two small queries. Each job takes its own lease before it runs, so duplicate ticks (two
workers, a tick delayed behind another) cost a query, never a second run.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Mapping
from datetime import timedelta

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, on_startup
from huey.exceptions import RetryTask

from accounts.models import User
from core.jobs import heartbeat_beat, jobs_due
from instances.jobs import EARLY, JOBS, SYNC, WORKER_HEARTBEAT, job_run, jobs_recover
from instances.models import BulkJob
from instances.services.bulk import bulk_run_job, bulk_start
from instances.sync_freshness import (
    SyncStatus,
    parse_marker,
    sync_began_since,
    sync_marker,
    sync_status,
)

logger = logging.getLogger(__name__)

TICK = timedelta(seconds=1)
# The worker's heartbeat is written at most this often (not at every tick).
HEARTBEAT_EVERY = timedelta(seconds=5)
# A "Sync now" waits this long for a running sync to end before it gives up.
SYNC_NOW_PATIENCE = timedelta(minutes=2)
SYNC_NOW_RETRY_SECONDS = 2


_recovery = threading.Lock()
_recovered = False


@on_startup("instances_jobs_recover")
def recover() -> None:
    """Before this worker runs a job: free what a killed predecessor left (instances/jobs.py).

    huey calls this in each worker thread as it starts; the first does the work while the
    others wait, so no thread of this process holds a lease yet when it happens.
    """
    global _recovered
    with _recovery:
        if not _recovered:
            jobs_recover()
            _recovered = True


@db_periodic_task(crontab(), name="instances.minute")
def minute() -> None:
    """Schedule this minute's ticks (huey's scheduler fires this once a minute)."""
    now = timezone.now()
    for index in range(int(timedelta(minutes=1) / TICK)):
        eta = now + index * TICK
        # A tick that could not start in time is dropped: the next one does the same work.
        tick.schedule(eta=eta, expires=eta + TICK)


@db_task(name="instances.tick")
def tick() -> None:
    """Say the worker is alive, and enqueue each job that is due and not running."""
    detail = f"{socket.gethostname()} pid {os.getpid()}"
    heartbeat_beat(WORKER_HEARTBEAT, detail, every=HEARTBEAT_EVERY)
    for name in jobs_due(JOBS, early=EARLY):
        run_job(name)


@db_task(name="instances.run_job")
def run_job(name: str) -> None:
    """One run of a job, if it is still due when a worker thread gets to it."""
    job_run(name)


@db_task(name="instances.sync_now")
def sync_now(after: str, asked_at: str) -> None:
    """A sync someone asked for at `asked_at`, unless one began since (`after`: the last start).

    A sync already running when they asked may have read Green API before their change, so
    this waits for it to end, then runs its own.
    """
    if sync_began_since(after):
        return
    if job_run(SYNC, force=True) is not None:
        return
    asked = parse_marker(asked_at)
    if asked is None or timezone.now() - asked > SYNC_NOW_PATIENCE:
        logger.warning("Sync now: gave up waiting for the running sync to end")
        return
    raise RetryTask(delay=SYNC_NOW_RETRY_SECONDS)


def sync_request() -> SyncStatus:
    """Have the worker sync now for someone who asked; returns the status their page polls."""
    after, asked_at = sync_marker(), timezone.now()
    sync_now(after, asked_at.isoformat())
    return sync_status(after=after, asked_at=asked_at)


@db_task(name="instances.bulk_run")
def bulk_run(job_id: int) -> None:
    """Run a bulk job's pending items (instances/services/bulk.py)."""
    bulk_run_job(job_id)


def bulk_request(
    *,
    user: User,
    action: str,
    ids: list[int],
    link_hours: int = 0,
    link_base: str = "",
    settings: Mapping[str, str | int] | None = None,
) -> BulkJob:
    """Start a bulk job and have the worker run it; returns the job its page follows."""
    job = bulk_start(
        user=user,
        action=action,
        ids=ids,
        link_hours=link_hours,
        link_base=link_base,
        settings=settings,
    )
    bulk_run(job.pk)
    return job
