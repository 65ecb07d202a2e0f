"""The list page's search, filters, sorting, paging and counts per state, scoped to the user."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.http import QueryDict
from django.utils import timezone

from accounts.models import Reseller, User
from instances.listing_forms import SORT_CHOICES, InstanceFilterForm
from instances.models import Instance, SyncState
from instances.selectors import PAGE_SIZE, InstanceFilters, instance_list, state_key
from tests.support.pages import logged_in

T0 = datetime(2026, 1, 1, tzinfo=UTC)
STATES = Instance.State.values


@pytest.fixture(autouse=True)
def fresh_mirror(db: None) -> None:
    # A sync that just succeeded: the page reads the mirror and never calls Green API.
    SyncState.objects.create(pk=1, last_success_at=timezone.now())


def make(id_instance: int, **fields: Any) -> Instance:
    fields.setdefault("name", f"Instance {id_instance}")
    fields.setdefault("time_created", T0 + timedelta(minutes=id_instance % 1000))
    return Instance.objects.create(id_instance=id_instance, api_token="t" * 50, **fields)


def ids(user: User, **filters: Any) -> list[int]:
    listing = instance_list(user=user, filters=InstanceFilters(**filters))
    return [row.id_instance for row in listing.page]


def shown_ids(response: Any) -> set[int]:
    """The instance ids linked from the table rows."""
    return {
        int(found) for found in re.findall(r'href="/instances/(\d+)/"', response.content.decode())
    }


# Search


def test_search_finds_a_name_in_any_case(admin: User) -> None:
    make(1101000001, name="Bakery Bot")
    make(1101000002, name="Flower shop")

    assert ids(admin, q="bakery") == [1101000001]
    assert ids(admin, q="SHOP") == [1101000002]


def test_search_by_digits_matches_the_exact_id_and_id_prefixes(admin: User) -> None:
    make(1101000001, name="One")
    make(1101000002, name="Two")
    make(7103000001, name="Three")

    assert ids(admin, q="1101000002") == [1101000002]
    assert sorted(ids(admin, q="1101")) == [1101000001, 1101000002]
    assert ids(admin, q="000002") == []  # inside an id is not a prefix


def test_search_finds_a_phone_as_typed_with_punctuation(admin: User) -> None:
    make(1101000001, phone="79001234567", name="Linked")
    make(1101000002, phone="79007654321", name="Other")

    assert ids(admin, q="79001234567") == [1101000001]
    assert ids(admin, q="+7 (900) 123-45") == [1101000001]
    assert sorted(ids(admin, q="7900")) == [1101000001, 1101000002]


def test_search_through_the_page_uses_the_query_string(admin: User) -> None:
    make(1101000001, name="Bakery bot")
    make(1101000002, name="Flower shop")

    response = logged_in(admin).get("/instances/?q=flower")

    assert shown_ids(response) == {1101000002}
    assert 'value="flower"' in response.content.decode()


# Filters


@pytest.mark.parametrize("state", Instance.State.values)
def test_state_filter_selects_exactly_that_state(admin: User, state: str) -> None:
    for offset, value in enumerate(Instance.State.values):
        make(1101000100 + offset, state=value)
    expected = 1101000100 + Instance.State.values.index(state)

    response = logged_in(admin).get(f"/instances/?state={state_key(state)}")

    assert shown_ids(response) == {expected}


def test_being_created_and_unknown_have_names_of_their_own(admin: User) -> None:
    make(1101000001, state=Instance.State.CREATING)
    make(1101000002, state=Instance.State.UNKNOWN)

    creating = logged_in(admin).get("/instances/?state=creating")
    unknown = logged_in(admin).get("/instances/?state=unknown")

    assert shown_ids(creating) == {1101000001}
    assert "Being created" in creating.content.decode()
    assert shown_ids(unknown) == {1101000002}


def test_messenger_filter(admin: User) -> None:
    make(1101000001, type_instance=Instance.Type.WHATSAPP)
    make(1101000002, type_instance=Instance.Type.TELEGRAM)
    make(1101000003, type_instance=Instance.Type.MAX)

    assert ids(admin, messenger="telegram") == [1101000002]
    assert shown_ids(logged_in(admin).get("/instances/?messenger=v3")) == {1101000003}


def test_staff_filter_by_reseller_or_unassigned(world: Any) -> None:
    client = world.client("support")

    by_a = client.get(f"/instances/?reseller={world.reseller_a.pk}")
    unassigned = client.get("/instances/?reseller=unassigned")
    everyone = client.get("/instances/")

    assert shown_ids(by_a) == {world.instance_a.pk}
    assert shown_ids(unassigned) == {world.instance_unassigned.pk}
    assert shown_ids(everyone) == {
        world.instance_a.pk,
        world.instance_b.pk,
        world.instance_unassigned.pk,
    }


@pytest.mark.parametrize(
    "query", ["", "?reseller={b}", "?reseller=unassigned", "?reseller={b}&show=all", "?q=11010"]
)
def test_reseller_user_never_sees_other_rows_whatever_the_query(world: Any, query: str) -> None:
    url = "/instances/" + query.format(b=world.reseller_b.pk)

    response = world.client("reseller_a_user").get(url)

    assert response.status_code == 200
    assert shown_ids(response) == {world.instance_a.pk}
    html = response.content.decode()
    assert "Reseller B" not in html
    assert 'name="reseller"' not in html  # no reseller filter at all


def test_reseller_filter_ignores_another_tenants_id_in_the_selector(world: Any) -> None:
    user = world.reseller_a_user

    assert ids(user, reseller_id=world.reseller_b.pk) == [world.instance_a.pk]
    assert ids(user, unassigned=True) == [world.instance_a.pk]


def test_active_by_default_deleted_or_all_on_request(admin: User) -> None:
    make(1101000001)
    make(1101000002, deleted=True, time_deleted=T0)

    assert ids(admin) == [1101000001]
    assert ids(admin, show="deleted") == [1101000002]
    assert sorted(ids(admin, show="all")) == [1101000001, 1101000002]
    assert shown_ids(logged_in(admin).get("/instances/?show=deleted")) == {1101000002}


def test_expired_filter(admin: User) -> None:
    make(1101000001, is_expired=True)
    make(1101000002, is_expired=False)

    assert shown_ids(logged_in(admin).get("/instances/?expired=yes")) == {1101000001}
    assert shown_ids(logged_in(admin).get("/instances/?expired=no")) == {1101000002}


def test_filters_combine(admin: User, reseller_a: Reseller) -> None:
    make(1101000001, name="Shop", state="authorized", reseller=reseller_a)
    make(1101000002, name="Shop", state="authorized")
    make(1101000003, name="Shop", state="blocked", reseller=reseller_a)
    make(1101000004, name="Cafe", state="authorized", reseller=reseller_a)

    url = f"/instances/?q=shop&state=authorized&reseller={reseller_a.pk}"

    assert shown_ids(logged_in(admin).get(url)) == {1101000001}


# Sorting and paging


def test_each_sort_orders_by_its_column_then_by_id(admin: User) -> None:
    make(1101000003, name="beta", state="blocked", time_created=T0, state_changed_at=T0)
    make(1101000001, name="Alpha", state="authorized", time_created=T0, state_changed_at=None)
    make(
        1101000002,
        name="gamma",
        state="authorized",
        time_created=T0 + timedelta(days=1),
        state_changed_at=T0 + timedelta(days=2),
    )

    assert ids(admin) == [1101000002, 1101000003, 1101000001]  # newest first, then id
    assert ids(admin, sort="created") == [1101000001, 1101000003, 1101000002]
    assert ids(admin, sort="name") == [1101000001, 1101000003, 1101000002]  # any case
    assert ids(admin, sort="-name") == [1101000002, 1101000003, 1101000001]
    # "Blocked" sorts before "Linked" (authorized): the labels people read.
    assert ids(admin, sort="state") == [1101000003, 1101000001, 1101000002]
    assert ids(admin, sort="-state") == [1101000002, 1101000001, 1101000003]
    # Never changed comes last in both directions, on SQLite and PostgreSQL alike.
    assert ids(admin, sort="changed") == [1101000003, 1101000002, 1101000001]
    assert ids(admin, sort="-changed") == [1101000002, 1101000003, 1101000001]


def test_sort_through_the_page(admin: User) -> None:
    make(1101000001, name="Zeta")
    make(1101000002, name="alpha")

    html = logged_in(admin).get("/instances/?sort=name").content.decode()

    assert html.index("alpha") < html.index("Zeta")


def pages_of(user: User, **filters: Any) -> list[list[int]]:
    """Every page, following the Next cursor from the first."""
    pages, after = [], ""
    while True:
        listing = instance_list(user=user, filters=InstanceFilters(after=after, **filters))
        pages.append([row.id_instance for row in listing.page])
        if not listing.page.has_next:
            return pages
        after = listing.page.next_cursor


@pytest.mark.parametrize("sort", [key for key, _label in SORT_CHOICES])
def test_pages_of_fifty_cover_every_row_once_in_each_sort(admin: User, sort: str) -> None:
    # Many ties and missing dates: the id decides, so no row repeats or goes missing.
    Instance.objects.bulk_create(
        Instance(
            id_instance=1101000000 + n,
            name="Same name" if n % 2 else f"Name {n % 7}",
            time_created=T0 + timedelta(days=n % 3) if n % 5 else None,
            state_changed_at=T0 if n % 4 else None,
            state=STATES[n % len(STATES)],
        )
        for n in range(120)
    )

    pages = pages_of(admin, sort=sort)

    assert [len(page) for page in pages] == [PAGE_SIZE, PAGE_SIZE, 20]
    seen = [id_instance for page in pages for id_instance in page]
    assert seen == ids_in_python_order(sort)


def ids_in_python_order(sort: str) -> list[int]:
    """The order every page must follow, computed apart from the database's."""
    rank = {
        value: n
        for n, (value, _l) in enumerate(sorted(Instance.State.choices, key=lambda c: str(c[1])))
    }
    far = datetime.max.replace(tzinfo=UTC)
    near = datetime.min.replace(tzinfo=UTC)
    descending = sort.startswith("-")
    missing = near if descending else far  # missing dates last both ways
    keys = {
        "created": lambda i: i.time_created or missing,
        "changed": lambda i: i.state_changed_at or missing,
        "name": lambda i: i.name.lower(),
        "state": lambda i: rank[i.state],
    }[sort.lstrip("-")]
    rows = sorted(
        Instance.objects.all(), key=lambda i: (keys(i), i.id_instance), reverse=descending
    )
    return [row.id_instance for row in rows]


