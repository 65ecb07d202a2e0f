"""The instance API's answers, field by field (docs/greenapi.md §3 and §4.1)."""

import base64
import io
from typing import Any

import pytest
import requests
from PIL import Image

from tests.sandbox.conftest import Wire

SETTINGS_FIELDS = {
    "wid": str,
    "countryInstance": str,
    "typeAccount": str,
    "webhookUrl": str,
    "webhookUrlToken": str,
    "delaySendMessagesMilliseconds": int,
    "markIncomingMessagesReaded": str,
    "markIncomingMessagesReadedOnReply": str,
    "sharedSession": str,
    "proxyInstance": str,
    "outgoingWebhook": str,
    "outgoingMessageWebhook": str,
    "outgoingAPIMessageWebhook": str,
    "incomingWebhook": str,
    "deviceWebhook": str,
    "statusInstanceWebhook": str,
    "stateWebhook": str,
    "enableMessagesHistory": str,
    "keepOnlineStatus": str,
    "pollMessageWebhook": str,
    "incomingBlockWebhook": str,
    "incomingCallWebhook": str,
    "editedMessageWebhook": str,
    "deletedMessageWebhook": str,
}
FLAGS = [
    "markIncomingMessagesReaded",
    "markIncomingMessagesReadedOnReply",
    "outgoingWebhook",
    "outgoingMessageWebhook",
    "outgoingAPIMessageWebhook",
    "stateWebhook",
    "incomingWebhook",
    "deviceWebhook",
    "keepOnlineStatus",
    "pollMessageWebhook",
    "incomingBlockWebhook",
    "incomingCallWebhook",
    "editedMessageWebhook",
    "deletedMessageWebhook",
]


def test_get_state_instance_of_a_ready_instance_is_not_authorized(
    wire: Wire, instance: dict[str, Any]
) -> None:
    response = wire.call(instance, "getStateInstance")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"stateInstance": "notAuthorized"}


def test_qr_is_a_base64_png_of_about_276_pixels(wire: Wire, instance: dict[str, Any]) -> None:
    body = wire.call(instance, "qr").json()

    assert set(body) == {"type", "message"}
    assert body["type"] == "qrCode"
    image = Image.open(io.BytesIO(base64.b64decode(body["message"], validate=True)))
    assert image.format == "PNG"
    assert image.size[0] == image.size[1]
    assert 240 <= image.size[0] <= 320


@pytest.mark.parametrize("state", ["authorized", "yellowCard"])
def test_qr_of_a_linked_instance_is_already_logged(
    wire: Wire, instance: dict[str, Any], sandbox: Any, state: str
) -> None:
    sandbox.set_state(instance["idInstance"], state).raise_for_status()

    assert wire.call(instance, "qr").json() == {
        "type": "alreadyLogged",
        "message": "instance account already authorized",
    }


def test_qr_of_a_blocked_instance_is_type_error(
    wire: Wire, instance: dict[str, Any], sandbox: Any
) -> None:
    sandbox.set_state(instance["idInstance"], "blocked").raise_for_status()

    body = wire.call(instance, "qr").json()

    assert body["type"] == "error"
    assert isinstance(body["message"], str)
    assert body["message"]


def test_get_settings_has_every_documented_field_with_defaults_off(
    wire: Wire, instance: dict[str, Any]
) -> None:
    body = wire.call(instance, "getSettings").json()

    assert list(body) == list(SETTINGS_FIELDS)
    for name, expected_type in SETTINGS_FIELDS.items():
        assert type(body[name]) is expected_type, name
    assert body["wid"] == ""
    assert body["webhookUrl"] == body["webhookUrlToken"] == ""
    assert all(body[flag] == "no" for flag in FLAGS)


def test_create_instance_settings_are_echoed_by_get_settings(wire: Wire) -> None:
    params: dict[str, Any] = {
        "name": "All options",
        "webhookUrl": "https://hooks.example.com/green",
        "webhookUrlToken": "hook-secret",
        "delaySendMessagesMilliseconds": 1500,
        **dict.fromkeys(FLAGS, "yes"),
    }
    created = wire.create(**params)

    body = wire.call(created, "getSettings").json()

    for key, value in params.items():
        if key != "name":
            assert body[key] == value, key


def test_get_settings_wid_is_the_phone_once_authorized(
    wire: Wire, instance: dict[str, Any]
) -> None:
    wire.force(instance, state="authorized", phoneNumber=79123456789)

    assert wire.call(instance, "getSettings").json()["wid"] == "79123456789@c.us"


@pytest.mark.parametrize("type_instance", ["telegram", "v3"])
def test_get_settings_of_telegram_and_max_also_names_the_type(
    wire: Wire, type_instance: str
) -> None:
    created = wire.create(typeInstance=type_instance)

    assert wire.call(created, "getSettings").json()["typeInstance"] == type_instance


