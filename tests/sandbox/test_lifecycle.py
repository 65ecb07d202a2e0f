"""Time-driven states: the creation window, reboots, setSettings restarts, logout."""

from typing import Any

import pytest

from tests.sandbox.conftest import Wire

EXPIRED = "Instance account is expired. Renew your instance from personal area"
STARTING = "instance in starting process try later"


def test_a_new_instance_answers_null_state_then_not_authorized(
    wire: Wire, settings: Any, clock: Any
) -> None:
    settings.SANDBOX_CREATE_SECONDS = 30
    created = wire.create(name="slow")

    early = wire.call(created, "getStateInstance")
    clock.shift(29)
    still = wire.call(created, "getStateInstance")
    clock.shift(1)
    ready = wire.call(created, "getStateInstance")

    assert (early.status_code, early.text) == (200, "null")
    assert early.headers["Content-Type"] == "application/json"
    assert still.text == "null"
    assert ready.json() == {"stateInstance": "notAuthorized"}


@pytest.mark.parametrize(
    ("method", "verb"),
    [("qr", "GET"), ("getSettings", "GET"), ("getWaSettings", "GET"), ("reboot", "GET")],
)
def test_other_methods_answer_the_expiry_sentence_while_the_instance_is_built(
    wire: Wire, settings: Any, clock: Any, method: str, verb: str
) -> None:
    settings.SANDBOX_CREATE_SECONDS = 30
    created = wire.create(name="slow")

    response = wire.call(created, method, verb)

    assert (response.status_code, response.text) == (200, EXPIRED)
    assert response.headers["Content-Type"].startswith("text/plain")


def test_control_state_is_refused_while_the_instance_is_built(
    wire: Wire, sandbox: Any, settings: Any, clock: Any
) -> None:
    settings.SANDBOX_CREATE_SECONDS = 30
    created = wire.create(name="slow")

    assert sandbox.set_state(created["idInstance"], "authorized").status_code == 409
    assert sandbox.instance(created["idInstance"])["stateInstance"] is None


def test_reboot_reports_starting_then_the_previous_state(
    wire: Wire, instance: dict[str, Any], sandbox: Any, settings: Any, clock: Any
) -> None:
    settings.SANDBOX_REBOOT_SECONDS = 10
    sandbox.set_state(instance["idInstance"], "authorized").raise_for_status()

    response = wire.call(instance, "reboot")

    assert response.json() == {"isReboot": True}
    assert wire.state(instance) == "starting"
    clock.shift(9.9)
    assert wire.state(instance) == "starting"
    clock.shift(0.1)
    assert wire.state(instance) == "authorized"


@pytest.mark.parametrize(
    ("method", "verb", "body"),
    [
        ("qr", "GET", None),
        ("logout", "GET", None),
        ("getAuthorizationCode", "POST", {"phoneNumber": 79001234567}),
    ],
)
def test_starting_refuses_qr_pairing_and_logout_with_400(
    wire: Wire,
    instance: dict[str, Any],
    settings: Any,
    clock: Any,
    method: str,
    verb: str,
    body: Any,
) -> None:
    settings.SANDBOX_REBOOT_SECONDS = 10
    wire.call(instance, "reboot")

    response = wire.call(instance, method, verb, json=body)

    assert (response.status_code, response.text) == (400, STARTING)


def test_starting_still_answers_settings_and_wa_settings(
    wire: Wire, instance: dict[str, Any], settings: Any, clock: Any
) -> None:
    settings.SANDBOX_REBOOT_SECONDS = 10
    wire.call(instance, "reboot")

    assert wire.call(instance, "getSettings").status_code == 200
    assert wire.call(instance, "getWaSettings").json()["stateInstance"] == "starting"


def test_set_settings_restarts_the_instance_like_upstream(
    wire: Wire, instance: dict[str, Any], settings: Any, clock: Any
) -> None:
    settings.SANDBOX_REBOOT_SECONDS = 5

    wire.call(instance, "setSettings", "POST", json={"incomingWebhook": "yes"})

    assert wire.state(instance) == "starting"
    clock.shift(5)
    assert wire.state(instance) == "notAuthorized"


def test_logout_unlinks_the_phone_and_returns_to_not_authorized(
    wire: Wire, instance: dict[str, Any], sandbox: Any
) -> None:
    sandbox.set_state(instance["idInstance"], "authorized").raise_for_status()

    response = wire.call(instance, "logout")

    assert response.json() == {"isLogout": True}
    assert wire.state(instance) == "notAuthorized"
    assert wire.call(instance, "getSettings").json()["wid"] == ""
    seen = sandbox.instance(instance["idInstance"])
    assert (seen["phone"], seen["deviceLinked"]) == (None, False)
    assert wire.call(instance, "qr").json()["type"] == "qrCode"


def test_control_starting_lasts_until_a_reboot_ends_it(
    wire: Wire, instance: dict[str, Any], sandbox: Any, settings: Any, clock: Any
) -> None:
    settings.SANDBOX_REBOOT_SECONDS = 3
    sandbox.set_state(instance["idInstance"], "authorized").raise_for_status()
    sandbox.set_state(instance["idInstance"], "starting").raise_for_status()
    clock.shift(3600)
    assert wire.state(instance) == "starting"

    wire.call(instance, "reboot")
    clock.shift(3)

    assert wire.state(instance) == "authorized"


def test_control_starting_with_seconds_ends_by_itself(
    wire: Wire, instance: dict[str, Any], clock: Any
) -> None:
    wire.force(instance, state="starting", seconds=4)

    assert wire.state(instance) == "starting"
    clock.shift(4)
    assert wire.state(instance) == "notAuthorized"