def test_previous_goes_back_to_the_same_rows(admin: User) -> None:
    Instance.objects.bulk_create(
        Instance(id_instance=1101000000 + n, name=f"Shop {n}", time_created=T0) for n in range(120)
    )
    first = instance_list(user=admin, filters=InstanceFilters(sort="name"))
    second = instance_list(
        user=admin, filters=InstanceFilters(sort="name", after=first.page.next_cursor)
    )

    back = instance_list(
        user=admin, filters=InstanceFilters(sort="name", before=second.page.previous_cursor)
    )

    assert [row.id_instance for row in back.page] == [row.id_instance for row in first.page]
    assert not back.page.has_previous
    assert back.page.has_next


def test_pager_links_keep_the_filters(admin: User) -> None:
    Instance.objects.bulk_create(
        Instance(id_instance=1101000000 + n, name=f"Shop {n}", time_created=T0) for n in range(60)
    )

    html = logged_in(admin).get("/instances/?q=shop&sort=name").content.decode()

    assert 'href="/instances/?q=shop&amp;sort=name&amp;after=' in html
    assert "60 instances" in html
    next_url = re.search(r'href="(/instances/\?q=shop&amp;sort=name&amp;after=[^"]+)"', html)
    assert next_url is not None
    second = logged_in(admin).get(next_url.group(1).replace("&amp;", "&"))
    assert len(shown_ids(second)) == 10
    assert 'href="/instances/?q=shop&amp;sort=name&amp;before=' in second.content.decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "abc",
        "%00",
        "x" * 5000,
        "W10",
        "WyJhIiwxXQ",
        "WzEsMV0",
        "WzEsOTk5OTk5OTk5OTk5OTk5OTk5OTk5XQ",
    ],
)
def test_a_bad_cursor_says_so_and_shows_the_first_page(admin: User, cursor: str) -> None:
    Instance.objects.bulk_create(
        Instance(id_instance=1101000000 + n, time_created=T0) for n in range(60)
    )

    response = logged_in(admin).get(f"/instances/?sort=-created&after={cursor}")

    assert response.status_code == 200
    assert "That page link is broken or out of date" in response.content.decode()
    assert len(shown_ids(response)) == PAGE_SIZE
    assert "Previous" not in response.content.decode()


