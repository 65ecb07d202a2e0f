"""Browser tests: Playwright for Python driving Debian's chromium against the live server.

Never `playwright install`: it downloads browsers. The browser is /usr/bin/chromium (`.ci/run`
installs it). Without it these tests are skipped, unless E2E_REQUIRED=1 (set by CI): then they
fail, so a CI machine without a browser cannot pass unnoticed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connections
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Response,
    sync_playwright,
)

from accounts.models import User
from tests.support.personas import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
HERE = Path(__file__).parent


def _required() -> bool:
    return os.environ.get("E2E_REQUIRED") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CHROMIUM.exists() or _required():
        return
    skip = pytest.mark.skip(
        reason=f"{CHROMIUM} is not installed (apt-get install chromium); "
        "set E2E_REQUIRED=1 to fail instead of skipping"
    )
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _async_unsafe_ok(monkeypatch: pytest.MonkeyPatch) -> None:
    # Playwright's sync API runs an event loop in the test thread, which makes Django refuse
    # ORM calls there; the test thread only reads and writes test data.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"E2E_REQUIRED=1 but {CHROMIUM} is missing: install Debian's chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()
        # While Playwright's event loop runs, Django keeps this thread's database connections
        # apart from the usual ones (asgiref's Local follows the loop); close those here, or
        # PostgreSQL refuses to drop the test database at the end.
        connections.close_all()


@dataclass
class Recorder:
    """Every response the browser received, with its body, to look for secrets in."""

    bodies: list[tuple[str, bytes]] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def __call__(self, response: Response) -> None:
        try:
            self.bodies.append((response.url, response.body()))
        except Exception:  # redirects and aborted requests have no body
            self.bodies.append((response.url, b""))

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def assert_no_secret(self, *secrets: str) -> None:
        assert self.bodies, "no response was recorded"
        for url, body in self.bodies:
            for secret in secrets:
                assert secret.encode() not in body, f"a secret in the answer to {url}"
        # A Content Security Policy violation or a script error shows up here.
        assert self.console_errors == []


@dataclass
class Session:
    context: BrowserContext
    page: Page
    recorder: Recorder
    base_url: str

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def mark(self) -> None:
        """Set a marker that only survives as long as the page is not reloaded."""
        self.page.evaluate("window.__noReload = 'still here'")

    def not_reloaded(self) -> bool:
        return self.page.evaluate("window.__noReload") == "still here"

    def fetched(self, part: str) -> int:
        """How many fetch() calls this document has made to URLs containing `part`."""
        return self.page.evaluate(
            "part => window.__fetches.started.filter(url => url.includes(part)).length", part
        )

    def wait_fetches_settled(self) -> None:
        """Wait until every fetch() the document made has its whole answer (or failed)."""
        self.page.wait_for_function(
            "() => window.__fetches.settled === window.__fetches.started.length"
        )

    def image(self, selector: str = "img[data-qr]") -> bytes:
        """The bytes of the image the page shows, fetched with the page's own cookies."""
        src = self.page.get_attribute(selector, "src")
        assert src
        response = self.context.request.get(self.base_url + src)
        assert response.ok, response.status
        return response.body()


# Counts the page's fetch() calls, started and settled (body read or failed), so that a test
# can see at once whether a timer fired a poll, instead of watching the network for a while.
_COUNT_FETCHES = """(() => {
  const realFetch = window.fetch;
  const fetches = (window.__fetches = { started: [], settled: 0 });
  window.fetch = function (input, init) {
    fetches.started.push(String(input instanceof Request ? input.url : input));
    const answer = realFetch.apply(this, arguments);
    answer
      .then((response) => response.clone().text())
      .catch(() => null)
      .finally(() => { fetches.settled += 1; });
    return answer;
  };
})();"""


def open_session(browser: Browser, base_url: str, *, clock: bool = False) -> Session:
    """A fresh browser context and page. With `clock`, the page's timers run on Playwright's
    clock (time flows as usual until a test moves it on with page.clock.run_for) and its fetch()
    calls are counted (Session.fetched)."""
    context = browser.new_context(base_url=base_url, viewport={"width": 1100, "height": 900})
    context.set_default_timeout(20_000)
    if clock:
        context.clock.install()
        context.add_init_script(_COUNT_FETCHES)
    page = context.new_page()
    recorder = Recorder()
    page.on("response", recorder)
    page.on("console", recorder.on_console)
    return Session(context=context, page=page, recorder=recorder, base_url=base_url)


def log_in(session: Session, user: User) -> None:
    page = session.page
    page.goto("/login/")
    page.fill("input[name=username]", user.get_username())
    page.fill("input[name=password]", PASSWORD)
    # The login form's own button: the language switcher's buttons submit too.
    page.click("form:has(input[name=password]) button[type=submit]")
    page.wait_for_url(re.compile(r".*/instances/.*"))


@pytest.fixture
def e2e_settings(greenapi_settings: Any) -> Any:
    """The emulator as the real service would behave, with short waits."""
    greenapi_settings.SANDBOX_CREATE_SECONDS = 2
    greenapi_settings.SANDBOX_RATE_LIMITS = True
    return greenapi_settings
