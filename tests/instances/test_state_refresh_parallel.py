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
    """Wraps the threads' call to count how many are asking Green API at once.

    The first `expected` calls wait for each other, which proves that many run at once however
    slowly the machine starts them (a round that allowed fewer would break the barrier).
    """

    def __init__(self, expected: int) -> None:
        self.now = self.most = self.started = 0
        self.lock = threading.Lock()
        self.gate = threading.Barrier(expected, timeout=10)
        self.ask = state_refresh._ask

    def __call__(self, instance: Any) -> Any:
        with self.lock:
            self.now += 1
            self.started += 1
            self.most = max(self.most, self.now)
            first = self.started <= self.gate.parties
        try:
            if first:
                self.gate.wait()
            return self.ask(instance)
        finally:
            with self.lock:
                self.now -= 1


def test_at_most_the_configured_number_of_calls_are_in_flight(
    sandbox: SandboxControl, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.STATE_REFRESH_CONCURRENCY = 4
    ids = mirrored(*(f"Shop {n}" for n in range(12)))
    sandbox.add_fault(STATE_CALLS, "hang", seconds=0.2)  # slow, but it answers
    in_flight = InFlight(expected=4)
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
    # Slow enough that neither round can finish them all before the other starts.
    sandbox.add_fault(STATE_CALLS, "hang", seconds=0.5)
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
