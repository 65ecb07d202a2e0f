"""The list page costs the same number of queries at 10 instances as at 2,000, on any page,
and at every page size."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Reseller
from instances.list_paging import PAGE_SIZES
from instances.models import Instance, SyncState

T0 = datetime(2026, 1, 1, tzinfo=UTC)
STATES = Instance.State.values
TYPES = Instance.Type.values

URLS = [
    "/instances/",
    "/instances/?q=shop",
    "/instances/?q=1101&sort=name",
    "/instances/?q=shop&sort=-changed",
    "/instances/?q=%2B7+900",
    "/instances/?state=authorized",
    "/instances/?state=unknown&sort=-changed",
    "/instances/?state=creating&show=all",
    "/instances/?messenger=telegram&sort=state",
    "/instances/?expired=yes&show=deleted&sort=-name",
    "/instances/?reseller=unassigned&sort=changed",
    "/instances/?reseller={a}&sort=-state",
    "/instances/?q=no-such-instance",
    "/instances/?sort=evil&after=abc",
    "/instances/?sort=created&before=WyIyMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwxMTAxMDAwMDA1XQ",
    # Pages by number (past the last at 10 instances: that one shown instead), and sizes.
    "/instances/?page=3",
    "/instances/?sort=name&per_page=25&page=30",
    "/instances/?q=shop&state=authorized&per_page=100&page=2",
    "/instances/?per_page=500&sort=-state",
    "/instances/?per_page=7&page=abc",
]


# The first ten rows: every URL above finds rows for every persona (reseller A owns the first
# six), because an empty page skips a query and would hide a difference that comes from scale.
FIRST_TEN: list[dict[str, Any]] = [
    {"state": "authorized", "type_instance": "telegram", "phone": "79000000000"},
    {"state": "", "state_changed_at": None},
    {"state": "creating"},
    {"state": "blocked", "deleted": True, "is_expired": True},
    {"state": "notAuthorized"},
    {"state": "authorized", "is_expired": True},
    {"state": "authorized"},
    {"state": "", "type_instance": "telegram"},
    {"state": "creating", "phone": "79000000008"},
    {"state": "", "is_expired": True},
]
FIRST_TEN_RESELLERS = [0, 0, 0, 0, 0, 0, 1, 1, 2, 2]


def add_instances(start: int, count: int, resellers: list[Reseller | None]) -> None:
    """Rows that spread over every state, messenger, reseller, and deleted or expired."""
    rows = []
    for n in range(start, start + count):
        fields: dict[str, Any] = {
            "name": f"Shop {n}" if n % 3 else f"Cafe {n}",
            "type_instance": TYPES[n % len(TYPES)],
            "state": STATES[n % len(STATES)],
            "state_changed_at": T0 + timedelta(minutes=n) if n % 4 else None,
            "time_created": T0 + timedelta(minutes=n % 500),
            "reseller": resellers[n % len(resellers)],
            "deleted": n % 17 == 0,
            "is_expired": n % 5 == 0,
            "phone": f"7900{n:07d}" if n % 2 else "",
        }
        if n < len(FIRST_TEN):
            fields |= {"deleted": False, "is_expired": False, "type_instance": "whatsapp"}
            fields |= {"reseller": resellers[FIRST_TEN_RESELLERS[n]], "phone": ""}
            fields |= FIRST_TEN[n]
        rows.append(Instance(id_instance=1101000000 + n, api_token="t" * 50, **fields))
    Instance.objects.bulk_create(rows, batch_size=500)


NEXT = re.compile(r'href="(/instances/\?[^"]*after=[^"]*)" [^>]*rel="next"')


@pytest.fixture(autouse=True)
def _still_clock() -> Any:
    """A stopped clock: a session is saved once a minute of activity (accounts/sessions.py), and
    a counting loop slowed past a minute by a busy machine counted that save as the page's."""
    with time_machine.travel(timezone.now(), tick=False):
        yield


def query_counts(client: Any, urls: list[str], **headers: str) -> dict[str, int]:
    """Queries of each page and of the page after it (by its Next link), by URL."""
    counts = {}
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, headers=headers)
        assert response.status_code == 200, url
        html = response.content.decode()
        # Rows on every page but the search for nothing: see FIRST_TEN.
        empty = "No instances match" in html
        assert empty == ("no-such" in url), url
        counts[url] = len(queries.captured_queries)
        following = NEXT.search(html)
        if following:
            with CaptureQueriesContext(connection) as queries:
                client.get(following.group(1).replace("&amp;", "&"), headers=headers)
            counts[url + " next"] = len(queries.captured_queries)
    return counts


@pytest.mark.parametrize("persona", ["admin", "support", "reseller_a_user"])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_query_count_is_the_same_at_10_and_2000_instances(
    world: Any, persona: str, htmx: bool
) -> None:
    # A fresh sync: the page reads the mirror and does not call Green API.
    SyncState.objects.update_or_create(pk=1, defaults={"last_success_at": timezone.now()})
    Instance.objects.all().delete()
    resellers = [world.reseller_a, world.reseller_b, None]
    client = world.client(persona)
    urls = [url.format(a=world.reseller_a.pk) for url in URLS]
    headers = {"HX-Request": "true"} if htmx else {}

    add_instances(0, 10, resellers)
    client.get("/instances/")  # the first request of a session stamps it; later ones do not
    small = query_counts(client, urls, **headers)
    add_instances(10, 1990, resellers)
    large = query_counts(client, urls, **headers)

    # The same queries, and next pages at 2,000 (none at 10): each costs what its first page does.
    assert {url: large[url] for url in small} == small
    for url, n in large.items():
        if url.endswith(" next"):
            assert n == large[url.removesuffix(" next")], url
    assert any(url.endswith(" next") for url in large)
    # And few: session, user, sync state (2), resellers (2), counts per state, page.
    assert max(large.values()) <= 9, large


def test_rows_are_really_there_at_2000(world: Any) -> None:
    # Guards the test above against measuring empty pages.
    SyncState.objects.update_or_create(pk=1, defaults={"last_success_at": timezone.now()})
    Instance.objects.all().delete()
    add_instances(0, 2000, [world.reseller_a, world.reseller_b, None])

    html = world.client("admin").get("/instances/?show=all").content.decode()

    assert "2,000 instances" in html


@pytest.mark.parametrize("persona", ["admin", "reseller_a_user"])
def test_query_count_is_the_same_at_every_page_size(world: Any, persona: str) -> None:
    SyncState.objects.update_or_create(pk=1, defaults={"last_success_at": timezone.now()})
    Instance.objects.all().delete()
    add_instances(0, 2000, [world.reseller_a, world.reseller_b, None])
    client = world.client(persona)
    client.get("/instances/")
    base = [url.format(a=world.reseller_a.pk) for url in URLS if "per_page" not in url]
    sep = {url: "&" if "?" in url else "?" for url in base}

    by_size = {
        size: query_counts(client, [f"{url}{sep[url]}per_page={size}" for url in base])
        for size in PAGE_SIZES
    }

    # Keyed by the URL without its size: the same queries for each, and for each next page
    # (a page of 500 has none where the filters select fewer).
    def unsized(size: int) -> dict[str, int]:
        return {url.replace(f"per_page={size}", ""): n for url, n in by_size[size].items()}

    smallest = unsized(25)
    first_pages = {url for url in smallest if not url.endswith(" next")}
    for size in PAGE_SIZES:
        counts = unsized(size)
        assert {url for url in counts if not url.endswith(" next")} == first_pages, size
        assert counts == {url: smallest[url] for url in counts}, size
    assert any(url.endswith(" next") for url in unsized(500))
