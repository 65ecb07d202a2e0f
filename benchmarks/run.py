"""Performance figures for `make bench`, printed as ratios so they mean the same on any machine.

- getInstances parsing: time per instance at 1,000 and 10,000 (a ratio near 1 means linear).
- Mirror sync: queries and seconds to apply 100 and 10,000 instances, and a no-change re-sync.
- Instance list page: database queries at 10 and 2,000 instances, for a few filters and
  pages (must be equal).
- State refresh: one worker round over 1,000 instances with 100 ms of emulated latency per
  call, over the ideal N x latency / concurrency (goal <= 1.3, no 429; benchmarks/state_refresh.py).
- Webhook ingest: events a second on one gunicorn worker, each stored before it is answered,
  over 500 (goal >= 1; benchmarks/webhook_ingest.py).
- Onboarding polling: 500 tabs polling every 2 s on 2 gunicorn workers, PostgreSQL and Redis:
  p99 ÷ 500 ms, and the most qr and getStateInstance calls a second one instance received at
  the emulator (goals <= 1; benchmarks/polling.py; skipped without PostgreSQL or Redis).

Runs against a throwaway test database (SQLite by default, or DATABASE_URL's server).
"""

from __future__ import annotations

import json
import os
import sys
import time
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
from polling import bench_polling  # noqa: E402  (benchmarks/polling.py)
from report import Figure, summary  # noqa: E402  (benchmarks/report.py)
from state_refresh import bench_state_refresh  # noqa: E402  (benchmarks/state_refresh.py)
from webhook_ingest import bench_webhook_ingest  # noqa: E402  (benchmarks/webhook_ingest.py)

from accounts.models import User  # noqa: E402
from greenapi.parsing import parse_instances  # noqa: E402
from instances.models import Instance, SyncState  # noqa: E402
from instances.services import sync  # noqa: E402


def wire_instances(count: int) -> list[dict[str, object]]:
    return [
        {
            "idInstance": 1101000000 + n,
            "name": f"Instance {n}",
            "typeInstance": "whatsapp",
            "typeAccount": "",
            "partnerUserUiid": "",
            "timeCreated": "2026-06-03T18:39:44",
            "timeDeleted": "0001-01-01T00:00:00",
            "apiTokenInstance": f"{n:050x}",
            "deleted": False,
            "tariff": "PARTNER_23",
            "isFree": False,
            "isPartner": True,
            "expirationDate": "2026-06-04T18:39:44",
            "isExpired": False,
        }
        for n in range(count)
    ]


def seconds_per_item(count: int) -> float:
    body = json.loads(json.dumps(wire_instances(count)))
    started = time.perf_counter()
    parse_instances(body)
    return (time.perf_counter() - started) / count


def bench_parsing() -> None:
    small, large = seconds_per_item(1_000), seconds_per_item(10_000)
    print(f"parse getInstances: {small * 1e6:.1f} us/instance at 1k, {large * 1e6:.1f} at 10k")
    print(f"  ratio 10k/1k per instance: {large / small:.2f} (1.0 = linear)")


def timed_apply(count: int) -> tuple[int, float]:
    remote = parse_instances(wire_instances(count))
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        sync._apply(remote)
        elapsed = time.perf_counter() - started
    return len(queries.captured_queries), elapsed


def bench_sync() -> None:
    Instance.objects.all().delete()
    q_small, t_small = timed_apply(100)
    Instance.objects.all().delete()
    q_large, t_large = timed_apply(10_000)
    q_again, t_again = timed_apply(10_000)
    print(f"sync 100 new: {q_small} queries, {t_small:.3f} s")
    print(f"sync 10,000 new: {q_large} queries, {t_large:.3f} s")
    print(f"  queries per instance at 10,000: {q_large / 10_000:.4f} (1.0 = one per instance)")
    print(f"re-sync 10,000 unchanged: {q_again} queries, {t_again:.3f} s")


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
        bench_parsing()
        bench_sync()
        bench_list_page()
        figures += bench_state_refresh()
        figures += bench_webhook_ingest()
        figures += bench_polling()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print()
    print(summary(figures))


if __name__ == "__main__":
    main()
