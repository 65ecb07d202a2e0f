"""Per-instance, per-method rate limits over a sliding second (docs/greenapi.md §4.3)."""

from typing import Any

import pytest

from tests.sandbox.conftest import Wire


@pytest.fixture(autouse=True)
def _rate_limits_on(settings: Any) -> None:
    settings.SANDBOX_RATE_LIMITS = True


def test_a_fourth_qr_within_a_second_is_429_with_retry_after(
    clock: Any, wire: Wire, instance: dict[str, Any]
) -> None:
    statuses = [wire.call(instance, "qr").status_code for _ in range(3)]
    limited = wire.call(instance, "qr")

    assert statuses == [200, 200, 200]
    assert limited.status_code == 429
    assert limited.text == "Too Many Requests"
    assert limited.headers["Retry-After"] == "1"


@pytest.mark.parametrize(
    ("method", "verb", "body"),
    [
        ("getStateInstance", "GET", None),
        ("getStatusInstance", "GET", None),
        ("getSettings", "GET", None),
        ("getWaSettings", "GET", None),
        ("setSettings", "POST", {"incomingWebhook": "yes"}),
        ("reboot", "GET", None),
        ("logout", "GET", None),
        ("getAuthorizationCode", "POST", {"phoneNumber": 79001234567}),
        ("showMessagesQueue", "GET", None),
    ],
)
def test_a_second_call_within_a_second_is_429_for_one_rps_methods(
    clock: Any, wire: Wire, instance: dict[str, Any], method: str, verb: str, body: Any
) -> None:
    first = wire.call(instance, method, verb, json=body)
    second = wire.call(instance, method, verb, json=body)

    assert first.status_code == 200
    assert second.status_code == 429


@pytest.mark.parametrize(("method", "limit"), [("sendMessage", 50), ("getMessage", 10)])
def test_message_methods_have_their_published_limits(
    clock: Any, wire: Wire, instance: dict[str, Any], method: str, limit: int
) -> None:
    body = {"chatId": "79001112233@c.us", "message": "Hi", "idMessage": "X"}
    statuses = [wire.call(instance, method, "POST", json=body).status_code for _ in range(limit)]

    assert 429 not in statuses
    assert wire.call(instance, method, "POST", json=body).status_code == 429


def test_the_window_slides_one_second(clock: Any, wire: Wire, instance: dict[str, Any]) -> None:
    assert wire.call(instance, "getStateInstance").status_code == 200
    clock.shift(0.5)
    assert wire.call(instance, "getStateInstance").status_code == 429
    clock.shift(0.5)
    # Refused calls do not count, so one second after the accepted one the slot is free.
    assert wire.call(instance, "getStateInstance").status_code == 200


def test_limits_are_per_instance_and_per_method(clock: Any, wire: Wire) -> None:
    one, two = wire.create(name="one"), wire.create(name="two")

    assert wire.call(one, "getStateInstance").status_code == 200
    assert wire.call(two, "getStateInstance").status_code == 200
    assert wire.call(one, "getSettings").status_code == 200
    assert wire.call(one, "getStateInstance").status_code == 429


def test_partner_methods_are_not_limited(clock: Any, wire: Wire) -> None:
    statuses = {wire.partner("getInstances", verb="GET").status_code for _ in range(10)}

    assert statuses == {200}


def test_the_limits_can_be_switched_off(
    clock: Any, wire: Wire, instance: dict[str, Any], settings: Any
) -> None:
    settings.SANDBOX_RATE_LIMITS = False

    statuses = {wire.call(instance, "getStateInstance").status_code for _ in range(5)}

    assert statuses == {200}


def test_calls_refused_with_429_are_still_counted(
    clock: Any, wire: Wire, instance: dict[str, Any], sandbox: Any
) -> None:
    for _ in range(3):
        wire.call(instance, "getStateInstance")

    assert sandbox.calls(instance["idInstance"]) == {"getStateInstance": 3}
