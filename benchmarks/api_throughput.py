"""The automation API's list at 10,000 instances against its cheapest authenticated call.

gunicorn (2 sync workers, production settings) on a throwaway PostgreSQL database with a
10,000-instance mirror (tests/support/mirror.py); an admin's API token with every scope.
Requests/s of GET /api/v1/instances (the first page of 50, with its total) ÷ GET
/api/v1/whoami's (the token checked, its user answered: the fixed cost of any API call), each
under the same concurrent load on the same server. Goal ≥ 0.5.

Needs PostgreSQL (BENCH_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres);
skipped without it. Run on its own with `.venv/bin/python benchmarks/run.py api` (or
`.venv/bin/python benchmarks/api_throughput.py`), or as part of `make bench`.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from list_page import (  # benchmarks/list_page.py
    LOAD_CLIENTS,
    answered,
    child_environment,
    requests_per_second,
    run_child,
    throwaway_databases,
)
from report import Figure  # benchmarks/report.py
from servers import gunicorn, postgres_reachable  # benchmarks/servers.py

SIZE = 10_000
GOAL = 0.5
ROUNDS = 2  # list and whoami alternate, so a burst of other load hits both alike
LIST, TRIVIAL = "/api/v1/instances", "/api/v1/whoami"

SETUP = r"""
import sys
import django
django.setup()
from django.core.management import call_command
from accounts.models import Reseller, User
from api.models import Scope
from api.tokens import api_token_create
from tests.support.mirror import fill_mirror

call_command("migrate", verbosity=0)
resellers = [Reseller.objects.create(name=f"Reseller {n}") for n in range(10)]
staff = User.objects.create_user("bench-staff", password="bench-pass-1", role="admin")
fill_mirror(int(sys.argv[1]), resellers=[r.pk for r in resellers])
token = api_token_create(user=staff, name="bench", scopes=list(Scope.values))
print("TOKEN " + token.secret)
"""


def measure() -> tuple[float, float]:
    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp, throwaway_databases(1) as (name,):
        workdir = Path(tmp)
        # The per-token limit still counts every call (its cost is measured), but never refuses.
        environment = child_environment(name, workdir) | {"API_RATE_LIMIT_PER_MINUTE": "10000000"}
        secret = run_child(SETUP, [str(SIZE)], environment, "TOKEN")
        headers = {"Authorization": f"Bearer {secret}"}
        options = ["--workers=2", "--worker-class=sync"]

        def ready(port: int) -> bool:
            return answered(port, TRIVIAL, headers)

        with gunicorn(environment, workdir, options, ready) as (port, _server):
            if not answered(port, LIST, headers):
                raise RuntimeError("the API list did not answer 200 with the bench token")
            requests_per_second(port, LIST, headers)  # warm both workers
            listing = trivial = 0.0
            for _ in range(ROUNDS):
                listing += requests_per_second(port, LIST, headers) / ROUNDS
                trivial += requests_per_second(port, TRIVIAL, headers) / ROUNDS
    return listing, trivial


def bench_api() -> list[Figure]:
    if not postgres_reachable():
        print("api: PostgreSQL is not reachable at BENCH_POSTGRES_URL; skipped")
        return []
    load = os.getloadavg()[0]
    listing, trivial = measure()
    print(
        f"api throughput, gunicorn 2 sync workers, {SIZE:,} instances, {LOAD_CLIENTS} clients: "
        f"list {listing:.0f} requests/s, whoami {trivial:.0f} requests/s; load average "
        f"{load:.1f} on {os.cpu_count()} CPUs when the run began"
    )
    figure = Figure(
        "API list requests/s ÷ whoami's",
        listing / trivial,
        ">=",
        GOAL,
        f"{listing:.0f} vs {trivial:.0f} requests/s at {SIZE:,} instances, first page of 50",
    )
    print(figure.line())
    return [figure]


if __name__ == "__main__":
    bench_api()
