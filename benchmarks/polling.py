"""Onboarding polling at scale: 500 open tabs, one per instance, each polling every 2 s.

The emulator runs as its own server (gunicorn, a temporary SQLite database, rate limits on), as
in state_refresh.py. The portal runs as in production: gunicorn with deploy/gunicorn.conf.py,
2 worker processes, DEBUG off, a throwaway PostgreSQL database with persistent connections, and
Redis as the shared cache (a database number of its own, flushed first). 500 instances wait for
a phone (the emulator shows a QR code), and 500 simulated tabs, each a logged-in session, poll
their instance's status fragment as static/js/onboarding.js does: the next poll `data-poll`
seconds after the answer, and the QR image whenever the fragment names a new one.

Worker class: gthread (4 threads a process). A poll that finds its instance's shared answer stale
waits for Green API; with sync workers that wait blocks the whole process, and sync workers keep
no connection alive between a tab's polls.

Figures (goal <= 1 each): the p99 of every tab request ÷ 500 ms, and for qr and getStateInstance
the most calls a second one instance received (1 ÷ the shortest time between two calls to one
instance, from the emulator's control API).

Run on its own with `.venv/bin/python benchmarks/polling.py [--portal-root PATH] [--seconds N]`;
--portal-root serves another checkout's code (the "before" figures), the emulator stays this one.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests
from report import Figure  # benchmarks/report.py
from servers import (  # benchmarks/servers.py
    ADMIN_URL,
    REDIS_URL,
    free_port,
    inherited_environment,
    postgres_reachable,
    redis_reachable,
)
from servers import server_cpu_seconds as cpu_seconds
from state_refresh import PARTNER_TOKEN, control, emulator

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TABS = 500
SECONDS = 40.0
WARM_UP = 6.0  # the first polls of every tab find nothing cached yet: not the steady state
P99_GOAL_MS = 500.0
WORKERS, THREADS = 2, 4
TIMEOUT = 20.0  # what onboarding.js waits for an answer
QR_VERSION = re.compile(r'qr\.png\?v=([0-9a-f]+)"')
POLL_AFTER = re.compile(r'data-poll="(\d+(?:\.\d+)?|stop)"')

# Runs in the portal's environment (its checkout, its database): mirror the emulator's
# instances for one reseller, and open one logged-in session per tab.
SETUP = """
import json
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.utils import timezone
from django.utils.module_loading import import_string
from accounts.models import Reseller, User
from accounts.sessions import LOGIN_AT, SEEN_AT
from instances.models import Instance
from instances.services.sync import instances_sync

print(instances_sync())
reseller = Reseller.objects.create(name="Bench", contact_email="bench@example.com")
Instance.objects.update(reseller=reseller)
user = User.objects.create_user(
    username="bench", email="bench@example.com", role=User.Role.RESELLER, reseller=reseller
)
store = import_module(settings.SESSION_ENGINE).SessionStore
backend = next(
    path for path in settings.AUTHENTICATION_BACKENDS if hasattr(import_string(path), "get_user")
)
now = timezone.now().timestamp()
keys = []
for _ in range(TABS):
    session = store()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = backend
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[LOGIN_AT] = session[SEEN_AT] = now
    session.create()
    keys.append(session.session_key)
ids = sorted(Instance.objects.values_list("pk", flat=True))
print("BENCH " + json.dumps({"cookie": settings.SESSION_COOKIE_NAME, "sessions": keys, "ids": ids}))
"""


@dataclass
class Cpu:
    """CPU seconds used during the tabs' run, by each side."""

    portal: float
    emulator: float
    generator: float


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Tally:
    """What the tabs saw, from the end of the warm-up on."""

    latencies: list[float] = field(default_factory=list)  # seconds, every tab request
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    sent: int = 0  # every request, the warm-up's too (for CPU per request)

    def count(self, status: int) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


@contextmanager
def throwaway_database() -> Iterator[str]:
    """A new PostgreSQL database for the portal; yields its URL, drops it afterwards."""
    import psycopg

    name = f"pp_poll_bench_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(ADMIN_URL)
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def reachable() -> str:
    """Why the bench cannot run here, or "" when PostgreSQL and Redis both answer."""
    if not postgres_reachable():
        return "PostgreSQL is unreachable"
    if not redis_reachable():
        return f"Redis is unreachable at BENCH_REDIS_URL ({REDIS_URL})"
    return ""


def portal_environment(workdir: Path, database_url: str, emulator_url: str, port: int) -> dict:
    """Production settings (DEBUG off), pointed at the emulator, the database and Redis."""
    from cryptography.fernet import Fernet

    return inherited_environment() | {
        "DJANGO_SETTINGS_MODULE": "partnerportal.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_HTTPS": "false",  # plain HTTP on loopback, as behind a TLS proxy
        "DJANGO_SECRET_KEY": "bench-" + secrets.token_hex(32),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "GREEN_API_SANDBOX": "false",
        "GREEN_API_PARTNER_TOKEN": PARTNER_TOKEN,
        "GREEN_API_PARTNER_URL": emulator_url,
        "GREEN_API_INSTANCE_URL": emulator_url,
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": "60",
        "CACHE_URL": REDIS_URL,
        "HUEY_SQLITE_PATH": str(workdir / "huey.sqlite3"),
        "LOG_LEVEL": "WARNING",
        "PORT": str(port),
        "WEB_CONCURRENCY": str(WORKERS),
        "GUNICORN_THREADS": str(THREADS),
        "PROMETHEUS_MULTIPROC_DIR": str(workdir / "metrics"),  # not the shared /dev/shm one
    }


