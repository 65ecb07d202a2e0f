"""The instance list at 100 and 100,000 instances, and its throughput, on PostgreSQL.

- Server time: every view of the list (default, each search, filter and sort, a deep page)
  for a staff user and a reseller user, in-process (Django's test client), on a mirror of 100
  and one of 100,000 instances in two throwaway databases (tests/support/mirror.py).
  The mirrors are realistic: names do not follow creation order (customers choose them), so
  a name search finds its matches spread through the newest-first order. One view is the hard
  case on purpose: "search batch" finds a batch named alike and made together, long ago.
  The reseller user's tenant holds at least a full page in the small mirror (about 60 of the
  100; about 7,000 of the 100,000), so both sizes render the same page.
  The two sizes are measured in alternating rounds, so machine noise hits both alike; each
  view's time is the fastest of the rounds (the least disturbed: on a shared 2-core machine
  a median still carries other processes' bursts; the median is printed too).
  Goal: 100,000 ÷ 100 ≤ 1.5 for every view, and the same number of queries.
- Throughput: gunicorn (2 sync workers, production settings) on a 10,000-instance mirror;
  requests/s of the list page ÷ the login page's, each under the same concurrent load.
  Goal ≥ 0.3.

Both run as a deployment does (docs/deploy.md): persistent database connections, and Redis
(BENCH_REDIS_URL, default redis://127.0.0.1:6379/13) as the cache that sessions are read from.

Needs PostgreSQL: BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres) is
the admin connection that creates and drops the databases; without it the bench is skipped.
Run on its own with `.venv/bin/python benchmarks/list_page.py` (`--views-only`: the server
times alone, without the throughput run), or as part of `make bench`.
The measuring runs in a child process with production-like settings (`--child`), so it works
unchanged against an older checkout (BENCH_ROOT) for before-and-after figures.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from report import Figure  # benchmarks/report.py
from servers import (  # benchmarks/servers.py
    ADMIN_URL,
    REDIS_URL,
    gunicorn,
    postgres_reachable,
    redis_reachable,
)
from webhook_ingest import server_environment

ROOT = Path(os.environ.get("BENCH_ROOT") or Path(__file__).resolve().parents[1])
BIN = Path(sys.executable).parent
SIZES = (100, 100_000)
THROUGHPUT_SIZE = 10_000
ROUNDS = 9  # the first is a warm-up and not counted
GOAL_RATIO, GOAL_THROUGHPUT = 1.5, 0.3
LOAD_SECONDS, LOAD_CLIENTS = 6.0, 4

# Each view by name: its query string, and who may see it. "{deep}" is a cursor (or page)
# nine tenths of the way down the default order, computed on each mirror.
VIEWS: dict[str, str] = {
    "default": "",
    # Each search finds rows in both mirrors (a search that finds nothing skips the page's
    # query): a name that is common at 100,000, an id prefix, and a phone number.
    "search name": "q=shop+7",
    # The hard case: a batch of instances made together long ago (2 % of the mirror, named
    # alike), so newest first the page walks past every newer row to find them.
    "search batch": "q=kiosk",
    "search id": "q=11010000",
    "search phone": "q={phone}",
    "state linked": "state=authorized",
    "state blocked": "state=blocked",
    "messenger telegram": "messenger=telegram",
    "reseller": "reseller={reseller}",
    "unassigned": "reseller=unassigned",
    "show deleted": "show=deleted",
    "show all": "show=all",
    "expired": "expired=yes",
    "sort oldest": "sort=created",
    "sort name": "sort=name",
    "sort -name": "sort=-name",
    "sort state": "sort=state",
    "sort -state": "sort=-state",
    "sort -changed": "sort=-changed",
    "sort changed": "sort=changed",
    "deep page": "{deep}",
}
STAFF_ONLY = {"reseller", "unassigned"}


# The child: measures in-process, on databases the parent made.

# What every measuring child starts with (this one and cockpit_pages.py's): Django set up, the
# plan from the parent, and `use` to move between the throwaway databases.
CHILD_PRELUDE = r"""
import json, os, statistics, sys, time
import django
django.setup()
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Reseller, User
from instances.models import Instance, SyncState
from tests.support.mirror import fill_mirror

plan = json.loads(sys.argv[1])
databases, rounds = plan["databases"], plan["rounds"]


def use(name):
    connection.close()
    connection.settings_dict["NAME"] = name