def test_a_cursor_of_another_sort_is_refused(admin: User) -> None:
    make(1101000001, name="Shop")
    created_cursor = instance_list(user=admin, filters=InstanceFilters()).page.next_cursor

    response = logged_in(admin).get(f"/instances/?sort=state&after={created_cursor}")

    assert "That page link is broken or out of date" in response.content.decode()


# Counts per state


def test_counts_per_state_follow_every_filter_but_the_state(admin: User) -> None:
    make(1101000001, name="Shop", state="authorized")
    make(1101000002, name="Shop", state="authorized")
    make(1101000003, name="Shop", state="creating")
    make(1101000004, name="Cafe", state="authorized")
    make(1101000005, name="Shop", state="authorized", deleted=True)

    listing = instance_list(user=admin, filters=InstanceFilters(q="shop", state="creating"))

    counts = {item.key: item.count for item in listing.counts}
    assert counts == {"": 3, "authorized": 2, "creating": 1}
    selected = [item.key for item in listing.counts if item.selected]
    assert selected == ["creating"]


def test_each_count_is_a_link_that_applies_its_state_and_keeps_the_rest(admin: User) -> None:
    make(1101000001, name="Shop", state="authorized")
    make(1101000002, name="Shop", state="")

    html = logged_in(admin).get("/instances/?q=shop&sort=name").content.decode()

    assert 'href="/instances/?q=shop&amp;state=authorized&amp;sort=name"' in html
    assert 'href="/instances/?q=shop&amp;state=unknown&amp;sort=name"' in html
    assert 'href="/instances/?q=shop&amp;sort=name"' in html  # "All"
    assert "Linked <strong>1</strong>" in html
    assert "Unknown <strong>1</strong>" in html


