"""Property tests: no body, however broken, gets anything but a GreenAPIError out of the client.

Every parser is fed through the same path as a real answer: `interpret` (status + bytes) and
then the parser. Random bytes, random text, random JSON documents and mutated valid samples.
"""

import contextlib
import copy
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from greenapi import GreenAPIError, PartnerInstance
from greenapi.listing import parse_instances
from greenapi.parsing import (
    parse_authorization_code,
    parse_confirmation,
    parse_created_instance,
    parse_deleted,
    parse_qr,
    parse_settings,
    parse_state,
    parse_wa_settings,
)
from greenapi.replies import Reply, interpret
from tests.greenapi import samples

PARSERS: dict[str, Callable[[Any], object]] = {
    "getInstances": parse_instances,
    "createInstance": parse_created_instance,
    "deleteInstanceAccount": lambda value: parse_deleted(value, 1101000001),
    "getStateInstance": parse_state,
    "qr": parse_qr,
    "getAuthorizationCode": parse_authorization_code,
    "logout": lambda value: parse_confirmation(value, method="logout", key="isLogout"),
    "reboot": lambda value: parse_confirmation(value, method="reboot", key="isReboot"),
    "setSettings": lambda value: parse_confirmation(
        value, method="setSettings", key="saveSettings"
    ),
    "getSettings": parse_settings,
    "getWaSettings": parse_wa_settings,
}
VALID: dict[str, Any] = {
    "getInstances": [samples.INSTANCE_2022, samples.INSTANCE_TELEGRAM],
    "createInstance": samples.CREATED,
    "deleteInstanceAccount": {"deleteInstanceAccount": True},
    "getStateInstance": {"stateInstance": "authorized"},
    "qr": samples.QR,
    "getAuthorizationCode": samples.AUTH_CODE,
    "logout": {"isLogout": True},
    "reboot": {"isReboot": True},
    "setSettings": {"saveSettings": True},
    "getSettings": samples.SETTINGS,
    "getWaSettings": samples.WA_SETTINGS,
}
STATUSES = st.sampled_from(
    [200, 200, 200, 201, 204, 301, 400, 401, 403, 404, 429, 466, 499, 500, 502]
)
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=25), children, max_size=6)
    ),
    max_leaves=25,
)
METHODS = st.sampled_from(sorted(PARSERS))


def _through_client(method: str, status: int, body: bytes) -> object:
    """What the client does with an answer; anything but GreenAPIError fails the test."""
    verb = "POST" if method in {"createInstance", "deleteInstanceAccount", "setSettings"} else "GET"
    try:
        value = interpret(Reply(status=status, body=body), method=method, verb=verb)
        result = PARSERS[method](value)
    except GreenAPIError as error:
        result = error
    if isinstance(result, GreenAPIError):
        assert result.message
        assert result.__cause__ is None
        assert result.__context__ is None
    return result


def test_valid_samples_parse() -> None:
    for method, body in VALID.items():
        result = _through_client(method, 200, json.dumps(body).encode())
        assert not isinstance(result, GreenAPIError), method


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(method=METHODS, status=STATUSES, body=st.binary(max_size=300))
def test_random_bytes_only_raise_client_errors(method: str, status: int, body: bytes) -> None:
    _through_client(method, status, body)


@settings(max_examples=300)
@given(method=METHODS, status=STATUSES, text=st.text(max_size=300))
def test_random_text_only_raises_client_errors(method: str, status: int, text: str) -> None:
    _through_client(method, status, text.encode("utf-8", "surrogatepass"))


@settings(max_examples=400)
@given(method=METHODS, status=STATUSES, value=JSON)
def test_random_json_only_raises_client_errors(method: str, status: int, value: Any) -> None:
    _through_client(method, status, json.dumps(value).encode())


@settings(max_examples=200)
@given(method=METHODS, value=JSON)
def test_random_json_values_given_straight_to_parsers_only_raise_client_errors(
    method: str, value: Any
) -> None:
    with contextlib.suppress(GreenAPIError):
        PARSERS[method](value)


@settings(max_examples=50)
@given(method=METHODS, depth=st.integers(min_value=1, max_value=200_000))
def test_deeply_nested_json_is_a_bad_response_not_a_recursion_error(
    method: str, depth: int
) -> None:
    _through_client(method, 200, b"[" * depth + b"]" * depth)


def _mutate(data: st.DataObject, value: Any) -> Any:
    """Drop a key, retype a value, add a key, or recurse into a list/dict of a valid sample."""
    if isinstance(value, list) and value:
        index = data.draw(st.integers(0, len(value) - 1))
        value[index] = _mutate(data, value[index])
        return value
    if isinstance(value, dict) and value:
        key = data.draw(st.sampled_from(sorted(value)))
        action = data.draw(st.sampled_from(["drop", "retype", "add", "deeper"]))
        if action == "drop":
            del value[key]
        elif action == "retype":
            value[key] = data.draw(JSON)
        elif action == "add":
            value[data.draw(st.text(max_size=20))] = data.draw(JSON)
        else:
            value[key] = _mutate(data, value[key])
        return value
    return data.draw(JSON)


@settings(max_examples=500)
@given(method=METHODS, data=st.data())
def test_mutated_valid_samples_parse_to_typed_results_or_raise_client_errors(
    method: str, data: st.DataObject
) -> None:
    value = copy.deepcopy(VALID[method])
    for _ in range(data.draw(st.integers(1, 3))):
        value = _mutate(data, value)

    result = _through_client(method, 200, json.dumps(value).encode())

    if isinstance(result, list):
        for instance in result:
            assert isinstance(instance, PartnerInstance)
            assert isinstance(instance.id_instance, int)
            assert instance.id_instance > 0
            assert isinstance(instance.api_token, str)
            assert isinstance(instance.deleted, bool)
            for when in (instance.time_created, instance.time_deleted, instance.expiration_date):
                assert when is None or (isinstance(when, datetime) and when.tzinfo is not None)


@settings(max_examples=200)
@given(
    status=st.sampled_from([200, 400, 500]),
    before=st.text(max_size=20),
    after=st.text(max_size=20),
    token=st.sampled_from([samples.INSTANCE_TOKEN, "gac.5e1f0a0b2c3d4e5f60718293a4b5c6d7"]),
)
def test_error_messages_never_repeat_a_token_found_in_the_body(
    status: int, before: str, after: str, token: str
) -> None:
    description = f"{before}{token}{after}"
    for body in (json.dumps({"code": 500, "description": description}), description):
        result = _through_client("getSettings", status, body.encode("utf-8", "surrogatepass"))
        if isinstance(result, GreenAPIError):
            assert token not in str(result)
            assert token not in repr(result)
