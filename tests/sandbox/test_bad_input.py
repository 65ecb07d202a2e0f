"""Garbage in, a clear 4xx out: nothing a client sends may produce a 500."""

import json
from typing import Any

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.sandbox.conftest import Wire

PATHS = [
    "/waInstanceabc/getStateInstance/token",
    "/waInstance99999999999999999999999999/getStateInstance/token",
    "/waInstance9223372036854775808/getStateInstance/token",
    "/waInstance-5/getStateInstance/token",
    "/waInstance0/getStateInstance/token",
    "/waInstance\u0661\u0662\u0663/getStateInstance/token",  # Arabic-Indic digits
    "/waInstance1101000000/getStateInstance/\u0442\u043e\u043a\u0435\u043d",
    "/waInstance1101000000/\u043f\u043e\u043b\u0443\u0447\u0438\u0442\u044c/token",
    "/waInstance1101000000/getStateInstance/%00%ff",
    "/v3/waInstance1101000000/qr/x",
    "/partner/createInstance/\u0442\u043e\u043a\u0435\u043d",
    "/partner/%F0%9F%92%A5/token",
    "/partner/getInstances/",
    "/control/instances/%F0%9F%92%A5",
    "/nonsense",
]


def test_malformed_urls_answer_4xx_or_a_partner_error(sandbox_url: str) -> None:
    # One test walking a table: each case costs a request, not a database flush.
    for path in PATHS:
        for verb in ("GET", "POST"):
            response = requests.request(verb, f"{sandbox_url}{path}", data=b"{", timeout=10)

            assert response.status_code < 500, (verb, path)
            if response.status_code == 200:  # partner errors live inside HTTP 200
                assert response.json()["code"] == 401, (verb, path)


BODIES = [
    b"{",
    b"\xff\xfe\x00",
    b"[" * 100_000,
    b'{"a": NaN}',
    b"null",
    b'"just a string"',
    b"12345678901234567890123456789",
    json.dumps({"phoneNumber": 10**40, "idInstance": 10**40}).encode(),
    json.dumps({"name": "\u0000\ud7ff\uffff🙂" * 10}).encode(),
    b'{"name": "\\ud800", "webhookUrlToken": "\\udfff", "idInstance": 1}',  # lone surrogates
    b'{"webhookUrlToken": "a\\u0000b", "payload": "\\u0000", "state": "\\u0000"}',
]


def test_garbage_bodies_never_cause_a_500(wire: Wire, instance: dict[str, Any]) -> None:
    targets = [
        f"{wire.base_url}/partner/createInstance/{wire.partner_token}",
        f"{wire.base_url}/partner/deleteInstanceAccount/{wire.partner_token}",
        wire.url(instance, "setSettings"),
        wire.url(instance, "getAuthorizationCode"),
    ]
    headers = {"Authorization": f"Bearer {wire.partner_token}"}
    controls = ["/phone/scan", "/phone/pair", "/control/faults"]
    controls.append(f"/control/instances/{instance['idInstance']}/state")

    for body in BODIES:
        for url in targets:
            response = requests.post(url, data=body, timeout=10)
            assert response.status_code < 500, (url.rsplit("/", 2)[-2], body[:40])
        for path in controls:
            response = requests.post(
                f"{wire.base_url}{path}", data=body, headers=headers, timeout=10
            )
            assert response.status_code == 400, (path, body[:40])


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(), children),
    max_leaves=5,
)
_create_keys = st.sampled_from(
    ["name", "typeInstance", "webhookUrl", "delaySendMessagesMilliseconds", "stateWebhook", "x"]
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.dictionaries(_create_keys, _json_values, max_size=4))
def test_create_instance_answers_an_instance_or_a_code_400_for_any_json(
    wire: Wire, body: dict[str, Any]
) -> None:
    # json.dumps rather than requests' json=, so NaN and Infinity reach the server too.
    response = requests.post(
        f"{wire.base_url}/partner/createInstance/{wire.partner_token}",
        data=json.dumps(body),
        timeout=10,
    )

    assert response.status_code == 200
    answer = response.json()
    assert "idInstance" in answer or answer["code"] == 400