def test_counts_of_a_reseller_user_are_their_own(world: Any) -> None:
    listing = instance_list(user=world.reseller_a_user, filters=InstanceFilters())

    assert [(item.key, item.count) for item in listing.counts] == [("", 1), ("unknown", 1)]


# The query string


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"q": "Bäckerei 7", "state": "", "messenger": "telegram", "show": "all"},
        {"state": "creating", "unassigned": True, "expired": True, "sort": "-changed"},
        {"sort": "name", "after": "WyJzaG9wIiwxMTAxMDAwMDAxXQ"},
        {"sort": "-state", "before": "WzMsMTEwMTAwMDAwMV0"},
        {"reseller_id": "A", "expired": False, "sort": "name", "show": "deleted"},
    ],
)
def test_the_query_string_reads_back_as_the_same_filters(
    admin: User, reseller_a: Reseller, fields: dict[str, Any]
) -> None:
    if fields.get("reseller_id") == "A":
        fields = {**fields, "reseller_id": reseller_a.pk}
    filters = InstanceFilters(**fields)

    form = InstanceFilterForm(QueryDict(filters.query()), user=admin)

    assert form.filters() == filters


BAD_QUERIES = [
    "state=evil",
    "state=",
    "messenger=icq",
    "reseller=999999",
    "reseller=abc",
    "reseller=1%00",
    "show=everything",
    "expired=maybe",
    "sort=evil",
    "sort=-id_instance;drop",
    "page=abc",
    "page=0",
    "page=-5",
    "page=1e400",
    "page=" + "9" * 5000,
    "after=abc",
    "before=%00",
    "after=" + "A" * 5000,
    "after=WzEsOTk5OTk5OTk5OTk5OTk5OTk5OTk5XQ&sort=state",
    "after=W10&before=W10",
    "q=" + "x" * 5000,
    "q=%00",
    "q=%ff%fe",
    "q=%F0%9F%98%80",
    "q=%25_%5C",
    "q=' OR 1=1 --",
    "q=99999999999999999999999999",
    "state=creating&state=authorized",
    "q=a&q=b",
]


@pytest.mark.parametrize("query", BAD_QUERIES)
def test_bad_parameters_never_break_the_page(world: Any, query: str) -> None:
    for persona in ("admin", "reseller_a_user"):
        response = world.client(persona).get(f"/instances/?{query}")
        assert response.status_code == 200, persona
        htmx = world.client(persona).get(f"/instances/?{query}", headers={"HX-Request": "true"})
        assert htmx.status_code == 200, persona


def test_a_bad_value_is_reported_and_the_rest_still_applies(admin: User) -> None:
    make(1101000001, name="Shop", state="authorized")
    make(1101000002, name="Cafe", state="authorized")

    response = logged_in(admin).get("/instances/?q=shop&state=evil&sort=evil")

    assert shown_ids(response) == {1101000001}
    assert "Not a choice here, so it was ignored." in response.content.decode()
