"""One Green API answer shared by every poller: one call at a time, never faster than its hold."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
import requests
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.models import User
from instances.models import Instance
from instances.services.shared_calls import Entry, shared_call
from tests.support.onboarding import make_instance
from tests.support.sandbox import SandboxControl


class Counter:
    def __init__(self, pause: float = 0.0) -> None:
        self.calls = 0
        self.pause = pause
        self.lock = threading.Lock()

    def __call__(self, previous: Any) -> tuple[str, float]:
        with self.lock:
            self.calls += 1
            number = self.calls
        time.sleep(self.pause)
        return f"answer {number}", 1.0


def test_concurrent_requests_make_one_call_and_share_its_answer() -> None:
    fetch = Counter(pause=0.3)
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda _: shared_call("k", fetch, wait=5), range(20)))

    assert fetch.calls == 1
    assert answers == ["answer 1"] * 20


def test_a_new_call_only_after_the_hold() -> None:
    fetch = Counter()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert shared_call("k", fetch, wait=1) == "answer 1"
        clock.shift(timedelta(seconds=0.9))
        assert shared_call("k", fetch, wait=1) == "answer 1"
        clock.shift(timedelta(seconds=0.2))
        assert shared_call("k", fetch, wait=1) == "answer 2"
    assert fetch.calls == 2


def test_while_one_request_calls_the_others_get_the_last_answer() -> None:
    cache.set("k", Entry("old", 0.0))
    cache.add("k:lock", 1)  # another process is calling right now
    fetch = Counter()

    assert shared_call("k", fetch, wait=1) == "old"
    assert fetch.calls == 0


def test_with_no_answer_yet_a_request_waits_a_little_then_gives_up() -> None:
    cache.add("k:lock", 1)
    started = time.monotonic()

    assert shared_call("k", Counter(), wait=0.3) is None
    assert 0.3 <= time.monotonic() - started < 2


def test_the_previous_answer_is_handed_to_the_call() -> None:
    seen: list[Any] = []

    def fetch(previous: Any) -> tuple[str, float]:
        seen.append(previous)
        return "next", 0.0

    shared_call("k", fetch, wait=1)
    shared_call("k", fetch, wait=1)
    assert seen == [None, "next"]


def test_after_a_failing_call_the_next_one_waits_a_moment() -> None:
    def fetch(previous: Any) -> tuple[str, float]:
        raise RuntimeError("boom")

    with time_machine.travel(timezone.now(), tick=False) as clock:
        with pytest.raises(RuntimeError):
            shared_call("k", fetch, wait=0)
        assert not cache.add("k:lock", 1)  # the call may have counted upstream
        clock.shift(timedelta(seconds=2.5))
        assert cache.add("k:lock", 1)


# --- against the emulator, with its rate limits on -------------------------------------------


@pytest.fixture
def refusals(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every 429 the emulator's rate limiter sends (it runs in this process)."""
    from sandbox import views_instance

    seen: list[str] = []
    real = views_instance.too_many_requests

    def counted() -> Any:
        seen.append("429")
        return real()

    monkeypatch.setattr(views_instance, "too_many_requests", counted)
    return seen


@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="needs a database that allows concurrent writers"
)
def test_many_pollers_of_one_instance_draw_no_429(
    greenapi_settings: Any,
    reseller_a_user: User,
    sandbox: SandboxControl,
    live_server: Any,
    refusals: list[str],
) -> None:
    instance: Instance = make_instance(reseller_a_user.reseller)
    sandbox.reset_calls()
    session_cookie = _login(live_server.url, reseller_a_user)
    # One request first: it starts the session clock, so the pollers never write the session.
    requests.get(
        f"{live_server.url}/instances/{instance.pk}/connect/",
        cookies={settings.SESSION_COOKIE_NAME: session_cookie},
        timeout=20,
    ).raise_for_status()
    stop = time.monotonic() + 4
    failures: list[int] = []

    def poll(index: int) -> None:
        with requests.Session() as browser:
            browser.cookies.set(settings.SESSION_COOKIE_NAME, session_cookie)
            while time.monotonic() < stop:
                path = "connect/qr.png" if index % 2 else "connect/status/"
                response = browser.get(
                    f"{live_server.url}/instances/{instance.pk}/{path}",
                    headers={"HX-Request": "true"},
                    timeout=20,
                )
                if response.status_code != 200:
                    failures.append(response.status_code)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(poll, range(8)))
    elapsed = time.monotonic() - started

    calls = sandbox.calls(instance.pk)
    assert refusals == []
    assert failures == []
    assert calls["qr"] <= 3 * elapsed + 3
    assert calls.get("getStateInstance", 0) <= elapsed + 2  # none while the code shows


def _login(base_url: str, user: User) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value
