"""Many pollers of one instance for 30 s: our server stays within Green API's qr limit (3/s)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from django.conf import settings
from django.db import connection
from django.test import Client
from playwright.sync_api import Browser

from accounts.models import User
from tests.e2e.conftest import log_in, open_session
from tests.support.onboarding import make_instance
from tests.support.sandbox import SandboxControl

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.usefixtures("e2e_settings"),
    pytest.mark.skipif(
        connection.vendor == "sqlite", reason="needs a database that allows concurrent writers"
    ),
]

SECONDS = 30
CLIENTS = 6


def test_thirty_seconds_of_concurrent_polling_draw_no_429(
    browser: Browser,
    live_server: Any,
    reseller_a_user: User,
    sandbox: SandboxControl,
    monkeypatch: pytest.MonkeyPatch,
    e2e_settings: Any,
) -> None:
    from sandbox import views_instance

    refusals: list[str] = []
    real = views_instance.too_many_requests

    def counted() -> Any:
        refusals.append("429")  # the emulator runs in this process: count what it refuses
        return real()

    monkeypatch.setattr(views_instance, "too_many_requests", counted)
    e2e_settings.SANDBOX_CREATE_SECONDS = 0  # ready at once: every poll can get a code
    instance = make_instance(reseller_a_user.reseller)
    client = Client()
    client.force_login(reseller_a_user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    base = f"{live_server.url}/instances/{instance.pk}/connect/"
    # Starts the session clock first, so the pollers only read the session.
    requests.get(
        base, cookies={settings.SESSION_COOKIE_NAME: cookie}, timeout=20
    ).raise_for_status()
    sandbox.reset_calls()
    page_session = open_session(browser, live_server.url)  # and a real page, polling as usual
    log_in(page_session, reseller_a_user)
    page_session.page.goto(f"/instances/{instance.pk}/connect/")

    answers: dict[int, int] = {}
    lock = threading.Lock()
    started = time.monotonic()
    stop = started + SECONDS

    def poll(number: int) -> None:
        with requests.Session() as http:
            http.cookies.set(settings.SESSION_COOKIE_NAME, cookie)
            while time.monotonic() < stop:
                url = base + ("qr.png" if number % 3 else "status/")
                status = http.get(url, headers={"HX-Request": "true"}, timeout=20).status_code
                with lock:
                    answers[status] = answers.get(status, 0) + 1
                time.sleep(0.05)

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        list(pool.map(poll, range(CLIENTS)))
    elapsed = time.monotonic() - started
    page_session.context.close()

    calls = sandbox.calls(instance.pk)
    print(  # the figure for the README and reports; shown with pytest -s
        f"\n{sum(answers.values())} polls in {elapsed:.1f} s -> qr {calls.get('qr', 0)} calls "
        f"({calls.get('qr', 0) / elapsed:.2f}/s), getStateInstance "
        f"{calls.get('getStateInstance', 0)} ({calls.get('getStateInstance', 0) / elapsed:.2f}/s)"
    )
    assert refusals == []
    assert set(answers) == {200}
    assert sum(answers.values()) > 10 * SECONDS  # many more polls than Green API calls
    assert calls["qr"] <= 3 * elapsed + 3
    assert calls.get("getStateInstance", 0) <= elapsed + 2  # none while the code shows