def test_set_settings_saves_a_subset_and_get_settings_echoes_it(
    wire: Wire, instance: dict[str, Any]
) -> None:
    response = wire.call(
        instance,
        "setSettings",
        "POST",
        json={"webhookUrl": "http://127.0.0.1:9/hook", "stateWebhook": "yes"},
    )

    assert response.status_code == 200
    assert response.json() == {"saveSettings": True}
    body = wire.call(instance, "getSettings").json()
    assert (body["webhookUrl"], body["stateWebhook"]) == ("http://127.0.0.1:9/hook", "yes")
    assert body["incomingWebhook"] == "no"  # untouched keys keep their value


INVALID_SETTINGS_BODIES = [
    b"",
    b"{}",
    b'{"unknown": "yes"}',
    b'{"stateWebhook": "on"}',
    b'{"delaySendMessagesMilliseconds": 100}',
    b'{"webhookUrl": "not a url"}',
    b'{"stateWebhook": "yes"',
    b"[]",
]


def test_set_settings_refuses_empty_or_invalid_bodies_with_bad_request_data(
    wire: Wire, instance: dict[str, Any]
) -> None:
    for data in INVALID_SETTINGS_BODIES:
        response = wire.call(instance, "setSettings", "POST", data=data)

        assert (response.status_code, response.text) == (400, "bad request data"), data
    assert wire.call(instance, "getSettings").json()["stateWebhook"] == "no"


def test_get_wa_settings_is_empty_until_authorized(wire: Wire, instance: dict[str, Any]) -> None:
    assert wire.call(instance, "getWaSettings").json() == {
        "avatar": "",
        "phone": "",
        "stateInstance": "notAuthorized",
        "deviceId": "",
    }


def test_get_wa_settings_names_phone_and_device_once_authorized(
    wire: Wire, instance: dict[str, Any], sandbox: Any
) -> None:
    sandbox.set_state(instance["idInstance"], "authorized").raise_for_status()

    assert wire.call(instance, "getWaSettings").json() == {
        "avatar": "",
        "phone": "79001234567",
        "stateInstance": "authorized",
        "deviceId": "79001234567:8@s.whatsapp.net",
    }


@pytest.mark.parametrize(
    ("state", "status"),
    [("notAuthorized", "offline"), ("authorized", "online"), ("blocked", "offline")],
)
def test_get_status_instance_is_online_only_when_linked(
    wire: Wire, instance: dict[str, Any], sandbox: Any, state: str, status: str
) -> None:
    sandbox.set_state(instance["idInstance"], state).raise_for_status()

    assert wire.call(instance, "getStatusInstance").json() == {"statusInstance": status}


def test_unknown_instance_is_404_instance_not_found(wire: Wire, instance: dict[str, Any]) -> None:
    other = {**instance, "idInstance": instance["idInstance"] + 1}

    response = wire.call(other, "getStateInstance")

    assert response.status_code == 404
    assert response.text == "Instance not found"


def test_wrong_instance_token_is_401_plain_text(wire: Wire, instance: dict[str, Any]) -> None:
    response = requests.get(wire.url(instance, "getStateInstance", token="f" * 50), timeout=10)

    assert response.status_code == 401
    assert response.text == "Unauthorized"
    assert response.headers["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize("spelling", ["GetStateInstance", "GETSTATEINSTANCE", "getstateinstance"])
def test_instance_method_names_are_case_insensitive(
    wire: Wire, instance: dict[str, Any], spelling: str
) -> None:
    assert wire.call(instance, spelling).json() == {"stateInstance": "notAuthorized"}


def test_unknown_instance_method_is_404(wire: Wire, instance: dict[str, Any]) -> None:
    assert wire.call(instance, "sendTelepathy").status_code == 404


@pytest.mark.parametrize(
    ("method", "verb"), [("getStateInstance", "POST"), ("setSettings", "GET"), ("qr", "DELETE")]
)
def test_wrong_http_verb_is_405(
    wire: Wire, instance: dict[str, Any], method: str, verb: str
) -> None:
    assert wire.call(instance, method, verb).status_code == 405


def test_max_instances_answer_under_the_v3_prefix_only(wire: Wire) -> None:
    max_instance = wire.create(typeInstance="v3")
    whatsapp = wire.create(typeInstance="whatsapp")
    as_whatsapp = {**max_instance, "typeInstance": "whatsapp"}  # drops the /v3 prefix
    as_max = {**whatsapp, "typeInstance": "v3"}  # adds it

    assert wire.call(max_instance, "getStateInstance").json() == {"stateInstance": "notAuthorized"}
    for wrong in (as_whatsapp, as_max):
        response = wire.call(wrong, "getStateInstance")
        assert (response.status_code, response.text) == (404, "Instance not found")


def test_expired_instance_answers_the_expiry_sentence_as_plain_text_with_http_200(
    wire: Wire, instance: dict[str, Any]
) -> None:
    wire.force(instance, isExpired=True)

    response = wire.call(instance, "getStateInstance")

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.text == "Instance account is expired. Renew your instance from personal area"
    listed = wire.partner("getInstances", verb="GET").json()
    assert listed[0]["isExpired"] is True
