"""Injected faults: every kind, and the times / rate / after / idInstance options."""

import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from sandbox import busy
from tests.sandbox.conftest import Wire

EXPIRED = "Instance account is expired. Renew your instance from personal area"


def _created_count(wire: Wire) -> int:
    return len(wire.partner("getInstances", verb="GET").json())


def test_http500_answers_500_without_doing_the_work(wire: Wire, sandbox: Any) -> None:
    sandbox.add_fault("createInstance", "http500")

    response = wire.partner("createInstance", {"name": "lost"})

    assert response.status_code == 500
    sandbox.clear_faults()
    assert _created_count(wire) == 0


def test_http502_answers_an_nginx_html_page(
    wire: Wire, instance: dict[str, Any], sandbox: Any
) -> None:
    sandbox.add_fault("qr", "http502")

    response = wire.call(instance, "qr")

    assert response.status_code == 502
    assert response.headers["Content-Type"].startswith("text/html")
    assert "<center>nginx</center>" in response.text


def test_http429_answers_too_many_requests_with_retry_after(
    wire: Wire, instance: dict[str, Any], sandbox: Any
) -> None:
    sandbox.add_fault("getStateInstance", "http429")

    response = wire.call(instance, "getStateInstance")

    assert (response.status_code, response.text) == (429, "Too Many Requests")
    assert response.headers["Retry-After"] == "1"


def test_hang_delays_the_real_answer(wire: Wire, instance: dict[str, Any], sandbox: Any) -> None:
    sandbox.add_fault("getStateInstance", "hang", seconds=0.4, times=2)

    with pytest.raises(requests.ReadTimeout):
        wire.call(instance, "getStateInstance", timeout=0.1)
    started = time.monotonic()
    response = wire.call(instance, "getStateInstance", timeout=5)

    assert time.monotonic() - started >= 0.35
    assert response.json() == {"stateInstance": "notAuthorized"}


def test_clearing_the_faults_ends_a_hang_in_progress(
    wire: Wire, instance: dict[str, Any], sandbox: Any
) -> None:
    sandbox.add_fault("getStateInstance", "hang", seconds=60)
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(wire.call, instance, "getStateInstance", timeout=30)
        deadline = time.monotonic() + 10
        while busy.wait_idle(timeout=0):  # until the request is hanging
            assert time.monotonic() < deadline, "the request never started hanging"
            time.sleep(0.01)
        started = time.monotonic()

        sandbox.clear_faults()

        response = pending.result(timeout=10)
    assert time.monotonic() - started < 5
    assert response.json() == {"stateInstance": "notAuthorized"}


def test_drip_trickles_the_real_answer_out_slowly(
    wire: Wire, instance: dict[str, Any], sandbox: Any
) -> None:
    sandbox.add_fault("getSettings", "drip", seconds=0.8)

    started = time.monotonic()
    # Each chunk arrives well inside the read timeout; only a total deadline would notice.
    response = wire.call(instance, "getSettings", timeout=0.5)

    assert time.monotonic() - started >= 0.6
    assert response.status_code == 200
    assert response.json()["stateWebhook"] == "no"


def test_drip_with_a_body_override_trickles_that_body(
    wire: Wire, instance: dict[str, Any], sandbox: Any
) -> None:
    sandbox.add_fault("getStateInstance", "drip", seconds=0.3, body={"stateInstance": "blocked"})

    assert wire.call(instance, "getStateInstance").json() == {"stateInstance": "blocked"}


def test_malformed_answers_truncated_json(
    wire: Wire, instance: dict[str, Any], sandbox: Any
) -> None:
    sandbox.add_fault("getSettings", "malformed")

    response = wire.call(instance, "getSettings")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)


def test_malformed_after_the_work_truncates_the_real_answer(wire: Wire, sandbox: Any) -> None:
    sandbox.add_fault("createInstance", "malformed", after=True)

    response = wire.partner("createInstance", {"name": "half"})

    assert response.text.startswith('{"idInstance": ')
    with pytest.raises(json.JSONDecodeError):
        response.json()
    sandbox.clear_faults()
    assert _created_count(wire) == 1


def test_error200_answers_a_json_error_inside_http_200(
    wire: Wire, instance: dict[str, Any], sandbox: Any
) -> None:
    sandbox.add_fault("getStateInstance", "error200")
    sandbox.add_fault("qr", "error200")

    state = wire.call(instance, "getStateInstance")
    qr = wire.call(instance, "qr")

    assert (state.status_code, state.json()) == (
        200,
        {"code": 500, "description": "Internal server error"},
    )
    assert (qr.status_code, qr.json()) == (
        200,
        {"type": "error", "message": "Instance has auth. You need to make log out"},
    )


def test_error200_body_can_be_overridden(wire: Wire, sandbox: Any) -> None:
    sandbox.add_fault("createInstance", "error200", body={"code": 100, "description": "No room"})

    response = wire.partner("createInstance", {"name": "x"})

    assert response.json() == {"code": 100, "description": "No room"}


def test_text_answers_the_expiry_sentence_by_default(
    wire: Wire, instance: dict[str, Any], sandbox: Any
) -> None:
    sandbox.add_fault("getStateInstance", "text")

    response = wire.call(instance, "getStateInstance")

    assert (response.status_code, response.text) == (200, EXPIRED)
    assert response.headers["Content-Type"].startswith("text/plain")


def test_text_takes_a_status_and_a_body(wire: Wire, instance: dict[str, Any], sandbox: Any) -> None:
    sandbox.add_fault("getStateInstance", "text", status=403, body="403 Forbidden")

    response = wire.call(instance, "getStateInstance")

    assert (response.status_code, response.text) == (403, "403 Forbidden")


