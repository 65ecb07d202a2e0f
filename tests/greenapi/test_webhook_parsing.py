"""Reading the webhook bodies Green API posts (docs/greenapi.md §3.13): typed, strict, no values."""

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from greenapi.webhooks import (
    DeviceInfo,
    MalformedWebhook,
    QuotaExceeded,
    StateInstanceChanged,
    Webhook,
    parse_webhook,
)

STATE = {
    "typeWebhook": "stateInstanceChanged",
    "instanceData": {
        "idInstance": 1101000001,
        "wid": "71231234567@c.us",
        "typeInstance": "whatsapp",
    },
    "timestamp": 1705902314,
    "stateInstance": "authorized",
}


def body(value: Any) -> bytes:
    return json.dumps(value).encode()


def test_state_instance_changed_as_documented() -> None:
    webhook = parse_webhook(body(STATE))

    assert webhook == StateInstanceChanged(
        type_webhook="stateInstanceChanged",
        id_instance=1101000001,
        wid="71231234567@c.us",
        timestamp=datetime(2024, 1, 22, 5, 45, 14, tzinfo=UTC),
        state_instance="authorized",
    )
    assert webhook.phone == "71231234567"


def test_no_phone_while_none_is_linked() -> None:
    webhook = parse_webhook(body(STATE | {"instanceData": {"idInstance": 7, "wid": ""}}))

    assert webhook.phone == ""


def test_quota_exceeded_keeps_its_quota_data() -> None:
    quota = {"method": "correspondents", "used": 3, "total": 3, "status": "X" * 500}
    webhook = parse_webhook(body(STATE | {"typeWebhook": "quotaExceeded", "quotaData": quota}))

    assert isinstance(webhook, QuotaExceeded)
    assert webhook.quota == {"method": "correspondents", "used": 3, "total": 3, "status": "X" * 200}


def test_nul_characters_are_dropped_from_kept_texts() -> None:
    quota = {"method": "corre\u0000spondents", "status\u0000": "X"}
    webhook = parse_webhook(body(STATE | {"typeWebhook": "quotaExceeded", "quotaData": quota}))

    assert isinstance(webhook, QuotaExceeded)
    assert webhook.quota == {"method": "correspondents", "status": "X"}


def test_device_info_keeps_its_device_data() -> None:
    device = {"platform": "iphone", "deviceModel": "iPhone 11", "battery": 85, "osVersion": None}
    webhook = parse_webhook(body(STATE | {"typeWebhook": "deviceInfo", "deviceData": device}))

    assert isinstance(webhook, DeviceInfo)
    assert webhook.device == {"platform": "iphone", "deviceModel": "iPhone 11", "battery": 85}


def test_another_type_needs_only_its_type_and_instance() -> None:
    webhook = parse_webhook(
        body({"typeWebhook": "incomingMessageReceived", "instanceData": {"idInstance": 9}})
    )

    assert type(webhook) is Webhook
    assert (webhook.type_webhook, webhook.id_instance, webhook.timestamp) == (
        "incomingMessageReceived",
        9,
        None,
    )


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (b"not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b'{"timestamp": NaN}', "not JSON"),
        (b"[" * 100_000, "not JSON"),
        (body([STATE]), "not a JSON object"),
        (body(STATE | {"typeWebhook": 5}), "typeWebhook"),
        (body({k: v for k, v in STATE.items() if k != "typeWebhook"}), "typeWebhook"),
        (body(STATE | {"instanceData": None}), "instanceData"),
        (body(STATE | {"instanceData": {"idInstance": "1101000001"}}), "idInstance"),
        (body(STATE | {"instanceData": {"idInstance": True}}), "idInstance"),
        (body(STATE | {"instanceData": {"idInstance": -4}}), "idInstance"),
        (body(STATE | {"instanceData": {"idInstance": 2**63}}), "idInstance"),
        (body(STATE | {"instanceData": {"idInstance": 4, "wid": 79001234567}}), "wid"),
        (body(STATE | {"timestamp": "1705902314"}), "timestamp"),
        (body(STATE | {"timestamp": 1705902314.5}), "timestamp"),
        (body(STATE | {"timestamp": -1}), "timestamp"),
        (body(STATE | {"timestamp": 10**20}), "out of range"),
        (body({k: v for k, v in STATE.items() if k != "timestamp"}), "timestamp"),
        (body(STATE | {"stateInstance": None}), "stateInstance"),
        (body(STATE | {"stateInstance": ["authorized"]}), "stateInstance"),
        (body(STATE | {"typeWebhook": "quotaExceeded"}), "quotaData"),
        (body(STATE | {"typeWebhook": "deviceInfo", "deviceData": {"battery": [1]}}), "battery"),
        (
            b'{"typeWebhook": "deviceInfo", "instanceData": {"idInstance": 4}, "timestamp": 1,'
            b' "deviceData": {"battery": 1e400}}',
            "battery",
        ),
    ],
)
def test_malformed_bodies_are_refused_naming_the_field(raw: bytes, says: str) -> None:
    with pytest.raises(MalformedWebhook) as refused:
        parse_webhook(raw)

    assert says in str(refused.value)
    assert "1101000001" not in str(refused.value)  # names fields, never values
