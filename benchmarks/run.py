"""Performance figures for `make bench`: each a ratio measured side by side in one run, with its
goal, and a summary line at the end (benchmarks/report.py).

- Sync at scale, on PostgreSQL against the emulator over HTTP: the first sync and a re-sync (1 %
  changed) of 100,000 instances over the floor (fetching the same answer and json.loads of it),
  goals <= 10 and <= 2.0, and a 500,000-instance sync's peak memory over 300 MB, goal <= 1
  (benchmarks/sync_scale.py).
- The instance list page, on PostgreSQL: server time of every view at 100,000 over 100
  instances (goal <= 1.5), equal query counts, and list over login requests/s on gunicorn
  (goal >= 0.3) (benchmarks/list_page.py).
- The overview and the attention list, on PostgreSQL: server time at 10,000 over 100 instances
  (goal <= 1.5) and equal query counts (benchmarks/cockpit_pages.py).
- Onboarding polling: 500 tabs polling every 2 s on two gunicorn workers, PostgreSQL and
  Redis: p99 over 500 ms (goal <= 1) and the most qr and getStateInstance calls a second one
  instance received at the emulator (goal <= 1 each) (benchmarks/polling.py; skipped without
  PostgreSQL or Redis).
- State refresh: one worker round over 1,000 instances with 100 ms of emulated latency per
  call, over the ideal N x latency / concurrency (goal <= 1.3, no 429; benchmarks/state_refresh.py).
- Webhook ingest: events a second on one gunicorn worker, each stored before it is answered,
  over 500 (goal >= 1; benchmarks/webhook_ingest.py).
- The automation API, on PostgreSQL: list requests/s at 10,000 instances over whoami's, the
  cheapest authenticated call, on one gunicorn (goal >= 0.5; benchmarks/api_throughput.py).

`benchmarks/run.py NAME...` runs only the named ones: sync, list, cockpit, polling, state,
webhooks, api.

The PostgreSQL figures use BENCH_POSTGRES_URL's server (default 127.0.0.1:5432) and are skipped
without one. The state refresh runs against a throwaway test database (SQLite by default, or
DATABASE_URL's server); the other benchmarks make their own.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partnerportal.settings_test")

import django

django.setup()

from api_throughput import bench_api  # noqa: E402  (benchmarks/api_throughput.py)
from cockpit_pages import bench_cockpit_pages  # noqa: E402  (benchmarks/cockpit_pages.py)
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from list_page import bench_list_page  # noqa: E402  (benchmarks/list_page.py)
from polling import bench_polling  # noqa: E402  (benchmarks/polling.py)
from report import Figure, summary  # noqa: E402  (benchmarks/report.py)
from state_refresh import bench_state_refresh  # noqa: E402  (benchmarks/state_refresh.py)
from sync_scale import bench_sync_scale  # noqa: E402  (benchmarks/sync_scale.py)
from webhook_ingest import bench_webhook_ingest  # noqa: E402  (benchmarks/webhook_ingest.py)


def state_refresh() -> list[Figure]:
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        return bench_state_refresh()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


BENCHMARKS: dict[str, Callable[[], list[Figure]]] = {
    "sync": bench_sync_scale,
    "list": bench_list_page,
    "cockpit": bench_cockpit_pages,
    "polling": bench_polling,
    "state": state_refresh,
    "webhooks": bench_webhook_ingest,
    "api": bench_api,
}


def main() -> None:
    chosen = sys.argv[1:] or list(BENCHMARKS)
    unknown = set(chosen) - set(BENCHMARKS)
    if unknown:
        sys.exit(
            f"unknown benchmark {', '.join(sorted(unknown))}: choose from {', '.join(BENCHMARKS)}"
        )
    figures: list[Figure] = []
    for name in chosen:
        figures += BENCHMARKS[name]()
    print()
    print(summary(figures))


if __name__ == "__main__":
    main()
