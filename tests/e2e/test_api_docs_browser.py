"""The API's docs page (/api/v1/docs, ninja's Swagger UI from our own static files) in Chromium,
under the portal's Content-Security-Policy: it renders every operation, fetches nothing from
another origin, and the browser reports no CSP violation and no script error."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser

from tests.e2e.conftest import ARTIFACTS, open_session

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Every violation the page's CSP reports, gathered before any script of the page runs.
_WATCH_CSP = """(() => {
  window.__cspViolations = [];
  document.addEventListener("securitypolicyviolation", (event) => {
    window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
  });
})();"""


def test_the_docs_page_renders_every_operation_under_the_csp(
    browser: Browser, live_server: Any
) -> None:
    session = open_session(browser, live_server.url)
    session.context.add_init_script(_WATCH_CSP)
    requested: list[str] = []
    session.page.on("request", lambda request: requested.append(request.url))

    response = session.page.goto("/api/v1/docs")

    assert response is not None
    assert response.ok
    assert "script-src 'self'" in response.headers["content-security-policy"]
    document = session.context.request.get(live_server.url + "/api/v1/openapi.json").json()
    operations = [(method, path) for path, item in document["paths"].items() for method in item]
    blocks = session.page.locator(".opblock")
    blocks.first.wait_for()
    assert blocks.count() == len(operations)
    for method, path in operations:
        assert session.page.locator(f".opblock-{method} [data-path='{path}']").count() == 1
    # Open one operation: Swagger UI renders its parameters and answers (the problem types).
    session.page.locator(".opblock-summary").first.click()
    session.page.locator(".responses-table").first.wait_for()
    ARTIFACTS.mkdir(exist_ok=True)
    session.shot("api-docs")

    assert session.page.evaluate("window.__cspViolations") == []
    assert session.recorder.console_errors == []
    origin = urlsplit(live_server.url).netloc
    assert {urlsplit(url).netloc for url in requested if url.startswith("http")} == {origin}
