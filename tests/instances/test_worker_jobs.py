"""The worker's jobs against the emulator: they sync, settle and check states on their own, and
Green API being down, slow, rate-limiting or garbled stops nothing, loses nothing, doubles nothing.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db.models import Count
from django.utils import timezone
from huey.exceptions import RetryTask

from core.jobs import job_claim
from core.models import Heartbeat, Job
from greenapi import CreateInstanceParams
from instances import tasks
from instances.greenapi_factory import partner_client
from instances.jobs import EXPIRE, REFRESH, SETTLE, SIGNALS, SYNC, job_run
from instances.models import CreateOrder, Instance, StateChange, SyncState
from instances.services import sync, sync_writes
from tests.support.sandbox import SandboxControl

pytestmark = pytest.mark.usefixtures("greenapi_settings")


def create_remote(name: str) -> int:
    return partner_client().create_instance(CreateInstanceParams(name=name)).id_instance


def job(name: str) -> Job:
    return Job.objects.get(name=name)


def no_duplicates() -> None:
    assert not Instance.objects.values("name").annotate(n=Count("pk")).filter(n__gt=1).exists()
    assert not (
        StateChange.objects.values("instance", "state", "previous_state")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .exists()
    )


def test_the_sync_job_mirrors_beats_and_says_what_it_did_in_one_line(
    sandbox: SandboxControl, caplog: pytest.LogCaptureFixture
) -> None:
    ids = {create_remote(f"Shop {n}") for n in range(3)}

    with caplog.at_level(logging.INFO, logger="instances"):
        outcome = job_run(SYNC)

    assert outcome is not None
    assert outcome.error == ""
    assert set(Instance.objects.values_list("pk", flat=True)) == ids
    assert Heartbeat.objects.get(name="sync").detail.startswith("3 new, 0 updated")
    lines = [record for record in caplog.records if record.name.startswith("instances")]
    assert [record.getMessage().split(" in ")[0] for record in lines] == [
        "Job sync: 3 new, 0 updated, 0 missing from this answer (kept), 0 marked deleted"
    ]
    assert job(SYNC).due_at == job(SYNC).started_at + timedelta(seconds=60)


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("http500", {}),  # down
        ("hang", {"seconds": 1.5}),  # slower than the deadline
        ("http429", {}),  # rate-limited, Retry-After: 1
        ("malformed", {}),  # a cut JSON body
    ],
)
def test_a_failing_sync_goes_on_backs_off_and_loses_or_doubles_nothing(
    sandbox: SandboxControl,
    settings: Any,
    caplog: pytest.LogCaptureFixture,
    kind: str,
    options: dict[str, Any],
) -> None:
    kept = {create_remote(f"Shop {n}") for n in range(3)}
    job_run(SYNC)
    sandbox.add_fault("getInstances", kind, **options)
    added_meanwhile = create_remote("Created during the outage")
    # Give up on a hung getInstances within a second, without retries.
    settings.GREEN_API_READ_TIMEOUT, settings.GREEN_API_DEADLINE = 0.5, 1.0
    settings.GREEN_API_GET_RETRIES = 0

    with time_machine.travel(timezone.now(), tick=False) as clock:
        waits = []
        for _ in range(3):
            clock.shift(timedelta(hours=1))  # due whatever the back-off
            with caplog.at_level(logging.WARNING, logger="instances"):
                outcome = job_run(SYNC)
            assert outcome is not None
            assert outcome.error
            row = job(SYNC)
            assert row.due_at is not None
            waits.append(row.due_at - timezone.now())
            # Nothing half-done: the mirror is as it was, the locks are free.
            assert set(Instance.objects.filter(deleted=False).values_list("pk", flat=True)) == kept
            assert SyncState.get().running_since is None
            assert row.holder == ""
        assert waits == [timedelta(seconds=s) for s in (60, 120, 240)]
        assert "Job sync failed (3 in a row; next try in 240 s)" in caplog.text

        sandbox.clear_faults()
        clock.shift(timedelta(seconds=239))
        assert job_run(SYNC) is None  # still backing off
        clock.shift(timedelta(seconds=1))
        outcome = job_run(SYNC)

    assert outcome is not None
    assert outcome.error == ""
    assert set(Instance.objects.values_list("pk", flat=True)) == kept | {added_meanwhile}
    assert job(SYNC).failures == 0
    assert SyncState.get().last_error == ""
    no_duplicates()


def test_a_sync_killed_mid_write_leaves_nothing_half_written(
    sandbox: SandboxControl, monkeypatch: pytest.MonkeyPatch
) -> None:
    known, *new = (create_remote(f"Shop {n}") for n in range(4))
    Instance.objects.create(id_instance=known, name="Name before the sync")

    class Killed(BaseException):
        """Stands for SIGKILL: no except clause of the job sees it, no cleanup runs."""

    def die(*args: Any, **kwargs: Any) -> None:
        raise Killed

    # The new rows are inserted, then the process dies before the known row is updated.
    monkeypatch.setattr(sync_writes, "update", die)
    monkeypatch.setattr(sync, "_release_lock", die)
    with pytest.raises(Killed):
        job_run(SYNC)
    monkeypatch.undo()

    assert list(Instance.objects.values_list("pk", "name")) == [(known, "Name before the sync")]
    assert job(SYNC).holder != ""  # the dead run's lease and lock are still held ...
    assert SyncState.get().running_since is not None
    assert job_run(SYNC, force=True) is None  # ... so nothing runs beside the "dead" one
    with time_machine.travel(timezone.now() + sync.STALE_LOCK + timedelta(seconds=1)):
        outcome = job_run(SYNC)  # ... until they run out

    assert outcome is not None
    assert outcome.summary.startswith("3 new, 1 updated")
    assert set(Instance.objects.values_list("pk", flat=True)) == {known, *new}
    assert Instance.objects.get(pk=known).name == "Shop 0"
    no_duplicates()


def test_a_bug_in_a_job_is_logged_and_the_job_comes_round_again(
    sandbox: SandboxControl, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> None:
        raise ZeroDivisionError

    monkeypatch.setattr("instances.jobs.instances_sync", broken)

    outcome = job_run(SYNC)

    assert outcome is not None
    assert outcome.error == "Internal error (ZeroDivisionError)."
    assert "Job sync stopped with an internal error" in caplog.text
    row = job(SYNC)
    assert (row.holder, row.failures) == ("", 1)


def test_settle_calls_nobody_while_no_order_waits(sandbox: SandboxControl) -> None:
    sandbox.reset_calls()

    outcome = job_run(SETTLE)

    assert outcome is not None
    assert outcome.idle
    assert sandbox.calls() == {}


def test_settle_closes_a_pending_order_once_when_green_api_is_back(
    sandbox: SandboxControl, admin: Any
) -> None:
    order = CreateOrder.objects.create(
        key=uuid.uuid4(), name="Lost answer", status=CreateOrder.Status.PENDING, requested_by=admin
    )
    created = create_remote("Lost answer")
    sandbox.add_fault("getInstances", "http502")

    failed = job_run(SETTLE)
    sandbox.clear_faults()
    with time_machine.travel(timezone.now() + timedelta(minutes=1)):
        settled = job_run(SETTLE)
        again = job_run(SETTLE, force=True)

    assert failed is not None
    assert failed.error
    assert settled is not None
    assert settled.summary == "1 of 1 waiting orders settled"
    assert again is not None
    assert again.idle
    order.refresh_from_db()
    assert (order.status, order.instance_id) == (CreateOrder.Status.DONE, created)
    assert Instance.objects.filter(name="Lost answer").count() == 1


def test_a_tick_beats_and_runs_what_is_due_and_nothing_else(
    sandbox: SandboxControl, settings: Any
) -> None:
    settings.SANDBOX_RATE_LIMITS = False
    ids = {create_remote(f"Shop {n}") for n in range(2)}
    sandbox.reset_calls()

    with time_machine.travel(timezone.now(), tick=False) as clock:
        tasks.tick.call_local()  # huey runs tasks where they are enqueued in tests
        first = sandbox.calls()
        clock.shift(timedelta(seconds=2))
        tasks.tick.call_local()
        second = sandbox.calls()

    assert Heartbeat.objects.filter(name="worker").exists()
    assert first["getInstances"] == 1
    assert first["getStateInstance"] == 2  # both new instances: urgent
    assert second == first  # nothing due two seconds later: no call
    assert set(Job.objects.values_list("name", flat=True)) == {
        SYNC,
        SETTLE,
        EXPIRE,
        REFRESH,
        SIGNALS,
    }
    assert set(Instance.objects.values_list("pk", flat=True)) == ids
    assert set(Instance.objects.values_list("state", flat=True)) == {"notAuthorized"}


def test_states_changed_at_green_api_reach_the_mirror_without_a_page_view(
    sandbox: SandboxControl, settings: Any
) -> None:
    settings.SANDBOX_RATE_LIMITS = False
    linked, logged_out, blocked, new = (create_remote(f"Shop {n}") for n in range(4))
    with time_machine.travel(timezone.now(), tick=False) as clock:
        tasks.tick.call_local()
        for id_instance in (linked, logged_out, blocked):
            sandbox.set_state(id_instance, "authorized").raise_for_status()
        clock.shift(timedelta(seconds=6))
        tasks.tick.call_local()
        sandbox.set_state(logged_out, "notAuthorized").raise_for_status()
        sandbox.set_state(blocked, "blocked").raise_for_status()
        clock.shift(timedelta(seconds=31))  # a state that just changed: checked within 30 s
        tasks.tick.call_local()

    states = dict(Instance.objects.values_list("pk", "state"))
    assert states == {
        linked: "authorized",
        logged_out: "notAuthorized",
        blocked: "blocked",
        new: "notAuthorized",
    }
    assert set(Instance.objects.values_list("state_source", flat=True)) == {"poll"}


def test_sync_now_does_nothing_when_a_sync_began_since_it_was_asked(
    sandbox: SandboxControl,
) -> None:
    before = tasks.sync_marker()
    job_run(SYNC)
    sandbox.reset_calls()

    tasks.sync_now.call_local(before, timezone.now().isoformat())

    assert sandbox.calls() == {}


def test_sync_now_waits_for_a_running_sync_then_runs_its_own(sandbox: SandboxControl) -> None:
    job_run(SYNC)
    running = job_claim(SYNC, lease=timedelta(minutes=5), force=True)  # began before the ask
    assert running is not None
    asked = tasks.sync_marker()

    with pytest.raises(RetryTask):
        tasks.sync_now.call_local(asked, timezone.now().isoformat())
    Job.objects.filter(name=SYNC).update(holder="", lease_until=None)
    tasks.sync_now.call_local(asked, timezone.now().isoformat())

    assert tasks.sync_began_since(asked)


def test_the_refresh_job_runs_rounds_back_to_back_while_full_batches_are_due(
    sandbox: SandboxControl, settings: Any
) -> None:
    settings.SANDBOX_RATE_LIMITS = False
    settings.STATE_REFRESH_BATCH = 2
    for n in range(5):
        create_remote(f"Shop {n}")
    job_run(SYNC)

    outcome = job_run(REFRESH)

    assert outcome is not None
    assert outcome.summary.startswith("3 round(s): 5 checked (5 changed)")
    assert not Instance.objects.filter(state="").exists()
