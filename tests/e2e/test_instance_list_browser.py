"""The list page in Chromium: htmx under the strict CSP, the address bar, and no JavaScript."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from django.utils import timezone

from accounts.models import User
from instances.models import Instance, SyncState
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

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