def test_times_limits_a_fault_to_the_next_n_calls(
    wire: Wire, instance: dict[str, Any], sandbox: Any
) -> None:
    sandbox.add_fault("getStateInstance", "http500", times=2)

    statuses = [wire.call(instance, "getStateInstance").status_code for _ in range(3)]

    assert statuses == [500, 500, 200]
    assert wire.control("GET", "/control/faults").json() == {"faults": []}


def test_rate_one_always_fires_and_rate_zero_never(
    wire: Wire, instance: dict[str, Any], sandbox: Any
) -> None:
    sandbox.add_fault("getStateInstance", "http500", rate=1.0)
    sandbox.add_fault("getSettings", "http500", rate=0.0)

    assert {wire.call(instance, "getStateInstance").status_code for _ in range(5)} == {500}
    assert {wire.call(instance, "getSettings").status_code for _ in range(5)} == {200}


def test_rate_fires_for_some_calls_only(wire: Wire, instance: dict[str, Any], sandbox: Any) -> None:
    sandbox.add_fault("getStateInstance", "http500", rate=0.5)

    statuses = [wire.call(instance, "getStateInstance").status_code for _ in range(40)]

    # 40 fair coin flips all landing one way has a chance of about 1 in 10^12.
    assert set(statuses) == {200, 500}


def test_rate_and_times_together_consume_only_fired_calls(
    wire: Wire, instance: dict[str, Any], sandbox: Any
) -> None:
    sandbox.add_fault("getStateInstance", "http500", rate=0.5, times=3)

    statuses = [wire.call(instance, "getStateInstance").status_code for _ in range(60)]

    assert statuses.count(500) == 3


def test_after_commits_the_create_but_loses_the_answer(wire: Wire, sandbox: Any) -> None:
    sandbox.add_fault("createInstance", "http502", after=True, times=1)

    lost = wire.partner("createInstance", {"name": "ghost"})

    assert lost.status_code == 502
    listed = wire.partner("getInstances", verb="GET").json()
    assert [item["name"] for item in listed] == ["ghost"]


def test_hang_after_the_work_times_out_a_create_that_happened(wire: Wire, sandbox: Any) -> None:
    sandbox.add_fault("createInstance", "hang", after=True, seconds=0.5, times=1)

    with pytest.raises(requests.ReadTimeout):
        requests.post(
            f"{wire.base_url}/partner/createInstance/{wire.partner_token}",
            json={"name": "slow"},
            timeout=0.2,
        )

    assert [item["name"] for item in wire.partner("getInstances", verb="GET").json()] == ["slow"]


def test_id_instance_restricts_a_fault_to_one_instance(wire: Wire, sandbox: Any) -> None:
    one, two = wire.create(name="one"), wire.create(name="two")
    sandbox.add_fault("getStateInstance", "http500", idInstance=one["idInstance"])

    assert wire.call(one, "getStateInstance").status_code == 500
    assert wire.call(two, "getStateInstance").status_code == 200


def test_star_matches_every_wire_method_and_the_oldest_fault_wins(
    wire: Wire, instance: dict[str, Any], sandbox: Any
) -> None:
    sandbox.add_fault("*", "http500")
    named = sandbox.add_fault("GETSETTINGS", "http502")

    assert named["method"] == "getSettings"

    assert wire.partner("getInstances", verb="GET").status_code == 500
    assert wire.call(instance, "qr").status_code == 500
    assert wire.call(instance, "getSettings").status_code == 500  # the oldest fault wins
    assert sandbox.calls() != {}  # the control API itself is never faulted


def test_faults_are_listed_and_cleared(wire: Wire, sandbox: Any) -> None:
    created = sandbox.add_fault("qr", "http500", times=2, idInstance=1101000001)

    listed = wire.control("GET", "/control/faults").json()["faults"]
    cleared = wire.control("DELETE", "/control/faults")

    assert isinstance(created["id"], int)
    assert (created["method"], created["times"]) == ("qr", 2)
    assert listed == [created]
    assert cleared.status_code == 200
    assert wire.control("GET", "/control/faults").json() == {"faults": []}


BAD_SPECS: list[Any] = [
    {"method": "qr", "kind": "explode"},
    {"method": "sendTelepathy", "kind": "http500"},
    {"kind": "http500"},
    {"method": "qr"},
    {"method": "qr", "kind": "http500", "times": 0},
    {"method": "qr", "kind": "http500", "times": "2"},
    {"method": "qr", "kind": "http500", "rate": 1.5},
    {"method": "qr", "kind": "http500", "rate": True},
    {"method": "qr", "kind": "http500", "after": "yes"},
    {"method": "qr", "kind": "hang", "seconds": -1},
    {"method": "qr", "kind": "hang", "seconds": 10**6},
    {"method": "qr", "kind": "http500", "status": 404},
    {"method": "qr", "kind": "text", "status": 99},
    {"method": "qr", "kind": "http500", "idInstance": "x"},
    {"method": "qr", "kind": "http500", "time": 2},
    {"method": "qr", "kind": "text", "body": "NUL \u0000 inside"},
    {"method": "qr", "kind": "text", "body": {"lone": "\ud800"}},
    ["qr", "http500"],
]


def test_a_bad_fault_spec_is_400(wire: Wire) -> None:
    for spec in BAD_SPECS:
        response = wire.control("POST", "/control/faults", json=spec)

        assert response.status_code == 400, spec
        assert response.json()["error"], spec
    assert wire.control("GET", "/control/faults").json() == {"faults": []}


def test_faulted_calls_are_counted(wire: Wire, instance: dict[str, Any], sandbox: Any) -> None:
    sandbox.reset_calls()
    sandbox.add_fault("qr", "http500", times=1)

    wire.call(instance, "qr")
    wire.call(instance, "qr")

    assert sandbox.calls(instance["idInstance"]) == {"qr": 2}
