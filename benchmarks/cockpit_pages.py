"""The overview and the attention list at 100 and at 10,000 instances, on PostgreSQL.

Each page's server time for a staff user and a reseller user, in-process (Django's test client),
on a mirror of 100 and one of 10,000 instances (tests/support/mirror.py) with a state change
for every instance over the last 90 days, ten more in the year before, a logout behind one in
fifty of those waiting for a phone and a flapping one in a hundred, measured in alternating
rounds (the fastest of each is the figure, as in list_page.py), and the number of queries.
Goal: 10,000 ÷ 100 ≤ 1.5 for each page and the same number of queries at both sizes.

Needs PostgreSQL (BENCH_POSTGRES_URL); skipped without it. Standalone:
`.venv/bin/python benchmarks/cockpit_pages.py`.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from list_page import (
    CHILD_PRELUDE,
    child_environment,
    run_child,
    throwaway_databases,
)  # benchmarks/list_page.py
from report import Figure  # benchmarks/report.py
from servers import postgres_reachable  # benchmarks/servers.py

SIZES = (100, 10_000)
ROUNDS = 15  # the first is a warm-up; more rounds, more chances of an undisturbed one at each size
GOAL_RATIO = 1.5
PAGES = {"overview": "/instances/overview/?days=90", "attention": "/instances/attention/"}

CHILD = (
    CHILD_PRELUDE  # noqa: S608  (the child process's Python source, not a query)
    + r"""
pages = plan["pages"]

call_command("collectstatic", interactive=False, verbosity=0)
clients = {}
for name, size in databases.items():
    use(name)
    call_command("migrate", verbosity=0)
    resellers = [Reseller.objects.create(name=f"Reseller {n}") for n in range(10)]
    staff = User.objects.create_user("bench-staff", password="bench-pass-1", role="admin")
    own = User.objects.create_user(
        "bench-reseller", password="bench-pass-1", role="reseller", reseller=resellers[0]
    )
    fill_mirror(size, resellers=[r.pk for r in resellers])
    with connection.cursor() as cursor:
        # A change for every instance within 90 days; three in the last hour for one in 100.
        cursor.execute(
            "INSERT INTO instances_statechange (instance_id, state, previous_state, source, at) "
            "SELECT id_instance, 'authorized', 'notAuthorized', 'poll', "
            "now() - (mod(id_instance, 90) || ' days')::interval FROM instances_instance"
        )
        cursor.execute(
            "INSERT INTO instances_statechange (instance_id, state, previous_state, source, at) "
            "SELECT id_instance, 'authorized', 'notAuthorized', 'poll', "
            "now() - (k * 10 || ' minutes')::interval "
            "FROM instances_instance, generate_series(1, 3) AS k WHERE mod(id_instance, 100) = 7"
        )
        # And the year before: ten older changes an instance, which no page shows but the
        # history keeps (outside the overview's 90 days). One in fifty of the instances now
        # waiting for a phone got there by a logout, the attention list's "logged out".
        cursor.execute(
            "INSERT INTO instances_statechange (instance_id, state, previous_state, source, at) "
            "SELECT id_instance, 'authorized', 'notAuthorized', 'poll', "
            "now() - (90 + k * 25 || ' days')::interval "
            "FROM instances_instance, generate_series(1, 10) AS k"
        )
        cursor.execute(
            "INSERT INTO instances_statechange (instance_id, state, previous_state, source, at) "
            "SELECT id_instance, 'notAuthorized', 'authorized', 'webhook', state_changed_at "
            "FROM instances_instance WHERE state = 'notAuthorized' "
            "AND state_changed_at IS NOT NULL AND mod(id_instance, 50) = 3"
        )
        cursor.execute("ANALYZE")
    clients[name] = []
    for persona in (staff, own):
        client = Client()
        client.force_login(persona)
        clients[name].append((persona.username, client))

times, queries = {}, {}
for round_ in range(rounds):
    for name in databases:
        use(name)
        for who, client in clients[name]:
            for page, url in pages.items():
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = client.get(url)
                    elapsed = time.perf_counter() - started
                assert response.status_code == 200, (url, response.status_code)
                key = f"{who}|{page}|{name}"
                if round_:
                    times[key] = min(times.get(key, elapsed), elapsed)
                queries[key] = len(captured.captured_queries)
print("RESULT " + json.dumps({"times": times, "queries": queries}))
"""
)


def bench_cockpit_pages() -> list[Figure]:
    if not postgres_reachable():
        print("cockpit pages: PostgreSQL is not reachable at BENCH_POSTGRES_URL; skipped")
        return []
    load = os.getloadavg()[0]
    with (
        tempfile.TemporaryDirectory(prefix="bench-cockpit-") as tmp,
        throwaway_databases(len(SIZES)) as names,
    ):
        databases = dict(zip(names, SIZES, strict=True))
        plan = {"databases": databases, "pages": PAGES, "rounds": ROUNDS}
        environment = child_environment(names[0], Path(tmp))
        result = json.loads(run_child(CHILD, [json.dumps(plan)], environment, "RESULT"))
    small, large = names
    print(f"cockpit pages: load average {load:.1f} at the start, PostgreSQL, in-process")
    figures, unequal = [], []
    for who in ("bench-staff", "bench-reseller"):
        for page in PAGES:
            t_small = result["times"][f"{who}|{page}|{small}"]
            t_large = result["times"][f"{who}|{page}|{large}"]
            q_small = result["queries"][f"{who}|{page}|{small}"]
            q_large = result["queries"][f"{who}|{page}|{large}"]
            print(
                f"  {page:9} {who.removeprefix('bench-'):8} {t_small * 1000:6.1f} ms at "
                f"{SIZES[0]:,}, {t_large * 1000:6.1f} ms at {SIZES[1]:,}; queries "
                f"{q_small} / {q_large}"
            )
            figure = Figure(
                f"{page} page time {SIZES[1]:,} ÷ {SIZES[0]:,}, {who.removeprefix('bench-')}",
                t_large / t_small,
                "<=",
                GOAL_RATIO,
                f"queries {q_small} / {q_large}",
            )
            print(figure.line())
            figures.append(figure)
            if q_small != q_large:
                unequal.append(f"{page} {who.removeprefix('bench-')}")
    figure = Figure(
        "cockpit pages with unequal query counts",
        float(len(unequal)),
        "<=",
        0,
        ", ".join(unequal) or f"every page the same at {SIZES[0]:,} and {SIZES[1]:,}",
    )
    print(figure.line())
    return [*figures, figure]


def main() -> None:
    bench_cockpit_pages()


if __name__ == "__main__":
    main()