"""

CHILD = (
    CHILD_PRELUDE
    + r"""
views = plan["views"]


def deep_query(persona):
    # Nine tenths down the default order: a cursor where the list pages by cursor, else a
    # page number (the code before keyset paging).
    rows = Instance.objects.filter(deleted=False)
    if persona.reseller_id:
        rows = rows.filter(reseller_id=persona.reseller_id)
    try:
        from instances.list_paging import Cursor, sort_key
    except ImportError:
        return "page=%d" % max(1, int(rows.count() * 0.9) // 50)
    key, _descending = sort_key("-created")
    ordered = rows.annotate(sort_key=key).order_by(key.desc(), "-id_instance")
    row = ordered[int(rows.count() * 0.9)]
    return "after=" + Cursor(row.sort_key, row.id_instance).encode()


# Production settings serve hashed static files: the pages need the manifest.
call_command("collectstatic", interactive=False, verbosity=0)
personas = {}
for name, size in databases.items():
    use(name)
    call_command("migrate", verbosity=0)
    resellers = [Reseller.objects.create(name=f"Reseller {n}") for n in range(10)]
    staff = User.objects.create_user("bench-staff", password="bench-pass-1", role="admin")
    own = User.objects.create_user(
        "bench-reseller", password="bench-pass-1", role="reseller", reseller=resellers[0]
    )
    SyncState.objects.update_or_create(pk=1, defaults={"last_success_at": timezone.now()})
    # Like with like: the reseller user's tenant holds at least a page in the small mirror
    # too (seven in ten instances there, seven in a hundred in the large one); with the even
    # spread it would hold seven rows, and a page of seven is not the page being compared.
    shares = [resellers[0].pk] * (60 if size < 1000 else 1) + [r.pk for r in resellers[1:]]
    fill_mirror(size, resellers=shares, batch=max(size // 50, 10))  # VACUUM ANALYZE too
    clients = {}
    for persona in (staff, own):
        client = Client()
        client.force_login(persona)
        client.get("/instances/")  # the first request of a session stamps it
        # A phone this user sees: a search that finds nothing skips the page's query.
        mine = Instance.objects.visible_to(persona).filter(deleted=False).exclude(phone="")
        phone = mine.order_by("pk").values_list("phone", flat=True)[0]
        extra = {"reseller": str(resellers[1].pk), "deep": deep_query(persona)}
        extra["phone"] = "%2B" + phone
        clients[persona.username] = (client, extra)
    personas[name] = clients

class SqlClock:
    # Time spent in the database (and the driver) during one request, to the microsecond.
    def __init__(self):
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started


import re
ROW_LINK = re.compile(rb'href="/instances/(\d+)/"')
times, sql_times, queries, rows = {}, {}, {}, {}
for round_ in range(rounds):
    for name in databases:
        use(name)
        for who, (client, extra) in personas[name].items():
            for view, query in views.items():
                if who == "bench-reseller" and view in STAFF_ONLY:
                    continue
                url = "/instances/?" + query.format(**extra)
                clock = SqlClock()
                with CaptureQueriesContext(connection) as captured, \
                        connection.execute_wrapper(clock):
                    started = time.perf_counter()
                    response = client.get(url)
                    elapsed = time.perf_counter() - started
                assert response.status_code == 200, (url, response.status_code)
                key = f"{who}|{view}|{name}"
                if round_:
                    times.setdefault(key, []).append(elapsed)
                    sql_times.setdefault(key, []).append(clock.seconds)
                queries[key] = len(captured.captured_queries)
                rows[key] = len(set(ROW_LINK.findall(response.content)))  # instances shown
print("RESULT " + json.dumps({"times": {k: min(v) for k, v in times.items()},
                              "rows": rows,
                              "medians": {k: statistics.median(v) for k, v in times.items()},
                              "sql": {k: min(v) for k, v in sql_times.items()},
                              "queries": queries}))
""".replace("STAFF_ONLY", repr(STAFF_ONLY))
)

SESSION = r"""
import sys
import django
django.setup()
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from accounts.models import Reseller, User
from instances.models import SyncState
from tests.support.mirror import fill_mirror

call_command("migrate", verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
resellers = [Reseller.objects.create(name=f"Reseller {n}") for n in range(10)]
staff = User.objects.create_user("bench-staff", password="bench-pass-1", role="admin")
SyncState.objects.update_or_create(pk=1, defaults={"last_success_at": timezone.now()})
fill_mirror(int(sys.argv[1]), resellers=[r.pk for r in resellers])
client = Client()
client.force_login(staff)
client.get("/instances/")
print("SESSION " + client.cookies["sessionid"].value)
"""


@contextmanager
def throwaway_databases(count: int) -> Iterator[list[str]]:
    """`count` new empty databases with unique names, dropped afterwards."""
    import psycopg

    names = [f"pp_list_bench_{os.getpid()}_{n}" for n in range(count)]
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        for name in names:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            admin.execute(f"CREATE DATABASE {name}")
    try:
        yield names
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            for name in names:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def database_url(name: str) -> str:
    return urlunsplit(urlsplit(ADMIN_URL)._replace(path=f"/{name}"))


def child_environment(name: str, workdir: Path) -> dict[str, str]:
    environment = server_environment(database_url(name), workdir)
    # What the code ships with: persistent connections are its default now (issue 10).
    environment.pop("DATABASE_CONN_MAX_AGE", None)
    # A deployment's shared cache (docs/deploy.md), which sessions are read from; without
    # Redis here, the per-process default, and sessions from the database alone.
    if redis_reachable():
        environment["CACHE_URL"] = REDIS_URL
    # The test client's host, next to gunicorn's; same secret and keys as the server.
    return environment | {"DJANGO_ALLOWED_HOSTS": "127.0.0.1,testserver"}


def run_child(code: str, args: list[str], environment: dict[str, str], marker: str) -> str:
    result = subprocess.run(  # noqa: S603  (our own interpreter, our own code)
        [str(BIN / "python"), "-c", code, *args],
        cwd=ROOT,
        env=environment | {"PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    for line in result.stdout.splitlines():
        if line.startswith(marker + " "):
            return line.removeprefix(marker + " ")
    raise RuntimeError(f"list bench child failed:\n{result.stdout[-2000:]}{result.stderr[-4000:]}")


def measure_views(workdir: Path) -> dict[str, Any]:
    with throwaway_databases(len(SIZES)) as names:
        databases = dict(zip(names, SIZES, strict=True))
        plan = {"databases": databases, "views": VIEWS, "rounds": ROUNDS}
        environment = child_environment(names[0], workdir)
        result: dict[str, Any] = json.loads(
            run_child(CHILD, [json.dumps(plan)], environment, "RESULT")
        )
        result["sizes"] = {name: size for name, size in databases.items()}
        return result


def rows_shown(result: dict[str, Any], key: str, small: str, large: str) -> str:
    """Instances on the page at each size: a page of a few rows against a full one measures
    rendering more rows, not a bigger mirror (a search finds a few of 100, fifty of 100,000)."""
    shown = result.get("rows", {})
    if f"{key}|{small}" not in shown:
        return ""  # an older checkout's child (BENCH_ROOT)
    return f"; rows {shown[f'{key}|{small}']} / {shown[f'{key}|{large}']}"


def view_figures(result: dict[str, Any]) -> list[Figure]:
    small, large = (name for name, _ in sorted(result["sizes"].items(), key=lambda kv: kv[1]))
    times, medians, queries = result["times"], result["medians"], result["queries"]
    ratios: list[tuple[float, str]] = []
    unequal = []
    for key in sorted({key.rsplit("|", 1)[0] for key in times}):
        t_small, t_large = times[f"{key}|{small}"], times[f"{key}|{large}"]
        q_small, q_large = queries[f"{key}|{small}"], queries[f"{key}|{large}"]
        ratio = t_large / t_small
        who, view = key.split("|")
        median_ratio = medians[f"{key}|{large}"] / medians[f"{key}|{small}"]
        # The database's share (fastest round): what an index or a plan can change.
        sql_small, sql_large = result["sql"][f"{key}|{small}"], result["sql"][f"{key}|{large}"]
        print(
            f"  list {who.removeprefix('bench-'):8} {view:18} {t_small * 1000:6.1f} ms at "
            f"{SIZES[0]:,}, {t_large * 1000:6.1f} ms at {SIZES[1]:,} "
            f"({(t_large - t_small) * 1000:+5.1f} ms): ratio {ratio:.2f} "
            f"(of medians {median_ratio:.2f}); queries {q_small} / {q_large}; "
            f"SQL {sql_small * 1000:.1f} / {sql_large * 1000:.1f} ms"
            f"{rows_shown(result, key, small, large)}"
        )
        ratios.append((ratio, f"{who.removeprefix('bench-')} {view}"))
        if q_small != q_large:
            unequal.append(key)
    ratios.sort(reverse=True)
    worst, runner_up = ratios[0], ratios[1]
    figures = [
        Figure(
            f"list page time {SIZES[1]:,} ÷ {SIZES[0]:,}, worst view",
            worst[0],
            "<=",
            GOAL_RATIO,
            f"{worst[1]}; next {runner_up[1]} {runner_up[0]:.2f}; fastest of {ROUNDS - 1} "
            "alternating rounds, PostgreSQL",
        ),
        Figure(
            "list views with unequal query counts",
            float(len(unequal)),
            "<=",
            0,
            ", ".join(unequal) or f"every view the same at {SIZES[0]:,} and {SIZES[1]:,}",
        ),
    ]
    for figure in figures:
        print(figure.line())
    return figures


# Throughput: gunicorn, two sync workers, list page against login page.


def login_answers(port: int) -> bool:
    return answered(port, "/login/", {})


def answered(port: int, path: str, headers: dict[str, str]) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", path, headers=headers)
        return connection.getresponse().status == 200
    except OSError:
        return False


def requests_per_second(port: int, path: str, headers: dict[str, str]) -> float:
    """Requests a second from LOAD_CLIENTS threads, each one request at a time, new connection
    each (sync workers close the connection after each answer)."""
    done, stop = [0] * LOAD_CLIENTS, threading.Event()
    failures: list[int] = []

    def run(slot: int) -> None:
        while not stop.is_set():
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            connection.close()
            if response.status != 200:
                failures.append(response.status)
            done[slot] += 1

    threads = [threading.Thread(target=run, args=(slot,)) for slot in range(LOAD_CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    stop.wait(LOAD_SECONDS)
    stop.set()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"{path}: answers {sorted(set(failures))}")
    return sum(done) / (time.perf_counter() - started)


def measure_throughput(workdir: Path) -> tuple[float, float, float]:
    with throwaway_databases(1) as (name,):
        environment = child_environment(name, workdir)
        session = run_child(SESSION, [str(THROUGHPUT_SIZE)], environment, "SESSION")
        options = ["--workers=2", "--worker-class=sync"]
        with gunicorn(environment, workdir, options, login_answers, root=ROOT) as (port, _server):
            headers = {"Cookie": f"sessionid={session}"}
            if not answered(port, "/instances/", headers):
                raise RuntimeError("the list page did not answer 200 with the bench session")
            # Warm both pages in both workers, then measure each under the same load.
            requests_per_second(port, "/instances/", headers)
            login = requests_per_second(port, "/login/", {})
            listing = requests_per_second(port, "/instances/", headers)
            # For scale, not a goal: the lightest logged-in page (the layout, a form and two
            # small queries), so the list's figure can be read against what any page costs.
            account = requests_per_second(port, "/account/", headers)
        return listing, login, account


def bench_list_page(*, throughput: bool = True) -> list[Figure]:
    if not postgres_reachable():
        print("list page: PostgreSQL is not reachable at BENCH_POSTGRES_URL; skipped")
        return []
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-list-") as tmp:
        workdir = Path(tmp)
        started = time.perf_counter()
        figures = view_figures(measure_views(workdir))
        views_seconds = time.perf_counter() - started
        if not throughput:
            return figures
        listing, login, account = measure_throughput(workdir)
    ratio = listing / login
    print(
        f"list page throughput, gunicorn 2 sync workers, {THROUGHPUT_SIZE:,} instances, "
        f"{LOAD_CLIENTS} clients: list {listing:.0f} requests/s, login {login:.0f} requests/s; "
        f"for scale, the account page {account:.0f} requests/s ({account / login:.2f} of "
        "login's); "
        f"sessions {'in Redis (cached_db)' if redis_reachable() else 'in the database'}; "
        f"load average {load:.1f} on {os.cpu_count()} CPUs when the run began; views took "
        f"{views_seconds:.0f} s"
    )
    figure = Figure(
        "list page requests/s ÷ login page's",
        ratio,
        ">=",
        GOAL_THROUGHPUT,
        f"{listing:.0f} vs {login:.0f} requests/s at {THROUGHPUT_SIZE:,} instances",
    )
    print(figure.line())
    return [*figures, figure]


def main() -> None:
    bench_list_page(throughput="--views-only" not in sys.argv[1:])


if __name__ == "__main__":
    main()
