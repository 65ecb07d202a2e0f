"""The worker's state checks in parallel: bounded, and never two calls for one instance.

PostgreSQL only: on in-memory SQLite the live emulator shares one connection between its threads
(partnerportal/settings_test.py runs the checks one at a time there).
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from instances.services import state_refresh
from instances.services.state_refresh import RefreshResult, states_refresh_due
from tests.instances.test_state_refresh import STATE_CALLS, mirrored
from tests.support.parallel import postgres_only
from tests.support.sandbox import SandboxControl

pytestmark = [postgres_only, pytest.mark.usefixtures("greenapi_settings")]


class InFlight:
    """Wraps the threads' call to count how many are asking Green API at once."""

    def __init__(self) -> None:
        self.now = self.most = 0
        self.lock = threading.Lock()
        self.ask = state_refresh._ask

    def __call__(self, instance: Any) -> Any:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            return self.ask(instance)
        finally:
            with self.lock:
                self.now -= 1


def test_at_most_the_configured_number_of_calls_are_in_flight(
    sandbox: SandboxControl, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.STATE_REFRESH_CONCURRENCY = 4
    ids = mirrored(*(f"Shop {n}" for n in range(12)))
    sandbox.add_fault(STATE_CALLS, "hang", seconds=0.3)  # slow, but it answers
    in_flight = InFlight()
    monkeypatch.setattr(state_refresh, "_ask", in_flight)

    result = states_refresh_due()

    assert (result.checked, result.failed, result.rate_limited) == (12, 0, 0)
    assert in_flight.most == 4
    assert all(sandbox.calls(pk)[STATE_CALLS] == 1 for pk in ids.values())
    # Every thread ended, its pooled connections closed.
    assert not [t for t in threading.enumerate() if t.name == "state-refresh"]


def test_two_rounds_at_once_share_the_due_instances_without_overlap(
    sandbox: SandboxControl, settings: Any
) -> None:
    settings.STATE_REFRESH_CONCURRENCY = 3
    ids = mirrored(*(f"Shop {n}" for n in range(12)))
    sandbox.add_fault(STATE_CALLS, "hang", seconds=0.2)
    results: list[RefreshResult] = []
    start = threading.Barrier(2)

    def round_() -> None:
        try:
            start.wait()
            results.append(states_refresh_due())
        finally:
            connection.close()

    rounds = [threading.Thread(target=round_) for _ in range(2)]
    for thread in rounds:
        thread.start()
    for thread in rounds:
        thread.join()

    assert sum(result.checked for result in results) == 12
    assert all(result.checked for result in results)  # both took a share
    assert sum(result.rate_limited for result in results) == 0
    assert all(sandbox.calls(pk)[STATE_CALLS] == 1 for pk in ids.values())