def run_in_portal(root: Path, environment: dict, *args: str) -> str:
    done = subprocess.run(  # noqa: S603  (a fixed command line)
        [str(BIN / "python"), "manage.py", *args],
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(done.stderr[-3000:])
    return done.stdout


@contextmanager
def portal(root: Path, environment: dict, workdir: Path) -> Iterator[tuple[str, int]]:
    """The portal under gunicorn with the production config; yields its base URL and pid."""
    log = (workdir / "portal.log").open("wb")
    server = subprocess.Popen(  # noqa: S603  (a fixed command line)
        [
            str(BIN / "gunicorn"),
            "partnerportal.wsgi:application",
            "--config=deploy/gunicorn.conf.py",
        ],
        cwd=root,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{environment['PORT']}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((workdir / "portal.log").read_text()[-3000:])
            try:
                requests.get(f"{url}/healthz", timeout=5)
                break
            except requests.RequestException:
                time.sleep(0.1)
        yield url, server.pid
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def create_instances(emulator_url: str, count: int) -> None:
    url = f"{emulator_url}/partner/createInstance/{PARTNER_TOKEN}"

    def create(n: int) -> None:
        response = requests.post(url, json={"name": f"Bench {n}"}, timeout=30)
        response.raise_for_status()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(create, range(count)))


async def tab(
    http: object, base: str, cookie: str, id_instance: int, times: tuple[float, float]
) -> Tally:
    """One browser tab on the onboarding page: poll the status, fetch each new QR image."""
    import aiohttp

    assert isinstance(http, aiohttp.ClientSession)
    measured_from, stop = times
    tally = Tally()
    status_url = f"{base}/instances/{id_instance}/connect/status/"
    headers = {"HX-Request": "true", "Cookie": cookie}
    shown = ""
    await asyncio.sleep(random.uniform(0, 2))

    async def get(url: str) -> str:
        tally.sent += 1
        sent = time.monotonic()
        try:
            async with http.get(url, headers=headers, allow_redirects=False) as response:
                body = await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as error:
            if sent >= measured_from:
                tally.failures.append(type(error).__name__)
                tally.latencies.append(time.monotonic() - sent)
            return ""
        if sent >= measured_from:
            tally.latencies.append(time.monotonic() - sent)
            tally.count(status)
        return body.decode("utf-8", "replace")

    while time.monotonic() < stop:
        page = await get(status_url)
        version = QR_VERSION.search(page)
        if version and version.group(1) != shown:
            shown = version.group(1)
            await get(f"{base}/instances/{id_instance}/connect/qr.png?v={shown}")
        poll = POLL_AFTER.search(page)
        if poll and poll.group(1) == "stop":
            break
        await asyncio.sleep(float(poll.group(1)) if poll else 2.0)
    return tally


async def all_tabs(
    base: str, cookie_name: str, sessions: list[str], ids: list[int], seconds: float
):
    import aiohttp

    started = time.monotonic()
    times = (started + WARM_UP, started + seconds)
    timeout = aiohttp.ClientTimeout(total=TIMEOUT)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        tallies = await asyncio.gather(
            *(
                tab(http, base, f"{cookie_name}={session}", id_instance, times)
                for session, id_instance in zip(sessions, ids, strict=True)
            )
        )
    total = Tally()
    for tally in tallies:
        total.latencies += tally.latencies
        total.failures += tally.failures
        total.sent += tally.sent
        for status, number in tally.statuses.items():
            total.statuses[status] = total.statuses.get(status, 0) + number
    return total, time.monotonic() - times[0]


def bench_polling(portal_root: Path = ROOT, seconds: float = SECONDS) -> list[Figure]:
    """Polling figures for the portal code at `portal_root` (PostgreSQL and Redis needed)."""
    import json

    import redis

    why_not = reachable()
    if why_not:
        print(f"onboarding polling: skipped ({why_not})")
        return []
    redis.Redis.from_url(REDIS_URL).flushdb()
    workdir = Path(tempfile.mkdtemp(prefix="bench-polling-"))
    try:
        # One emulator process: each renders every QR code it serves once (a code rotates every
        # 20 s, 500 codes show), so a second process would draw each again, on the cores the
        # portal is measured on. Its state is in SQLite either way.
        with (
            emulator(workers=1) as (emulator_url, emulator_pid),
            throwaway_database() as database_url,
        ):
            environment = portal_environment(workdir, database_url, emulator_url, free_port())
            run_in_portal(portal_root, environment, "migrate", "--no-input")
            run_in_portal(portal_root, environment, "collectstatic", "--no-input")
            create_instances(emulator_url, TABS)
            setup = SETUP.replace("range(TABS)", f"range({TABS})")
            output = run_in_portal(portal_root, environment, "shell", "-c", setup)
            prepared = json.loads(output.split("BENCH ", 1)[1])
            with portal(portal_root, environment, workdir) as (base, portal_pid):
                control("DELETE", f"{emulator_url}/control/calls")
                load = os.getloadavg()[0]
                started = (cpu_seconds(portal_pid), cpu_seconds(emulator_pid), own_cpu())
                tally, measured = asyncio.run(
                    all_tabs(
                        base, prepared["cookie"], prepared["sessions"], prepared["ids"], seconds
                    )
                )
                ended = (cpu_seconds(portal_pid), cpu_seconds(emulator_pid), own_cpu())
                cpu = Cpu(*(end - start for start, end in zip(started, ended, strict=True)))
                load_after = os.getloadavg()[0]
                answer = control("GET", f"{emulator_url}/control/calls").json()
            if any(status >= 500 for status in tally.statuses):
                errors = (workdir / "portal.log").read_text(errors="replace")
                print("  the portal's log ends:\n" + errors[-3000:])
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return report(tally, measured, answer, (load, load_after), cpu, portal_root)


def report(
    tally: Tally,
    measured: float,
    answer: dict,
    loads: tuple[float, float],
    cpu: Cpu,
    portal_root: Path,
) -> list[Figure]:
    calls, gaps = answer["calls"], answer.get("shortestGaps", {})
    worst = p99(tally.latencies) * 1000 if tally.latencies else float("inf")
    requests_made = len(tally.latencies)
    print(
        f"onboarding polling ({portal_root}): {TABS} tabs every 2 s, {WORKERS} gthread workers x "
        f"{THREADS} threads; {requests_made:,} requests in the last {measured:.0f} s "
        f"({requests_made / measured:.0f}/s), statuses {tally.statuses}, "
        f"{len(tally.failures)} failed"
    )
    print(
        f"  latency: median {sorted(tally.latencies)[len(tally.latencies) // 2] * 1000:.0f} ms, "
        f"p99 {worst:.0f} ms, max {max(tally.latencies) * 1000:.0f} ms; load average "
        f"{loads[0]:.1f} before, {loads[1]:.1f} after, on {os.cpu_count()} cores"
    )
    print(
        f"  at the emulator over the whole run: qr {calls.get('qr', 0):,} calls, getStateInstance "
        f"{calls.get('getStateInstance', 0):,}; shortest gaps {gaps}"
    )
    # CPU over the whole run (warm-up included), against what was done in it.
    upstream = calls.get("qr", 0) + calls.get("getStateInstance", 0)
    asked, run = tally.sent, measured + WARM_UP
    print(
        f"  CPU: portal {cpu.portal:.1f} s ({cpu.portal / run:.2f} cores, "
        f"{cpu.portal / max(asked, 1) * 1000:.1f} ms a tab request), emulator {cpu.emulator:.1f} s "
        f"({cpu.emulator / run:.2f} cores, "
        f"{cpu.emulator / max(upstream, 1) * 1000:.1f} ms a call), "
        f"load generator {cpu.generator:.1f} s ({cpu.generator / run:.2f} cores); "
        f"sum {(cpu.portal + cpu.emulator + cpu.generator) / run:.2f} of {os.cpu_count()} cores"
    )
    # What the goal's load would need at these costs: every tab's poll each 2 s (with its QR
    # images), and the upstream calls a tab request made in this run.
    polls = TABS / 2
    portal_cores = cpu.portal / max(asked, 1) * polls
    emulator_cores = cpu.emulator / max(asked, 1) * polls
    print(
        f"  at {polls:.0f} polls/s these costs need portal {portal_cores:.2f} + emulator "
        f"{emulator_cores:.2f} = {portal_cores + emulator_cores:.2f} cores of {os.cpu_count()} "
        f"({upstream / max(asked, 1):.2f} upstream calls a tab request)"
    )
    refused = sum(n for status, n in tally.statuses.items() if status not in {200, 204})
    refused += len(tally.failures)
    # A request that failed is no fast answer, however quickly it failed.
    p99_ratio = worst / P99_GOAL_MS if not refused else float("inf")
    detail = f"{TABS} tabs" + (f"; {refused} requests failed" if refused else "")
    figures = [Figure("onboarding poll p99 ÷ 500 ms", p99_ratio, "<=", 1.0, detail)]
    for method in ("qr", "getStateInstance"):
        gap = gaps.get(method)
        rate = 1 / gap if gap else 0.0
        figures.append(
            Figure(
                f"{method} calls a second to one instance, at most",
                rate,
                "<=",
                1.0,
                "1 ÷ the shortest gap between two calls",
            )
        )
    for figure in figures:
        print(figure.line())
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--portal-root", type=Path, default=ROOT)
    parser.add_argument("--seconds", type=float, default=SECONDS)
    options = parser.parse_args()
    bench_polling(options.portal_root.resolve(), options.seconds)


if __name__ == "__main__":
    main()
