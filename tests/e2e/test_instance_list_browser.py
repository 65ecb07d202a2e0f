"""The list page in Chromium: htmx under the strict CSP, the address bar, and no JavaScript."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from django.utils import timezone

from accounts.models import Reseller, User
from instances.models import Instance, SyncState
from tests.e2e.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

# Skipped without Chromium, or failed under E2E_REQUIRED=1: see tests/e2e/conftest.py.
pytestmark = pytest.mark.e2e


@pytest.fixture
def browser(live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    # Depends on live_server so the browser, and its open connections, close first.
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the ORM calls here are sync.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        # ORM calls made while Playwright's loop runs get a connection of their own (asgiref's
        # Local follows the context): close it, or PostgreSQL cannot drop the test database.
        connections.close_all()


def open_as(browser: Any, live_server: Any, user: User, *, javascript: bool = True) -> Any:
    client = Client()
    client.force_login(user)
    context = browser.new_context(java_script_enabled=javascript)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    page = context.new_page()
    page.problems = []  # script errors and CSP violations, and failed requests
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    page.on("console", lambda m: _console_problem(page, m))
    page.on("response", lambda r: r.status >= 400 and _request_problem(page, r))
    return page


def _console_problem(page: Any, message: Any) -> None:
    # A failed request is reported below, with its URL.
    if message.type == "error" and not message.text.startswith("Failed to load resource"):
        page.problems.append(message.text)


def _request_problem(page: Any, response: Any) -> None:
    if not response.url.endswith("/favicon.ico"):  # the portal has none yet
        page.problems.append(f"{response.status} {response.url}")


@pytest.fixture
def shops(transactional_db: None) -> None:
    SyncState.objects.create(pk=1, last_success_at=timezone.now())
    Instance.objects.create(id_instance=1101000001, name="Bakery bot", state="authorized")
    Instance.objects.create(id_instance=1101000002, name="Flower shop", state="")
    Instance.objects.create(id_instance=1101000003, name="Flower stall", state="creating")


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def rows(page: Any) -> list[str]:
    return page.locator("table.instances tbody td:nth-child(3)").all_inner_texts()


@pytest.mark.usefixtures("shops")
def test_typing_filters_in_place_and_the_url_keeps_the_query(
    browser: Any, live_server: Any, admin: User
) -> None:
    page = open_as(browser, live_server, admin)
    page.goto(f"{live_server.url}/instances/")  # htmx is ready once the page has loaded
    page.evaluate("document.body.dataset.marker = 'same page'")

    page.fill("#id_q", "flower")
    page.wait_for_url("**/instances/?q=flower")

    assert sorted(rows(page)) == ["Flower shop", "Flower stall"]
    # Swapped in place: the page was not reloaded.
    assert page.evaluate("document.body.dataset.marker") == "same page"

    page.locator(".state-counts a", has_text="Being created").click()
    page.wait_for_url("**/instances/?q=flower&state=creating")
    assert rows(page) == ["Flower stall"]
    # The form outside the swap follows the link's filter.
    assert page.input_value("#id_state") == "creating"

    page.go_back()
    page.wait_for_url("**/instances/?q=flower")
    # Locators, not wait_for_function: its string predicate is an eval the CSP reports.
    expect(page.locator("table.instances tbody tr")).to_have_count(2)
    assert page.problems == []


@pytest.mark.usefixtures("shops")
def test_the_page_works_without_javascript(browser: Any, live_server: Any, admin: User) -> None:
    page = open_as(browser, live_server, admin, javascript=False)
    page.goto(f"{live_server.url}/instances/")

    page.fill("#id_q", "bakery")
    page.click("#instance-filters button[type=submit]")

    page.wait_for_url("**/instances/?q=bakery*")
    assert rows(page) == ["Bakery bot"]


@pytest.mark.usefixtures("shops")
def test_admin_assigns_by_ticking_rows(
    browser: Any, live_server: Any, admin: User, reseller_a: Any
) -> None:
    page = open_as(browser, live_server, admin)
    page.goto(f"{live_server.url}/instances/?q=flower")

    page.check(".select-all")  # shown by static/js/instances.js
    page.select_option("#assign-reseller", label="Reseller A")
    page.click("#assign-form button[type=submit]")

    page.wait_for_url("**/instances/?q=flower")
    assert "2 instances assigned to Reseller A." in page.inner_text(".messages")
    assert set(Instance.objects.filter(reseller=reseller_a).values_list("name", flat=True)) == {
        "Flower shop",
        "Flower stall",
    }
    assert page.problems == []


# As long as the columns allow (255 and 120 characters), but not longer: PostgreSQL refuses.
LONG_NAME = ("Flower shop of the Great Northern Market, second floor, stall 42 " * 4)[:255]
LONG_WORD = "Z" * 240
LONG_RESELLER = ("Reseller with a name far longer than any column should ever be " * 2)[:120]


@pytest.fixture
def long_texts(transactional_db: None) -> None:
    SyncState.objects.create(pk=1, last_success_at=timezone.now())
    long_reseller = Reseller.objects.create(name=LONG_RESELLER)
    Instance.objects.create(id_instance=1101000001, name="Bakery", state="authorized")
    Instance.objects.create(
        id_instance=1101000002,
        name=LONG_NAME,
        phone="79001234567890",
        state="notAuthorized",
        reseller=long_reseller,
    )
    Instance.objects.create(id_instance=1101000003, name=LONG_WORD, is_expired=True)


@pytest.mark.usefixtures("long_texts")
@pytest.mark.parametrize("width", [1366, 1024], ids=["wide", "laptop"])
def test_rows_stay_one_line_high_however_long_their_text(
    browser: Any, live_server: Any, admin: User, width: int
) -> None:
    page = open_as(browser, live_server, admin)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/instances/?sort=name")

    short, long_name, long_word = (
        page.locator("table.instances tbody tr", has_text=text)
        for text in ("Bakery", "Flower shop", "ZZZZ")
    )
    heights = {row.bounding_box()["height"] for row in (short, long_name, long_word)}
    assert len(heights) == 1, heights
    # Cut short with an ellipsis, whole in the title.
    name = long_name.locator("a.clip")
    expect(name).to_have_attribute("title", LONG_NAME)
    assert name.evaluate("a => a.scrollWidth > a.clientWidth")
    assert name.evaluate("a => getComputedStyle(a).textOverflow") == "ellipsis"
    reseller = long_name.locator("td span.clip", has_text="Reseller with")
    expect(reseller).to_have_attribute("title", LONG_RESELLER)
    expect(long_name.locator("span.clip.phone")).to_have_attribute("title", "+79001234567890")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"list-one-line-rows-{width}.png"), full_page=True)
    assert page.problems == []


@pytest.mark.usefixtures("long_texts")
def test_on_a_phone_rows_are_cards_and_long_text_widens_nothing(
    browser: Any, live_server: Any, admin: User
) -> None:
    page = open_as(browser, live_server, admin)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/instances/?sort=name")

    row = page.locator("table.instances tbody tr", has_text="Flower shop")
    assert row.evaluate("r => getComputedStyle(r).display") != "table-row"
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    assert row.bounding_box()["width"] <= 390
    assert page.problems == []


@pytest.mark.usefixtures("transactional_db")
def test_choosing_a_page_size_and_going_to_a_page(
    browser: Any, live_server: Any, admin: User
) -> None:
    SyncState.objects.create(pk=1, last_success_at=timezone.now())
    Instance.objects.bulk_create(
        Instance(id_instance=1101000100 + n, name=f"Shop {n:03d}") for n in range(60)
    )
    page = open_as(browser, live_server, admin)
    page.goto(f"{live_server.url}/instances/?sort=name")

    page.select_option("#id_per_page", "25")
    page.wait_for_url("**/instances/?sort=name&per_page=25")
    expect(page.locator("table.instances tbody tr")).to_have_count(25)
    expect(page.locator(".page-jump")).to_contain_text("of 3")

    page.fill("#page-jump-number", "3")
    page.click(".page-jump button")
    page.wait_for_url("**/instances/?sort=name&per_page=25&page=3")
    expect(page.locator("table.instances tbody tr")).to_have_count(10)
    assert rows(page)[0] == "Shop 050"

    page.click("a[rel=prev]")
    expect(page.locator("table.instances tbody tr").first).to_contain_text("Shop 025")
    expect(page.locator("#page-jump-number")).to_have_value("2")
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(".pager").screenshot(path=str(ARTIFACTS / "list-go-to-page.png"))
    assert page.problems == []
