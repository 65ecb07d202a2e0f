"""Background jobs: when each runs next, a lease so that it never runs twice at once, heartbeats.

A job's lease is a row (core.models.Job) taken with one conditional UPDATE, atomic on every
database, in any number of worker processes. It ends when the run finishes, or by itself
`lease` after it began when the process was killed: a lock in the queue's storage would stay
held (huey's SQLite storage has no expiry) or vanish with a restarted Redis.

A worker that starts again after it was killed gives back at once the leases its machine's dead
processes held (`jobs_release_dead`), so work resumes without waiting for them to run out.

A failed run is retried after one period, then after twice as long each time, up to a maximum,
and never sooner than a Retry-After the failure asked for.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.models import Heartbeat, Job

logger = logging.getLogger(__name__)

Result = TypeVar("Result")

# The shortest pause after a failure, for jobs whose period is shorter still.
MIN_BACKOFF = timedelta(seconds=5)


@dataclass(frozen=True)
class Lease:
    """One run's hold on its job, from `job_claim` to `job_finish`."""

    name: str
    holder: str
    started_at: datetime


def _host() -> str:
    return socket.gethostname()[:40]


def _holder() -> str:
    # Which process holds a lease (host:pid:random), for `jobs_release_dead` and for a person
    # reading the table; the random part tells one run from another.
    return f"{_host()}:{os.getpid()}:{secrets.token_hex(6)}"


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def jobs_release_dead() -> list[Lease]:
    """Release the leases held by processes of this machine that are gone; call at start-up.

    A lease naming this very process is dead too: the process has only just started (in a
    container, a restarted worker often gets its predecessor's pid).
    """
    now = timezone.now()
    released = []
    for job in Job.objects.filter(holder__startswith=f"{_host()}:", lease_until__gt=now):
        try:
            pid = int(job.holder.split(":")[1])
        except (IndexError, ValueError):
            continue
        if pid != os.getpid() and _process_alive(pid):
            continue
        if Job.objects.filter(pk=job.pk, holder=job.holder).update(holder="", lease_until=None):
            started_at = job.started_at or now
            released.append(Lease(name=job.name, holder=job.holder, started_at=started_at))
    return released


def job_claim(
    name: str, *, lease: timedelta, force: bool = False, early: timedelta = timedelta(0)
) -> Lease | None:
    """Start a run of `name` if it is due (or `force`) and no live run holds it; else None.

    `early`: a job due this soon counts as due, so that a schedule ticking at the job's own
    period does not miss each other tick by a hair.
    """
    now = timezone.now()
    Job.objects.get_or_create(name=name)
    rows = Job.objects.filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now), name=name)
    if not force:
        rows = rows.filter(Q(due_at__isnull=True) | Q(due_at__lte=now + early))
    holder = _holder()
    if not rows.update(holder=holder, lease_until=now + lease, started_at=now):
        return None
    return Lease(name=name, holder=holder, started_at=now)


def backoff(every: timedelta, failures: int, maximum: timedelta) -> timedelta:
    """The pause after `failures` failed runs in a row: one period, doubling, up to `maximum`."""
    base = max(every, MIN_BACKOFF)
    doublings = min(max(failures - 1, 0), 30)
    return min(base * (1 << doublings), max(maximum, base))


def job_finish(
    lease: Lease,
    *,
    every: timedelta,
    backoff_max: timedelta,
    error: str = "",
    retry_after: timedelta | None = None,
) -> Job | None:
    """End a run: release the lease and set when the job is due next.

    Returns the job's row, or None when the lease had expired and another run took it over
    (that run now owns the schedule).
    """
    now = timezone.now()
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(name=lease.name, holder=lease.holder).first()
        if job is None:
            return None
        if error:
            job.failures += 1
            wait = backoff(every, job.failures, backoff_max)
            job.due_at = now + max(wait, retry_after or timedelta(0))
        else:
            job.failures = 0
            job.due_at = lease.started_at + every
        job.holder, job.lease_until, job.finished_at = "", None, now
        job.last_error = error[:255]
        job.save()
    return job


@dataclass(frozen=True)
class Run(Generic[Result]):
    """What one leased run of a job gave: its result, or the error that stopped it."""

    result: Result | None
    error: str
    seconds: float


def job_run_leased(
    name: str,
    work: Callable[[], Result],
    *,
    lease: timedelta,
    every: timedelta,
    force: bool = False,
    early: timedelta = timedelta(0),
) -> Run[Result] | None:
    """Run `work` as job `name` if it is due (or `force`) and no run holds it; None if not.

    An exception in `work` is logged and counted as the run's failure (the job comes round
    again after a backoff), never raised into the worker.
    """
    held = job_claim(name, lease=lease, force=force, early=early)
    if held is None:
        return None
    started = time.monotonic()
    result, error = None, ""
    try:
        result = work()
    except Exception as exc:
        logger.exception("Job %s stopped with an internal error", name)
        error = f"Internal error ({type(exc).__name__})."
    backoff_max = timedelta(seconds=settings.WORKER_BACKOFF_MAX)
    job_finish(held, every=every, backoff_max=backoff_max, error=error)
    return Run(result, error, time.monotonic() - started)


def jobs_due(names: Iterable[str], *, early: timedelta = timedelta(0)) -> list[str]:
    """Which of these jobs are due now (or within `early`) and not running; read-only."""
    names = list(names)
    now = timezone.now()
    waiting = set(
        Job.objects.filter(name__in=names)
        .filter(Q(due_at__gt=now + early) | Q(lease_until__gt=now))
        .values_list("name", flat=True)
    )
    return [name for name in names if name not in waiting]


def heartbeat_beat(name: str, detail: str = "", *, every: timedelta = timedelta(0)) -> None:
    """Record that `name` (the worker, a job) is alive; no write if it beat within `every`."""
    now = timezone.now()
    fresh = Heartbeat.objects.filter(name=name, at__gt=now - every) if every else None
    if fresh is not None and fresh.exists():
        return
    Heartbeat.objects.update_or_create(name=name, defaults={"at": now, "detail": detail[:255]})


def heartbeat_age(name: str) -> timedelta | None:
    """How long ago `name` last beat, or None if it never did."""
    at = Heartbeat.objects.filter(name=name).values_list("at", flat=True).first()
    return None if at is None else timezone.now() - at
