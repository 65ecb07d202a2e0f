"""The worker's jobs: what each does, how often, and one run of it under its lease.

`job_run(name)` is the one way a job runs, from the worker (instances/tasks.py) or by hand (the
management commands): it takes the job's lease (core/jobs.py), so a job never runs twice at
once; it runs the service; it logs one line with what was done; and it sets when the job is due
next: one period after this run began, or later after failures (doubling up to
WORKER_BACKOFF_MAX, and never sooner than a Retry-After from Green API).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings

from core.jobs import heartbeat_beat, job_claim, job_finish, jobs_release_dead
from instances.models import SyncState
from instances.services.retention import data_expire
from instances.services.settle import orders_settle_pending
from instances.services.signals import signals_check_due
from instances.services.state_refresh import RefreshResult, states_refresh_due
from instances.services.sync import STALE_LOCK, instances_sync

logger = logging.getLogger(__name__)

SYNC, SETTLE, EXPIRE, REFRESH = "sync", "settle", "expire", "refresh"
SIGNALS = "signals"
# The state-refresh job runs rounds back to back for at most this long while instances remain
# due, so a backlog (a restart at 10,000 instances) clears without waiting for the next tick.
REFRESH_BUDGET = timedelta(seconds=20)
# A job due this soon runs at this tick rather than the next (instances/tasks.py ticks each
# second): otherwise a job due every N seconds would run every N + 1.
EARLY = timedelta(seconds=0.5)
# Heartbeat names (core.models.Heartbeat): the worker's own, and the last good sync's.
WORKER_HEARTBEAT, SYNC_HEARTBEAT = "worker", "sync"


@dataclass(frozen=True)
class Outcome:
    """What one run did, in words for the log line; `error` when it failed."""

    summary: str
    error: str = ""
    retry_after: float | None = None  # seconds Green API asked to wait (a 429)
    idle: bool = False  # nothing to do: logged at debug level only


@dataclass(frozen=True)
class JobSpec:
    name: str
    run: Callable[[], Outcome]
    period_setting: str  # the setting that holds its period, in seconds
    lease: timedelta  # a run still going after this long is taken for dead

    @property
    def every(self) -> timedelta:
        return timedelta(seconds=float(getattr(settings, self.period_setting)))


def _sync() -> Outcome:
    result = instances_sync()
    if not result.ran:
        return Outcome("another sync was running (a command or seed); nothing to do", idle=True)
    if result.error:
        return Outcome("failed", error=result.error, retry_after=result.retry_after)
    summary = (
        f"{result.created} new, {result.updated} updated, "
        f"{result.missing} missing from this answer (kept), {result.vanished} marked deleted"
    )
    heartbeat_beat(SYNC_HEARTBEAT, summary)
    return Outcome(summary)


def _settle() -> Outcome:
    result = orders_settle_pending()
    if not result.waiting:
        return Outcome("no order waits for Green API", idle=True)
    summary = f"{result.closed} of {result.waiting} waiting orders settled"
    return Outcome(summary, error=result.error, retry_after=result.retry_after)


def _expire() -> Outcome:
    result = data_expire()
    return Outcome(
        f"deleted {result.links} ended customer links, {result.sessions} expired sessions, "
        f"{result.attempt_counters} lapsed attempt counters, "
        f"{result.login_failures} old login failures",
        idle=not result.total,
    )


def _refresh() -> Outcome:
    """Rounds of state checks (services/state_refresh.py) while a full batch was due.

    Green API's failures are the round's to handle: it pauses the checks as a whole and says so.
    """
    ends = time.monotonic() + REFRESH_BUDGET.total_seconds()
    rounds: list[RefreshResult] = []
    while True:
        result = states_refresh_due()
        rounds.append(result)
        handled = result.checked + result.failed + result.rate_limited + result.skipped
        if result.pause or handled < settings.STATE_REFRESH_BATCH or time.monotonic() > ends:
            break
    total = RefreshResult(
        checked=sum(r.checked for r in rounds),
        changed=sum(r.changed for r in rounds),
        failed=sum(r.failed for r in rounds),
        rate_limited=sum(r.rate_limited for r in rounds),
        skipped=sum(r.skipped for r in rounds),
        pause=rounds[-1].pause,
    )
    asked = total.checked + total.failed + total.rate_limited
    return Outcome(f"{len(rounds)} round(s): {total}", idle=not asked)


def _signals() -> Outcome:
    result = signals_check_due()
    summary = f"{result.checked} linked instances checked, {result.failed} not answered"
    if result.rate_limited:
        return Outcome(summary, error="Green API asked to slow down", retry_after=60)
    return Outcome(summary, idle=not (result.checked or result.failed))


JOBS: dict[str, JobSpec] = {
    spec.name: spec
    for spec in (
        JobSpec(SYNC, _sync, "INSTANCE_SYNC_PERIOD", lease=STALE_LOCK),
        JobSpec(SETTLE, _settle, "ORDER_SETTLE_PERIOD", lease=timedelta(minutes=2)),
        JobSpec(EXPIRE, _expire, "DATA_EXPIRE_PERIOD", lease=timedelta(minutes=10)),
        # Rounds may overlap safely (each claims its instances), so a dead run holds little up.
        JobSpec(REFRESH, _refresh, "STATE_REFRESH_PERIOD", lease=timedelta(minutes=1)),
        JobSpec(SIGNALS, _signals, "SIGNALS_CHECK_PERIOD", lease=timedelta(minutes=5)),
    )
}


def job_run(name: str, *, force: bool = False) -> Outcome | None:
    """Run the job if it is due (or `force`) and not running; None when it did not run."""
    spec = JOBS[name]
    lease = job_claim(name, lease=spec.lease, force=force, early=EARLY)
    if lease is None:
        return None
    started = time.monotonic()
    try:
        outcome = spec.run()
    except Exception as exc:
        # A bug or a database hiccup: say so, and let the job come round again after a pause.
        logger.exception("Job %s stopped with an internal error", name)
        outcome = Outcome("stopped", error=f"Internal error ({type(exc).__name__}).")
    retry_after = None if outcome.retry_after is None else timedelta(seconds=outcome.retry_after)
    job = job_finish(
        lease,
        every=spec.every,
        backoff_max=timedelta(seconds=settings.WORKER_BACKOFF_MAX),
        error=outcome.error,
        retry_after=retry_after,
    )
    took = time.monotonic() - started
    if job is None:
        logger.warning(
            "Job %s: %s in %.1f s, but its lease had run out", name, outcome.summary, took
        )
    elif outcome.error:
        logger.warning(
            "Job %s failed (%s in a row; next try in %.0f s): %s",
            name,
            job.failures,
            (job.due_at - job.finished_at).total_seconds() if job.due_at and job.finished_at else 0,
            outcome.error,
        )
    else:
        level = logging.DEBUG if outcome.idle else logging.INFO
        logger.log(level, "Job %s: %s in %.1f s", name, outcome.summary, took)
    return outcome


def jobs_recover() -> list[str]:
    """At a worker's start: free the jobs that a killed worker on this machine left running.

    A killed sync also left the sync's own lock (SyncState), taken after its lease began.
    """
    released = jobs_release_dead()
    for lease in released:
        logger.warning(
            "Job %s: released the lease of %s, a process that is gone", lease.name, lease.holder
        )
        if lease.name == SYNC:
            SyncState.objects.filter(pk=1, running_since__gte=lease.started_at).update(
                running_since=None
            )
    return [lease.name for lease in released]
