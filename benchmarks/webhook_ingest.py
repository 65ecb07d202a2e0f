"""Webhook ingest on one gunicorn worker: events a second, each durable when it is answered.

Starts gunicorn (one worker process, gthread) on a free port with production settings (debug
off) against a fresh database: a new one on DATABASE_URL's PostgreSQL server, else a temporary
SQLite file. Client threads post stateInstanceChanged events over keep-alive connections, each
thread to its own instances with rising timestamps, so every event changes a state and writes
one timeline row. Then the worker is killed (SIGKILL) and the database must hold every answered
event. Goal: events/s ÷ 500 ≥ 1.

Run on its own with `.venv/bin/python benchmarks/webhook_ingest.py` (DATABASE_URL picks the
server), or as part of `make bench`.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from cryptography.fernet import Fernet
from report import Figure  # benchmarks/report.py
from servers import cpu_seconds, gunicorn, inherited_environment  # benchmarks/servers.py

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
GOAL = 500  # events a second
INSTANCES = 400
CLIENT_THREADS = 8
SERVER_THREADS = 8
WARM_UP = 400
EVENTS = 8_000
T0 = 1_900_000_000
BENCH_DB = "partnerportal_bench_webhooks"
PATH = "/webhooks/green-api/"


@dataclass
class Figures:
    database: str
    durability: str
    events: int
    seconds: float
    statuses: Counter[int]
    stored: int
    worker_cpu: float  # seconds of CPU the gunicorn worker used for the events
    load: float  # the machine's load average when the run began

    @property
    def rate(self) -> float:
        return self.events / self.seconds

    @property
    def capacity(self) -> float:
        """Events a second one worker could take if it had a CPU to itself."""
        return self.events / self.worker_cpu if self.worker_cpu else 0.0


def token(id_instance: int) -> str:
    return f"bench-hook-token-{id_instance}"


def server_environment(database_url: str, workdir: Path) -> dict[str, str]:
    """Production settings (debug off), nothing inherited that could point elsewhere."""
    return inherited_environment() | {
        "DJANGO_SETTINGS_MODULE": "partnerportal.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "bench-" + "s" * 60,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_HTTPS": "false",
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "GREEN_API_PARTNER_TOKEN": "gac." + "ab" * 16,
        "GREEN_API_SANDBOX": "false",
        "DATABASE_URL": database_url,
        # Persistent connections, as a production deployment runs (docs/deploy.md).
        "DATABASE_CONN_MAX_AGE": "60",
        "HUEY_SQLITE_PATH": str(workdir / "huey.sqlite3"),
        "LOG_LEVEL": "INFO",  # as production logs
    }


@contextmanager
def fresh_database(workdir: Path) -> Iterator[tuple[str, str, str]]:
    """A new empty database: (its URL, a name for the report, how commits are made durable)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{workdir / 'bench.sqlite3'}", "SQLite", "WAL, synchronous=NORMAL"
        return
    import psycopg

    parts = urlsplit(url)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {BENCH_DB}")
        commit = admin.execute("SHOW synchronous_commit").fetchone()
        fsync = admin.execute("SHOW fsync").fetchone()
    durability = (
        f"synchronous_commit={commit[0] if commit else '?'}, fsync={fsync[0] if fsync else '?'}"
    )
    try:
        yield urlunsplit(parts._replace(path=f"/{BENCH_DB}")), "PostgreSQL", durability
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")


