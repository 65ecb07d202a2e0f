"""The stateInstanceChanged webhook (docs/greenapi.md §3.13)."""

import logging
import socket
from typing import Any

import pytest

from tests.sandbox.conftest import FROZEN_AT, WebhookSink, Wire


def _watched(wire: Wire, url: str, token: str = "hook-token", state_webhook: str = "yes") -> dict:
    return wire.create(
        name="watched", webhookUrl=url, webhookUrlToken=token, stateWebhook=state_webhook
    )


def test_a_scan_posts_state_instance_changed_with_the_bearer_token(
    clock: Any, wire: Wire, sandbox: Any, webhook_sink: WebhookSink
) -> None:
    created = _watched(wire, webhook_sink.url)

    sandbox.scan(sandbox.instance(created["idInstance"])["currentQrPayload"], 79001112233)

    [(headers, body)] = webhook_sink.received
    assert headers["Authorization"] == "Bearer hook-token"
    assert headers["Content-Type"] == "application/json"
    assert body == {
        "typeWebhook": "stateInstanceChanged",
        "instanceData": {
            "idInstance": created["idInstance"],
            "wid": "79001112233@c.us",
            "typeInstance": "whatsapp",
        },
        "timestamp": int(FROZEN_AT.timestamp()),
        "stateInstance": "authorized",
    }


def test_logout_pairing_and_control_changes_post_webhooks(
    wire: Wire, sandbox: Any, webhook_sink: WebhookSink
) -> None:
    created = _watched(wire, webhook_sink.url)
    code = wire.call(
        created, "getAuthorizationCode", "POST", json={"phoneNumber": 79001112233}
    ).json()["code"]

    sandbox.pair(created["idInstance"], code)
    wire.call(created, "logout")
    sandbox.set_state(created["idInstance"], "blocked")

    states = [
        (body["stateInstance"], body["instanceData"]["wid"]) for _, body in webhook_sink.received
    ]
    assert states == [
        ("authorized", "79001112233@c.us"),
        ("notAuthorized", ""),
        ("blocked", ""),
    ]


def test_no_webhook_when_the_state_did_not_change(
    wire: Wire, sandbox: Any, webhook_sink: WebhookSink
) -> None:
    created = _watched(wire, webhook_sink.url)

    sandbox.set_state(created["idInstance"], "notAuthorized")

    assert webhook_sink.received == []


def test_no_webhook_when_state_webhook_is_off(
    wire: Wire, sandbox: Any, webhook_sink: WebhookSink
) -> None:
    created = _watched(wire, webhook_sink.url, state_webhook="no")

    sandbox.set_state(created["idInstance"], "authorized")

    assert webhook_sink.received == []


def test_without_a_token_there_is_no_authorization_header(
    wire: Wire, sandbox: Any, webhook_sink: WebhookSink
) -> None:
    created = _watched(wire, webhook_sink.url, token="")

    sandbox.set_state(created["idInstance"], "authorized")

    [(headers, _)] = webhook_sink.received
    assert "Authorization" not in headers


def test_a_failed_webhook_is_logged_without_url_or_token(
    wire: Wire, sandbox: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    created = _watched(wire, f"http://127.0.0.1:{port}/hook?key=url-secret", token="tok-secret")

    with caplog.at_level(logging.WARNING, logger="sandbox.webhooks"):
        response = sandbox.set_state(created["idInstance"], "authorized")

    assert response.status_code == 200
    assert f"state webhook for {created['idInstance']} failed" in caplog.text
    assert "tok-secret" not in caplog.text
    assert "url-secret" not in caplog.text
