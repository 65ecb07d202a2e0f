"""The list's page sizes and page numbers: 25/50/100/500 a page, and "go to page n of M"."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.http import QueryDict
from django.utils import timezone

from accounts.models import Reseller, User
from instances import list_counts, list_paging
from instances.listing_forms import PAGE_MAX, InstanceFilterForm
from instances.models import Instance, SyncState
from instances.selectors import PAGE_SIZE, InstanceFilters, instance_list
from tests.instances.test_list_filters import ids_in_python_order, shown_ids
from tests.support.pages import logged_in, page_text

T0 = datetime(2026, 1, 1, tzinfo=UTC)
STATES = Instance.State.values
IGNORED = "Not a choice here, so it was ignored."
NOT_A_PAGE = "That is not a page number, so the first page is shown."


@pytest.fixture(autouse=True)
def fresh_mirror(db: None) -> None:
    SyncState.objects.create(pk=1, last_success_at=timezone.now())


def mirror(count: int, **fields: Any) -> None:
    Instance.objects.bulk_create(
        Instance(
            id_instance=1101000000 + n,
            name=f"Shop {n}" if n % 2 else f"Cafe {n}",
            time_created=T0 + timedelta(minutes=n % 37) if n % 5 else None,
            state=STATES[n % len(STATES)],
            **fields,
        )
        for n in range(count)
    )


def rows_of(text: str) -> list[int]:
    """The ids of the table's rows, in their order."""
    row = r'<tr>\s*(?:<td><input[^>]*></td>)?\s*<td><a href="/instances/(\d+)/"'
    return [int(pk) for pk in re.findall(row, text)]


def html_of(response: Any) -> str:
    assert response.status_code == 200
    return str(response.content.decode())


def link(text: str, label: str) -> str:
    """The (unescaped) href of the pager's link `label`."""
    found = re.search(rf'<a href="(/instances/[^"]*)"[^>]*>{label}</a>', text)
    assert found is not None, label
    return html.unescape(found.group(1))


# The page size


@pytest.mark.parametrize("size", [25, 50, 100, 500])
def test_each_page_size_shows_that_many_rows(admin: User, size: int) -> None:
    mirror(520)

    response = logged_in(admin).get(f"/instances/?per_page={size}&sort=name")

    assert rows_of(html_of(response)) == ids_in_python_order("name")[:size]
    assert f'<option value="{size}" selected>{size}</option>' in html_of(response)


def test_the_default_size_is_fifty_and_is_left_out_of_links(admin: User) -> None:
    mirror(60)

    text = html_of(logged_in(admin).get("/instances/"))

    assert len(shown_ids_of(text)) == PAGE_SIZE == 50
    assert '<option value="50" selected>50</option>' in text
    assert "per_page" not in link(text, "Next")


def shown_ids_of(text: str) -> set[int]:
    return {int(found) for found in re.findall(r'href="/instances/(\d+)/"', text)}


@pytest.mark.parametrize(
    "value", ["7", "1000", "0", "-25", "abc", "%00", "25.5", "1e3", "5" * 5000]
)
def test_a_size_not_offered_gives_the_default_never_that_size(admin: User, value: str) -> None:
    mirror(120)

    response = logged_in(admin).get(f"/instances/?per_page={value}")

    text = html_of(response)
    assert IGNORED in text
    assert len(shown_ids(response)) == PAGE_SIZE
    assert '<option value="50" selected>50</option>' in text


@pytest.mark.parametrize(
    ("query", "per_page"),
    [("", 50), ("per_page=", 50), ("per_page=100", 100), ("per_page=33", 50), ("per_page=x", 50)],
)
def test_the_form_reads_the_size(admin: User, query: str, per_page: int) -> None:
    assert InstanceFilterForm(QueryDict(query), user=admin).filters().per_page == per_page


def test_a_size_outside_the_form_is_still_not_used(admin: User) -> None:
    mirror(120)

    listing = instance_list(user=admin, filters=InstanceFilters(per_page=3))

    assert len(listing.page) == PAGE_SIZE


