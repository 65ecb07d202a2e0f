"""The control API: bearer auth, instance inspection and steering, call counting."""

from typing import Any

import pytest
import requests

from tests.sandbox.conftest import Wire

ENDPOINTS = [
    ("GET", "/control/instances/1101000000"),
    ("POST", "/control/instances/1101000000/state"),
    ("GET", "/control/faults"),
    ("POST", "/control/faults"),
    ("DELETE", "/control/faults"),
    ("GET", "/control/calls"),
    ("DELETE", "/control/calls"),
    ("GET", "/control/listing"),
    ("POST", "/control/listing"),
    ("DELETE", "/control/listing"),
    ("POST", "/phone/scan"),
    ("POST", "/phone/pair"),
]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer gac.00000000000000000000000000000000"},
        {"Authorization": "Basic Z2FjOng="},
        {"Authorization": "Bearer"},
    ],
    ids=["missing", "wrong-token", "wrong-scheme", "empty"],
)
def test_the_control_api_needs_the_partner_token_as_bearer(
    sandbox_url: str, headers: dict[str, str]
) -> None:
    for verb, path in ENDPOINTS:
        response = requests.request(
            verb, f"{sandbox_url}{path}", headers=headers, json={}, timeout=10
        )

        assert response.status_code == 401, (verb, path)
        assert response.json()["error"], (verb, path)
        assert response.headers["WWW-Authenticate"] == "Bearer", (verb, path)


def test_a_wrong_verb_on_the_control_api_is_405(wire: Wire) -> None:
    assert wire.control("PUT", "/control/faults").status_code == 405
    assert wire.control("GET", "/phone/scan").status_code == 405


def test_instance_detail_shows_internal_state_but_never_the_token(
    wire: Wire, instance: dict[str, Any], sandbox: Any
) -> None:
    detail = sandbox.instance(instance["idInstance"])

    assert detail["idInstance"] == instance["idInstance"]
    assert detail["stateInstance"] == "notAuthorized"
    assert (detail["phone"], detail["deviceLinked"], detail["deleted"], detail["isExpired"]) == (
        None,
        False,
        False,
        False,
    )
    assert detail["currentQrPayload"].startswith("2@")
    assert instance["apiTokenInstance"] not in str(detail)


def test_instance_detail_of_an_unknown_or_malformed_id_is_404(wire: Wire) -> None:
    for raw_id in ["1101999999", "abc", "9" * 40, "-1", "\u0661\u0662\u0663"]:
        response = wire.control("GET", f"/control/instances/{raw_id}")

        assert response.status_code == 404, raw_id
        assert response.json()["error"], raw_id


@pytest.mark.parametrize("state", ["authorized", "yellowCard", "blocked", "notAuthorized"])
def test_control_moves_an_instance_to_any_state(
    wire: Wire, instance: dict[str, Any], sandbox: Any, state: str
) -> None:
    response = sandbox.set_state(instance["idInstance"], state)

    assert response.status_code == 200
    assert response.json()["stateInstance"] == state
    assert wire.state(instance) == state


def test_control_authorized_uses_the_given_phone_number(
    wire: Wire, instance: dict[str, Any]
) -> None:
    detail = wire.force(instance, state="authorized", phoneNumber=4915112345678)

    assert (detail["phone"], detail["wid"], detail["deviceLinked"]) == (
        4915112345678,
        "4915112345678@c.us",
        True,
    )


def test_control_marks_an_instance_expired_and_back(wire: Wire, instance: dict[str, Any]) -> None:
    assert wire.force(instance, isExpired=True)["isExpired"] is True
    assert wire.call(instance, "getStateInstance").text.startswith("Instance account is expired")

    assert wire.force(instance, isExpired=False)["isExpired"] is False
    assert wire.state(instance) == "notAuthorized"


BAD_STATE_BODIES: list[dict[str, Any]] = [
    {"state": "sleeping"},
    {"state": 5},
    {},
    {"isExpired": "yes"},
    {"state": "authorized", "phoneNumber": "79001234567"},
    {"state": "starting", "seconds": -3},
    {"state": "authorized", "colour": "red"},
]


def test_control_state_refuses_bad_input_with_400(wire: Wire, instance: dict[str, Any]) -> None:
    path = f"/control/instances/{instance['idInstance']}/state"
    for body in BAD_STATE_BODIES:
        response = wire.control("POST", path, json=body)

        assert response.status_code == 400, body
        assert response.json()["error"], body


def test_control_state_of_an_unknown_instance_is_404(sandbox: Any) -> None:
    assert sandbox.set_state(1101999999, "authorized").status_code == 404


def test_control_state_of_a_deleted_instance_is_409(
    wire: Wire, instance: dict[str, Any], sandbox: Any
) -> None:
    wire.partner("deleteInstanceAccount", {"idInstance": instance["idInstance"]})

    assert sandbox.set_state(instance["idInstance"], "authorized").status_code == 409


def test_calls_are_counted_per_canonical_method_name(
    wire: Wire, instance: dict[str, Any], sandbox: Any
) -> None:
    wire.call(instance, "QR")
    wire.call(instance, "qr")
    wire.call(instance, "GetStateInstance")
    wire.partner("getInstances", verb="GET")

    assert sandbox.calls() == {
        "createInstance": 1,
        "getInstances": 1,
        "getStateInstance": 1,
        "qr": 2,
    }
    assert sandbox.calls(instance["idInstance"]) == {"getStateInstance": 1, "qr": 2}


def test_calls_count_refused_requests_too(
    wire: Wire, instance: dict[str, Any], sandbox: Any
) -> None:
    requests.get(wire.url(instance, "getSettings", token="0" * 50), timeout=10)
    wire.call(instance, "getSettings", "POST")
    wire.partner("deleteInstanceAccount", {"idInstance": instance["idInstance"]})

    assert sandbox.calls(instance["idInstance"]) == {
        "deleteInstanceAccount": 1,
        "getSettings": 2,
    }


def test_calls_can_be_reset(wire: Wire, instance: dict[str, Any], sandbox: Any) -> None:
    wire.call(instance, "qr")

    sandbox.reset_calls()

    assert sandbox.calls() == {}


def test_calls_filter_refuses_a_malformed_id(wire: Wire) -> None:
    response = wire.control("GET", "/control/calls", params={"idInstance": "abc"})

    assert response.status_code == 400


def test_calls_tell_the_shortest_time_between_two_calls_to_one_instance(
    clock: Any, wire: Wire, instance: dict[str, Any], sandbox: Any
) -> None:
    other = wire.create(name="other")
    wire.call(instance, "qr")
    clock.shift(1.5)
    wire.call(instance, "qr")
    clock.shift(0.4)
    wire.call(other, "qr")  # another instance's call is no gap of this one's
    clock.shift(3)
    wire.call(instance, "qr")
    wire.call(instance, "getStateInstance")  # a single call has no gap

    assert sandbox.shortest_gaps(instance["idInstance"]) == {"qr": 1.5}
    assert sandbox.shortest_gaps() == {"qr": 1.5}


def test_resetting_the_calls_forgets_the_gaps(
    clock: Any, wire: Wire, instance: dict[str, Any], sandbox: Any
) -> None:
    wire.call(instance, "qr")
    clock.shift(0.2)
    wire.call(instance, "qr")

    sandbox.reset_calls()
    wire.call(instance, "qr")

    assert sandbox.shortest_gaps() == {}
