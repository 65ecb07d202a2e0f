"""Performance figures for `make bench`, printed as ratios so they mean the same on any machine.

- Sync at scale, on PostgreSQL against the emulator over HTTP: first sync and re-sync (1 %
  changed) of 100,000 instances over the floor (fetch + json.loads of the same answer), goals
  <= 10 and <= 2.0, and a 500,000-instance sync's peak memory over 300 MB
  (benchmarks/sync_scale.py).
- Instance list page: database queries at 10 and 2,000 instances, for a few filters and
  pages (must be equal).
- State refresh: one worker round over 1,000 instances with 100 ms of emulated latency per
  call, over the ideal N x latency / concurrency (goal <= 1.3, no 429; benchmarks/state_refresh.py).
- Webhook ingest: events a second on one gunicorn worker, each stored before it is answered,
  over 500 (goal >= 1; benchmarks/webhook_ingest.py).

Runs against a throwaway test database (SQLite by default, or DATABASE_URL's server).
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partnerportal.settings_test")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402
from report import Figure, summary  # noqa: E402  (benchmarks/report.py)
from state_refresh import bench_state_refresh  # noqa: E402  (benchmarks/state_refresh.py)
from sync_scale import bench_sync_scale  # noqa: E402  (benchmarks/sync_scale.py)
from webhook_ingest import bench_webhook_ingest  # noqa: E402  (benchmarks/webhook_ingest.py)

from accounts.models import User  # noqa: E402
from instances.models import Instance, SyncState  # noqa: E402

# The plain list, a search sorted by name on a later page, and a state filter on the last page.
LIST_URLS = (
    "/instances/",
    "/instances/?q=shop&sort=name&page=3",
    "/instances/?state=unknown&show=all&page=40",
)


def list_page_queries(count: int) -> dict[str, int]:
    Instance.objects.all().delete()
    Instance.objects.bulk_create(
        Instance(id_instance=1101000000 + n, name=f"Shop {n}", api_token=f"{n:050x}")
        for n in range(count)
    )
    client = Client()
    client.force_login(User.objects.get(username="bench-admin"))
    client.get("/instances/")  # the first request of a session stamps it: not the page's cost
    counts = {}
    for url in LIST_URLS:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, response.status_code
        counts[url] = len(queries.captured_queries)
    return counts


def bench_list_page() -> None:
    User.objects.create_user("bench-admin", password="bench-password-1", role=User.Role.ADMIN)
    # A fresh successful sync, so the page reads the mirror without calling Green API.
    SyncState.objects.update_or_create(
        pk=1, defaults={"last_success_at": timezone.now() + timedelta(hours=1)}
    )
    small, large = list_page_queries(10), list_page_queries(2_000)
    for url in LIST_URLS:
        print(
            f"list page queries {url}: {small[url]} at 10 instances, {large[url]} at 2,000 "
            f"(ratio {large[url] / small[url]:.2f})"
        )


def main() -> None:
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    figures: list[Figure] = []
    try:
        bench_list_page()
        figures += bench_sync_scale()
        figures += bench_state_refresh()
        figures += bench_webhook_ingest()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print()
    print(summary(figures))


if __name__ == "__main__":
    main()