def test_pages_of_25_cover_every_row_once_both_ways(admin: User) -> None:
    mirror(110)
    order = ids_in_python_order("-created")
    client, url, seen, numbers = logged_in(admin), "/instances/?per_page=25", [], []
    while True:
        text = html_of(client.get(url))
        seen.append(rows_of(text))
        numbers.append(re.search(r'name="page"[^>]* value="(\d+)"', text).group(1))  # type: ignore[union-attr]
        if 'rel="next"' not in text:
            break
        url = link(text, "Next")
        assert "per_page=25" in url

    assert [pk for page in seen for pk in page] == order
    assert [len(page) for page in seen] == [25, 25, 25, 25, 10]
    # Numbered on by Next, though the pages are found by cursor.
    assert numbers == ["1", "2", "3", "4", "5"]
    back = html_of(client.get(link(text, "Previous")))
    assert rows_of(back) == seen[-2]
    assert re.search(r'name="page"[^>]* value="4"', back)


# Going to a page by its number


@pytest.mark.parametrize("sort", ["-created", "name", "-state", "changed"])
@pytest.mark.parametrize("number", [1, 2, 3, 4, 5])
def test_every_page_number_shows_its_slice_of_the_order(
    admin: User, sort: str, number: int
) -> None:
    # The later pages are read from the end of the order: they must be the same slices.
    mirror(110)
    order = ids_in_python_order(sort)

    text = html_of(logged_in(admin).get(f"/instances/?sort={sort}&per_page=25&page={number}"))

    assert rows_of(text) == order[(number - 1) * 25 : number * 25]
    assert ('rel="prev"' in text) == (number > 1)
    assert ('rel="next"' in text) == (number < 5)
    assert re.search(rf'name="page"[^>]* value="{number}"', text)
    assert "of 5</span>" in text


def test_jump_to_the_last_page_then_back_by_cursor(admin: User) -> None:
    mirror(120)
    order = ids_in_python_order("name")
    client = logged_in(admin)

    last = html_of(client.get("/instances/?sort=name&page=3"))

    assert rows_of(last) == order[100:]
    assert 'rel="next"' not in last
    previous = link(last, "Previous")
    assert "before=" in previous
    assert "page=2" in previous
    assert rows_of(html_of(client.get(previous))) == order[50:100]


def test_next_from_a_jump_follows_by_cursor(admin: User) -> None:
    mirror(120)
    order = ids_in_python_order("name")
    client = logged_in(admin)

    second = html_of(client.get("/instances/?sort=name&per_page=25&page=2"))
    following = link(second, "Next")

    assert "after=" in following
    assert "page=3" in following
    assert rows_of(html_of(client.get(following))) == order[50:75]


@pytest.mark.parametrize("number", ["4", "99", "1000000", "9" * 4000])
def test_a_page_past_the_last_shows_the_last_and_says_so(admin: User, number: str) -> None:
    mirror(120)
    order = ids_in_python_order("name")
    client = logged_in(admin)

    response = client.get(f"/instances/?sort=name&page={number}")

    text = page_text(response)
    assert response.status_code == 200
    assert rows_of(html_of(response)) == order[100:]
    assert "There are only 3 pages of 50; this is the last." in text
    # The address bar gets the page shown.
    htmx = client.get(f"/instances/?sort=name&page={number}", headers={"HX-Request": "true"})
    assert htmx["HX-Push-Url"] == "/instances/?sort=name&page=3"


@pytest.mark.parametrize("number", ["abc", "0", "-5", "1e400", "2.5", "%00", "9" * 5000])
def test_a_page_that_is_not_a_number_shows_the_first_and_says_so(admin: User, number: str) -> None:
    mirror(120)

    response = logged_in(admin).get(f"/instances/?sort=name&page={number}")

    assert response.status_code == 200
    assert NOT_A_PAGE in page_text(response)
    assert rows_of(html_of(response)) == ids_in_python_order("name")[:50]


def test_a_broken_cursor_drops_its_page_number_too(admin: User) -> None:
    mirror(120)

    response = logged_in(admin).get("/instances/?sort=name&after=abc&page=3")

    assert "That page link is broken or out of date" in page_text(response)
    assert rows_of(html_of(response)) == ids_in_python_order("name")[:50]


def test_an_empty_list_has_one_page(admin: User) -> None:
    response = logged_in(admin).get("/instances/?page=3&per_page=100")

    assert response.status_code == 200
    assert "There is only one page." in page_text(response)
    assert "No instances yet." in page_text(response)


def test_the_form_reads_the_page_number(admin: User) -> None:
    def number(query: str) -> int | None:
        return InstanceFilterForm(QueryDict(query), user=admin).filters().page

    assert number("") is None
    assert number("page=7") == 7
    assert number("page=abc") is None
    assert number("page=0") is None
    assert number(f"page={10**12}") == PAGE_MAX


