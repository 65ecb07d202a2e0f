"""State refresh at scale: one round over 1,000 instances against an emulator that answers
every getStateInstance after 100 ms, timed against the ideal N x latency / concurrency.

The emulator runs as its own server, as Green API would: gunicorn (gthread) on a free port, with
its own temporary SQLite database, rate limits on (1 getStateInstance a second per instance),
and a `hang` fault of 0.1 s on getStateInstance, which sleeps and then answers normally
(docs/sandbox.md, "Faults"). The portal side is this process: the instances are created at the
emulator over HTTP, mirrored by the portal's own sync, then `states_refresh_due()` runs once with
STATE_REFRESH_CONCURRENCY calls in flight. Goal: ratio ≤ 1.3, every instance checked once, no 429.

Run on its own with `.venv/bin/python benchmarks/state_refresh.py`, or as part of `make bench`
(the portal's database is then the bench's throwaway test database).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from report import Figure  # benchmarks/report.py
from servers import gunicorn, inherited_environment, server_cpu_seconds  # benchmarks/servers.py

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
INSTANCES = 1_000
LATENCY = 0.1  # seconds the emulator takes for each getStateInstance
CONCURRENCY = 10  # STATE_REFRESH_CONCURRENCY's default
GOAL = 1.3
PARTNER_TOKEN = "gac." + "cd" * 16


def emulator_environment(workdir: Path) -> dict[str, str]:
    """Debug settings with the emulator on; nothing inherited that could point elsewhere."""
    return inherited_environment() | {
        "DJANGO_SETTINGS_MODULE": "partnerportal.settings",
        "DJANGO_DEBUG": "true",
        "DJANGO_SECRET_KEY": "bench-" + "e" * 60,
        "GREEN_API_SANDBOX": "true",
        "GREEN_API_PARTNER_TOKEN": PARTNER_TOKEN,
        "SANDBOX_CREATE_SECONDS": "0",
        "SANDBOX_RATE_LIMITS": "true",
        "DATABASE_URL": f"sqlite:///{workdir / 'emulator.sqlite3'}",
        "DATABASE_CONN_MAX_AGE": "60",  # as Green API would, it keeps its database connections
        "HUEY_SQLITE_PATH": str(workdir / "huey.sqlite3"),
        "LOG_LEVEL": "WARNING",
    }


@contextmanager
def emulator(workers: int = 2) -> Iterator[tuple[str, int]]:
    """A migrated emulator served by gunicorn; yields its base URL (…/sandbox) and its pid."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-refresh-"))
    environment = emulator_environment(workdir)
    subprocess.run(  # noqa: S603  (a fixed command line)
        [str(BIN / "python"), "manage.py", "migrate", "--no-input"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        timeout=300,
        check=True,
    )
    options = [
        f"--workers={workers}",
        "--worker-class=gthread",
        f"--threads={CONCURRENCY * 2}",
        "--keep-alive=30",
    ]
    try:
        with gunicorn(environment, workdir, options, emulator_answers) as (port, server):
            yield f"http://127.0.0.1:{port}/sandbox", server.pid
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def control(method: str, url: str, **kwargs: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {PARTNER_TOKEN}"}
    response = requests.request(method, url, headers=headers, timeout=30, **kwargs)
    response.raise_for_status()
    return response


def emulator_answers(port: int) -> bool:
    try:
        control("GET", f"http://127.0.0.1:{port}/sandbox/control/faults")
    except requests.RequestException:
        return False
    return True


def bench_state_refresh() -> list[Figure]:
    """The round's time ÷ the ideal (Django must be set up, on a throwaway database)."""
    from django.conf import settings

    from greenapi import CreateInstanceParams
    from instances.greenapi_factory import close_session, partner_client
    from instances.models import Instance
    from instances.services.state_refresh import states_refresh_due
    from instances.services.sync import instances_sync

    with emulator() as (url, server_pid):
        settings.GREEN_API_PARTNER_URL = url
        settings.GREEN_API_PARTNER_TOKEN = PARTNER_TOKEN
        settings.GREEN_API_SANDBOX = True
        settings.STATE_REFRESH_CONCURRENCY = CONCURRENCY

        def create(n: int) -> None:
            try:
                partner_client().create_instance(CreateInstanceParams(name=f"Bench {n}"))
            finally:
                close_session()

        Instance.objects.all().delete()
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(create, range(INSTANCES)))
        synced = instances_sync()
        assert synced.created == INSTANCES, synced
        control(
            "POST",
            f"{url}/control/faults",
            json={"method": "getStateInstance", "kind": "hang", "seconds": LATENCY},
        )
        control("DELETE", f"{url}/control/calls")

        load = os.getloadavg()[0]
        emulator_cpu, portal_cpu = server_cpu_seconds(server_pid), time.process_time()
        started = time.perf_counter()
        result = states_refresh_due(limit=INSTANCES)
        elapsed = time.perf_counter() - started
        emulator_cpu = server_cpu_seconds(server_pid) - emulator_cpu
        portal_cpu = time.process_time() - portal_cpu
        close_session()

        calls = control("GET", f"{url}/control/calls").json()["calls"].get("getStateInstance", 0)
        ideal = INSTANCES * LATENCY / CONCURRENCY
        print(
            f"state refresh of {INSTANCES:,} instances, {LATENCY * 1000:.0f} ms per call, "
            f"concurrency {CONCURRENCY}: {elapsed:.2f} s (ideal {ideal:.2f} s)"
        )
        print(
            f"  ratio to the ideal: {elapsed / ideal:.2f} (goal <= {GOAL}); {result}; "
            f"{calls:,} getStateInstance calls"
        )
        print(
            f"  CPU during the round: portal {portal_cpu:.1f} s, emulator {emulator_cpu:.1f} s, "
            f"on {os.cpu_count()} cores with a load average of {load:.1f} at the start"
        )
        assert result.checked == INSTANCES, result
        assert calls == INSTANCES, calls
        assert result.rate_limited == 0, result
        figure = Figure(
            "state refresh ÷ ideal",
            elapsed / ideal,
            "<=",
            GOAL,
            f"{INSTANCES:,} instances, {LATENCY * 1000:.0f} ms a call, concurrency {CONCURRENCY}",
        )
        print(figure.line())
        return [figure]


def main() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partnerportal.settings_test")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        bench_state_refresh()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
