"""The real worker (`manage.py run_huey`, Redis queue) against the emulator, as processes.

A killed worker leaves nothing half-done and its successor carries on at once; a Redis restart
under a running worker stops it only while Redis is away. These need PostgreSQL: the worker is
another process and must see the test's database.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from core.models import Heartbeat, Job
from greenapi import CreateInstanceParams
from instances.greenapi_factory import partner_client
from instances.models import Instance, SyncState
from tests.support.parallel import postgres_only
from tests.support.processes import PATIENCE, Process, free_port
from tests.support.sandbox import SandboxControl

pytestmark = [
    postgres_only,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("greenapi_settings"),
]

MANAGE = str(Path(__file__).resolve().parents[2] / "manage.py")


@dataclass
class Redis:
    port: int
    directory: Path
    persistent: bool
    process: Process | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        argv = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        argv += ["--dir", str(self.directory), "--save", ""]
        argv += ["--appendonly", "yes" if self.persistent else "no"]
        self.process = Process(argv)
        self.process.wait_for_line("Ready to accept connections")

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            self.process = None


@pytest.fixture
def redis_server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Redis]:
    persistent = getattr(request, "param", True)
    server = Redis(port=free_port(), directory=tmp_path, persistent=persistent)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def start_worker(
    redis_server: Redis, sandbox_url: str, settings: Any
) -> Iterator[Callable[[], Process]]:
    settings.SANDBOX_RATE_LIMITS = False
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "partnerportal.settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": redis_server.url,
        "DJANGO_DEBUG": "true",
        "GREEN_API_SANDBOX": "true",
        "GREEN_API_PARTNER_URL": sandbox_url,
        "GREEN_API_PARTNER_TOKEN": settings.GREEN_API_PARTNER_TOKEN,
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "INSTANCE_SYNC_PERIOD": "2",
        "LOG_LEVEL": "DEBUG",
        "PYTHONUNBUFFERED": "1",
    }
    workers: list[Process] = []

    def start() -> Process:
        worker = Process([sys.executable, MANAGE, "run_huey"], env=env)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


def create_remote(name: str) -> int:
    return partner_client().create_instance(CreateInstanceParams(name=name)).id_instance


def mirrored(ids: set[int]) -> Callable[[], bool]:
    return lambda: set(Instance.objects.values_list("pk", flat=True)) == ids


def test_the_worker_keeps_the_mirror_and_the_states_true_with_no_page_view(
    start_worker: Callable[[], Process], sandbox: SandboxControl
) -> None:
    ids = {create_remote(f"Shop {n}") for n in range(3)}
    linked = min(ids)
    sandbox.set_state(linked, "authorized").raise_for_status()

    worker = start_worker()

    worker.wait_until(mirrored(ids), "mirror of the emulator's instances")
    worker.wait_until(
        lambda: (
            dict(Instance.objects.filter(state_source="poll").values_list("pk", "state"))
            == {pk: "authorized" if pk == linked else "notAuthorized" for pk in ids}
        ),
        "true states",
    )
    assert Heartbeat.objects.filter(name="worker").exists()
    assert Heartbeat.objects.filter(name="sync").exists()


def test_a_worker_killed_mid_sync_leaves_no_half_state_and_the_next_carries_on(
    start_worker: Callable[[], Process], sandbox: SandboxControl
) -> None:
    ids = {create_remote(f"Shop {n}") for n in range(3)}
    sandbox.add_fault("getInstances", "hang", seconds=8, times=1)
    first = start_worker()
    first.wait_for_line(r"Green API GET getInstances \(partner\)")

    first.stop(signal.SIGKILL)  # in the middle of the sync: getInstances has not answered

    job = Job.objects.get(name="sync")
    assert job.holder.split(":")[1] == str(first.popen.pid)
    assert job.lease_until is not None
    assert job.lease_until > timezone.now()  # the dead run still holds its lease ...
    assert SyncState.get().running_since is not None  # ... and the sync's lock
    assert not Instance.objects.exists()  # nothing half-written
    second = start_worker()
    second.wait_for_line(r"Job sync: released the lease of .*, a process that is gone")
    second.wait_until(mirrored(ids), "mirror after the restart")
    assert Instance.objects.count() == 3


@pytest.mark.parametrize(
    "redis_server", [True, False], ids=["persistent", "data lost"], indirect=True
)
def test_work_resumes_after_redis_restarts_under_the_worker(
    start_worker: Callable[[], Process], redis_server: Redis, sandbox: SandboxControl
) -> None:
    worker = start_worker()
    worker.wait_for_line(r"Job sync: 0 new")

    redis_server.stop()
    worker.wait_for_line(r"Error|ConnectionError|Connection refused")
    added = create_remote("Created while Redis was away")
    redis_server.start()
    restarted = timezone.now()

    # Persistent Redis keeps the schedule: the ticks go on. Without its data, huey's periodic
    # task schedules them again within a minute.
    timeout = PATIENCE if redis_server.persistent else 90.0
    worker.wait_until(mirrored({added}), "sync after Redis came back", timeout)
    worker.wait_until(
        lambda: Heartbeat.objects.filter(name="worker", at__gt=restarted).exists(),
        "heartbeat after Redis came back",
    )