def manage(environment: dict[str, str], *args: str) -> str:
    result = subprocess.run(  # noqa: S603  (our own interpreter and fixed arguments)
        [str(BIN / "python"), "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {args[0]} failed:\n{result.stderr[-3000:]}")
    return result.stdout


SEED = """
from core.crypto import token_digest
from instances.models import Instance
Instance.objects.bulk_create(
    Instance(
        id_instance=i,
        api_token="x" * 50,
        webhook_token_hash=token_digest(f"bench-hook-token-{{i}}"),
    )
    for i in range({first}, {first} + {count})
)
"""

COUNT = """
import json
from instances.models import StateChange
print(json.dumps(StateChange.objects.filter(source="webhook").count()))
"""


def answers(port: int) -> bool:
    """The webhook answers (401 for a call without a token)."""
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("POST", PATH, body=b"{}")
        return connection.getresponse().status == 401
    except OSError:
        return False


def post_events(port: int, plan: list[list[tuple[int, int, str]]]) -> Counter[int]:
    """Each thread posts its events in order over one keep-alive connection."""
    statuses: Counter[int] = Counter()
    lock = threading.Lock()

    def run(events: list[tuple[int, int, str]]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        seen: Counter[int] = Counter()
        for id_instance, timestamp, state in events:
            body = json.dumps(
                {
                    "typeWebhook": "stateInstanceChanged",
                    "instanceData": {
                        "idInstance": id_instance,
                        "wid": "",
                        "typeInstance": "whatsapp",
                    },
                    "timestamp": timestamp,
                    "stateInstance": state,
                }
            ).encode()
            headers = {
                "Authorization": f"Bearer {token(id_instance)}",
                "Content-Type": "application/json",
            }
            connection.request("POST", PATH, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            seen[response.status] += 1
        connection.close()
        with lock:
            statuses.update(seen)

    threads = [threading.Thread(target=run, args=(events,)) for events in plan]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def plan_events(first: int, count: int, start: int) -> list[list[tuple[int, int, str]]]:
    """`count` events over the instances, each thread its own; every event a change."""
    ids = [first + n for n in range(INSTANCES)]
    plan: list[list[tuple[int, int, str]]] = [[] for _ in range(CLIENT_THREADS)]
    for n in range(count):
        id_instance = ids[n % INSTANCES]
        round_ = start + n // INSTANCES  # the instance's nth event: a later second each time
        state = "authorized" if round_ % 2 == 0 else "notAuthorized"
        plan[id_instance % CLIENT_THREADS].append((id_instance, T0 + round_, state))
    return plan


def measure() -> Figures:
    first = 1101000000
    with (
        tempfile.TemporaryDirectory(prefix="bench-webhooks-") as tmp,
        fresh_database(Path(tmp)) as (database_url, database, durability),
    ):
        workdir = Path(tmp)
        environment = server_environment(database_url, workdir)
        manage(environment, "migrate", "--no-input", "-v", "0")
        manage(environment, "shell", "-v", "0", "-c", SEED.format(first=first, count=INSTANCES))
        options = ["--workers=1", "--worker-class=gthread", f"--threads={SERVER_THREADS}"]
        with gunicorn(environment, workdir, [*options, "--keep-alive=30"], answers) as (
            port,
            server,
        ):
            warm = post_events(port, plan_events(first, WARM_UP, start=0))
            worker = worker_pid(server.pid)
            load = os.getloadavg()[0]
            cpu_before, started = cpu_seconds(worker), time.perf_counter()
            statuses = post_events(port, plan_events(first, EVENTS, start=WARM_UP // INSTANCES))
            seconds = time.perf_counter() - started
            worker_cpu = cpu_seconds(worker) - cpu_before
            # Answered means stored: the worker dies now, and the database must hold them all.
            server.send_signal(signal.SIGKILL)
        stored = int(manage(environment, "shell", "-v", "0", "-c", COUNT).split()[-1])
        if warm != Counter({200: WARM_UP}):
            raise RuntimeError(f"warm-up answers: {dict(warm)}")
        return Figures(
            database, durability, EVENTS, seconds, statuses, stored - WARM_UP, worker_cpu, load
        )


def worker_pid(master: int) -> int:
    """The one worker process gunicorn's master started."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    if len(children) != 1:
        raise RuntimeError(f"gunicorn has {len(children)} workers, not one")
    return int(children[0])


def bench_webhook_ingest() -> list[Figure]:
    if shutil.which("gunicorn", path=str(BIN)) is None:
        print("webhook ingest: gunicorn is not installed in the virtualenv; skipped")
        return []
    figures = measure()
    answered = figures.statuses.get(200, 0)
    print(
        f"webhook ingest, one gunicorn worker ({SERVER_THREADS} threads), {figures.database} "
        f"({figures.durability}): {figures.events:,} events in {figures.seconds:.2f} s "
        f"= {figures.rate:.0f} events/s from {CLIENT_THREADS} keep-alive clients"
    )
    print(
        f"  ratio events/s ÷ {GOAL}: {figures.rate / GOAL:.2f} (goal ≥ 1.0); "
        f"answers {dict(figures.statuses)}; stored after the worker was killed: "
        f"{figures.stored:,} of {answered:,} answered"
    )
    print(
        f"  the worker's CPU: {figures.worker_cpu / figures.events * 1000:.2f} ms an event, so "
        f"{figures.capacity:.0f} events/s with a CPU of its own "
        f"(ratio {figures.capacity / GOAL:.2f}); load average {figures.load:.1f} on "
        f"{os.cpu_count()} CPUs when the run began"
    )
    if figures.stored != answered or answered != figures.events:
        raise SystemExit("webhook ingest: an answered event is missing from the database")
    figure = Figure(
        "webhook ingest events/s ÷ 500",
        figures.rate / GOAL,
        ">=",
        1.0,
        f"{figures.rate:.0f} events/s on one gunicorn worker, {figures.database}",
    )
    print(figure.line())
    return [figure]


if __name__ == "__main__":
    bench_webhook_ingest()