def test_the_jump_form_keeps_the_filters_and_the_size(admin: User, reseller_a: Reseller) -> None:
    mirror(130, reseller=reseller_a)
    query = f"/instances/?q=shop&reseller={reseller_a.pk}&sort=-name&per_page=25"

    text = html_of(logged_in(admin).get(query))

    form = text[text.index('<form id="page-jump"') :]
    form = form[: form.index("</form>")]
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form))
    assert hidden == {
        "q": "shop",
        "reseller": str(reseller_a.pk),
        "sort": "-name",
        "per_page": "25",
    }
    assert 'name="page"' in form
    assert "of 3</span>" in form  # 65 shops


def test_a_count_that_is_an_estimate_says_at_least(
    admin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(list_counts, "SEARCH_COUNT_LIMIT", 60)
    mirror(200)  # 100 shops, counted up to 61

    text = html_of(logged_in(admin).get("/instances/?q=shop&per_page=25"))

    assert "more than 60 instances (counted up to there)" in text
    assert "of at least 3</span>" in text


@pytest.mark.parametrize("walk", [80, 1000], ids=["walk-falls-short", "walk-finds-pages"])
def test_page_numbers_of_a_search_counted_to_a_bound(
    admin: User, monkeypatch: pytest.MonkeyPatch, walk: int
) -> None:
    monkeypatch.setattr(list_counts, "SEARCH_COUNT_LIMIT", 60)
    monkeypatch.setattr(list_paging, "SEARCH_WALK", walk)
    mirror(200)
    shops = [pk for pk in ids_in_python_order("name") if pk % 2]
    client = logged_in(admin)

    third = html_of(client.get("/instances/?q=shop&sort=name&per_page=25&page=3"))
    past = client.get("/instances/?q=shop&sort=name&per_page=25&page=9")

    assert rows_of(third) == shops[50:75]
    # Past the end of matches never all counted: the last page, and a word about it.
    assert rows_of(html_of(past)) == shops[75:]
    assert "There are fewer than 9 pages of 25; this is the last." in page_text(past)
    assert 'rel="next"' not in html_of(past)


# Everything at once


def test_sort_size_and_filters_keep_each_other(admin: User, reseller_a: Reseller) -> None:
    mirror(300, reseller=reseller_a)
    Instance.objects.filter(id_instance__gte=1101000100).update(state="authorized")
    start = f"/instances/?q=shop&state=authorized&reseller={reseller_a.pk}&sort=name&per_page=25"
    kept = ("q=shop", "state=authorized", f"reseller={reseller_a.pk}", "per_page=25")

    text = html_of(logged_in(admin).get(start))
    hrefs = {
        html.unescape(found)
        for found in re.findall(r'href="(/instances/(?:export\.csv)?\?[^"]*)"', text)
    }
    by_name = [h for h in hrefs if "sort=-name" in h]  # the Name header turns the order round
    by_state = [h for h in hrefs if "sort=state" in h]
    pager = link(text, "Next")
    # The "All" count: every filter but the state.
    counts = [h for h in hrefs if "q=" in h and "state=" not in h and "export" not in h]
    export = [h for h in hrefs if h.startswith("/instances/export.csv")]

    for found in (*by_name, *by_state, pager, *counts):
        assert all(part in found for part in kept if part != "state=authorized"), found
    assert by_name
    assert by_state
    assert counts
    assert "state=authorized" in by_name[0]
    assert "state=authorized" in pager
    assert "sort=name" in pager
    assert "sort=name" in counts[0]
    # The export takes every matching row: the filters and the order, but no page or size.
    assert export == [
        f"/instances/export.csv?q=shop&state=authorized&reseller={reseller_a.pk}&sort=name"
    ]
    # "All N matching" selects by the same filters (its size is ignored there).
    assert (
        f'name="all_query" value="q=shop&amp;state=authorized&amp;reseller={reseller_a.pk}'
        '&amp;sort=name&amp;per_page=25"' in text
    )
    # The filters form shows all of it, and Clear keeps the size.
    assert '<option value="25" selected>25</option>' in text
    assert '<option value="name" selected>' in text
    assert '<a href="/instances/?per_page=25">Clear</a>' in text


def test_changing_the_size_starts_at_page_one(admin: User) -> None:
    # The filters form carries no cursor or number: its hidden fields are not written out.
    mirror(120)

    text = html_of(logged_in(admin).get("/instances/?per_page=25&page=3"))

    filters = text[text.index('<form id="instance-filters"') :]
    filters = filters[: filters.index("</form>")]
    assert 'name="page"' not in filters
    assert 'name="after"' not in filters
    assert 'name="per_page"' in filters
