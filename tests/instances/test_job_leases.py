"""Job leases (core/jobs.py): one run at a time, dead runs expire, failures back off."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from core.jobs import (
    Lease,
    backoff,
    heartbeat_age,
    heartbeat_beat,
    job_claim,
    job_finish,
    jobs_due,
    jobs_release_dead,
)
from core.models import Heartbeat, Job
from tests.support.parallel import postgres_only

pytestmark = pytest.mark.django_db

LEASE = timedelta(minutes=5)
MINUTE = timedelta(minutes=1)
MAX = timedelta(minutes=10)


def claim(name: str = "sync", **options: object) -> Lease | None:
    return job_claim(name, lease=LEASE, **options)  # type: ignore[arg-type]  # the test's options are the real ones


def test_a_job_runs_once_while_its_lease_is_held() -> None:
    first = claim()

    assert first is not None
    assert claim() is None
    assert claim(force=True) is None  # "run it now" still waits for the running one
    assert claim("settle") is not None  # other jobs are not held up


def test_a_finished_job_is_due_one_period_after_it_began() -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        lease = claim()
        assert lease is not None
        clock.shift(timedelta(seconds=7))
        job = job_finish(lease, every=MINUTE, backoff_max=MAX)

        assert job is not None
        assert job.due_at == lease.started_at + MINUTE
        assert (job.holder, job.lease_until, job.failures) == ("", None, 0)
        assert claim() is None  # not due yet
        assert claim(force=True) is not None  # by hand it runs anyway
        clock.shift(MINUTE)


def test_a_due_job_runs_at_the_next_claim() -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        lease = claim()
        assert lease is not None
        job_finish(lease, every=MINUTE, backoff_max=MAX)
        clock.shift(MINUTE - timedelta(milliseconds=400))

        assert claim() is None
        assert claim(early=timedelta(milliseconds=500)) is not None


def test_a_killed_run_keeps_its_lease_only_until_the_lease_runs_out() -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        dead = claim()  # its process dies: job_finish never comes
        assert dead is not None
        clock.shift(LEASE - timedelta(seconds=1))
        assert claim() is None
        clock.shift(timedelta(seconds=1))

        taken = claim()

        assert taken is not None
        assert taken.holder != dead.holder


def test_a_run_whose_lease_ran_out_leaves_the_schedule_to_the_run_that_took_over() -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        slow = claim()
        assert slow is not None
        clock.shift(LEASE)
        taker = claim()
        assert taker is not None

        assert job_finish(slow, every=MINUTE, backoff_max=MAX, error="late") is None

        job = Job.objects.get(name="sync")
        assert (job.holder, job.failures, job.last_error) == (taker.holder, 0, "")


def test_failures_in_a_row_back_off_doubling_up_to_the_maximum() -> None:
    waits = []
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(6):
            lease = claim(force=True)
            assert lease is not None
            job = job_finish(lease, every=MINUTE, backoff_max=MAX, error="Green API is down")
            assert job is not None
            assert job.due_at is not None
            waits.append((job.due_at - timezone.now()).total_seconds())
            clock.shift(timedelta(seconds=1))

    assert waits == [60, 120, 240, 480, 600, 600]
    assert Job.objects.get(name="sync").failures == 6


def test_a_success_ends_the_back_off() -> None:
    for error in ("down", "down", ""):
        lease = claim(force=True)
        assert lease is not None
        job = job_finish(lease, every=MINUTE, backoff_max=MAX, error=error)

    assert job is not None
    assert (job.failures, job.last_error) == (0, "")
    assert job.due_at == lease.started_at + MINUTE


def test_a_retry_after_longer_than_the_back_off_wins() -> None:
    lease = claim()
    assert lease is not None

    job = job_finish(
        lease, every=MINUTE, backoff_max=MAX, error="429", retry_after=timedelta(minutes=3)
    )

    assert job is not None
    assert job.due_at is not None
    assert job.finished_at is not None
    assert job.due_at - job.finished_at == timedelta(minutes=3)


def test_short_periods_back_off_from_five_seconds() -> None:
    assert backoff(timedelta(seconds=1), 1, MAX) == timedelta(seconds=5)
    assert backoff(timedelta(seconds=1), 3, MAX) == timedelta(seconds=20)
    assert backoff(MINUTE, 10_000, MAX) == MAX  # no overflow however long the outage


def test_jobs_due_lists_those_not_running_and_not_waiting() -> None:
    running = claim("sync")
    assert running is not None
    waiting = claim("settle")
    assert waiting is not None
    job_finish(waiting, every=MINUTE, backoff_max=MAX)

    assert jobs_due(["sync", "settle", "expire"]) == ["expire"]  # expire never ran: due


def test_the_heartbeat_is_written_at_most_once_per_interval() -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        heartbeat_beat("worker", "host pid 1")
        first = Heartbeat.objects.get(name="worker").at
        clock.shift(timedelta(seconds=3))
        heartbeat_beat("worker", "host pid 1", every=timedelta(seconds=5))
        assert Heartbeat.objects.get(name="worker").at == first
        clock.shift(timedelta(seconds=3))
        heartbeat_beat("worker", "host pid 1", every=timedelta(seconds=5))

        assert Heartbeat.objects.get(name="worker").at == timezone.now()
        assert heartbeat_age("worker") == timedelta(0)
        assert heartbeat_age("nothing") is None


def _dead_pid() -> int:
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(child.stdout)


def _hold(name: str, pid: int) -> None:
    lease = claim(name)
    assert lease is not None
    host = lease.holder.split(":")[0]
    Job.objects.filter(name=name).update(holder=f"{host}:{pid}:abcdef")


def test_a_restarted_worker_frees_the_leases_of_dead_processes_on_its_machine() -> None:
    _hold("sync", _dead_pid())
    _hold("settle", os.getpid())  # a new process given its dead predecessor's pid
    _hold("expire", os.getppid())  # a live process: its run goes on
    claim("refresh")
    Job.objects.filter(name="refresh").update(holder="other-host:1:abcdef")

    released = jobs_release_dead()

    assert sorted(lease.name for lease in released) == ["settle", "sync"]
    assert claim("sync", force=True) is not None
    assert claim("expire", force=True) is None
    assert claim("refresh", force=True) is None  # another machine's: only its lease ends it


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_twenty_workers_claiming_at_once_start_one_run() -> None:
    Job.objects.create(name="sync")
    barrier = threading.Barrier(20)
    leases: list[Lease | None] = []

    def worker() -> None:
        try:
            barrier.wait()
            leases.append(claim())
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len([lease for lease in leases if lease is not None]) == 1
