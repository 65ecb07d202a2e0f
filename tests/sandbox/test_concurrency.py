"""Races the emulator must win: id allocation, `times` budgets and rate-limit slots."""

import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from django.db import connection

from tests.sandbox.conftest import Wire

# The default run shares one in-memory SQLite connection between the live server's threads,
# which cannot take concurrent writers; PostgreSQL (DATABASE_URL) can.
needs_concurrent_db = pytest.mark.skipif(
    connection.vendor == "sqlite", reason="needs a database that allows concurrent writers"
)


def _at_once(call: Callable[[], requests.Response], count: int) -> list[requests.Response]:
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(lambda _: call(), range(count)))


def test_an_id_collision_is_retried_with_another_id(
    wire: Wire, monkeypatch: pytest.MonkeyPatch
) -> None:
    draws = iter([42, 42, 43])
    monkeypatch.setattr(secrets, "randbelow", lambda _: next(draws))

    first, second = wire.create(name="first"), wire.create(name="second")

    assert (first["idInstance"], second["idInstance"]) == (1101000042, 1101000043)


def test_an_exhausted_pool_answers_code_100(wire: Wire, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(secrets, "randbelow", lambda _: 7)
    wire.create(name="the only one")

    response = wire.partner("createInstance", {"name": "no room"})

    assert response.status_code == 200
    assert response.json()["code"] == 100


@needs_concurrent_db
def test_parallel_creates_get_distinct_ids(wire: Wire) -> None:
    responses = _at_once(lambda: wire.partner("createInstance", {"name": "parallel"}), 8)

    ids = {response.json()["idInstance"] for response in responses}
    assert len(ids) == 8
    assert len(wire.partner("getInstances", verb="GET").json()) == 8


@needs_concurrent_db
def test_parallel_calls_never_overspend_a_fault_budget(
    wire: Wire, instance: dict[str, Any], sandbox: Any
) -> None:
    sandbox.add_fault("getStateInstance", "http500", times=3)

    responses = _at_once(lambda: wire.call(instance, "getStateInstance"), 10)

    assert sorted(response.status_code for response in responses) == [200] * 7 + [500] * 3


@needs_concurrent_db
def test_parallel_calls_share_one_rate_limit_window(
    wire: Wire, instance: dict[str, Any], settings: Any, clock: Any
) -> None:
    settings.SANDBOX_RATE_LIMITS = True

    responses = _at_once(lambda: wire.call(instance, "qr"), 8)

    assert sorted(response.status_code for response in responses) == [200] * 3 + [429] * 5


@needs_concurrent_db
def test_parallel_first_calls_are_all_counted(
    wire: Wire, instance: dict[str, Any], sandbox: Any
) -> None:
    # The first calls race to create the counter row: each one must be counted once.
    _at_once(lambda: wire.call(instance, "getSettings"), 8)

    assert sandbox.calls(instance["idInstance"]) == {"getSettings": 8}
