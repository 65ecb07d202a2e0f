"""sendMessage, showMessagesQueue, getMessage, getStatusInstance's "offline" switch and the
outgoingMessageStatus webhook (docs/greenapi.md §3.11, §3.14-§3.17; docs/sandbox.md)."""

import re
from typing import Any

import pytest

from tests.sandbox.conftest import FROZEN_AT, WebhookSink, Wire

CHAT = "79001112233@c.us"


def _send(wire: Wire, instance: dict[str, Any], **body: Any) -> Any:
    return wire.call(
        instance, "sendMessage", "POST", json={"chatId": CHAT, "message": "Hi", **body}
    )


def _outgoing(wire: Wire, instance: dict[str, Any], **switches: Any) -> dict[str, Any]:
    path = f"/control/instances/{instance['idInstance']}/outgoing"
    response = wire.control("POST", path, json=switches) if switches else wire.control("GET", path)
    assert response.status_code == 200, response.text
    return response.json()


def _journal(wire: Wire, instance: dict[str, Any], id_message: str, chat: str = CHAT) -> Any:
    return wire.call(instance, "getMessage", "POST", json={"chatId": chat, "idMessage": id_message})


@pytest.fixture
def linked(wire: Wire, instance: dict[str, Any]) -> dict[str, Any]:
    wire.force(instance, state="authorized")
    return instance


def test_send_message_answers_an_id_message_and_the_journal_says_delivered(
    clock: Any, wire: Wire, linked: dict[str, Any]
) -> None:
    response = _send(wire, linked)

    assert response.status_code == 200
    [(key, id_message)] = response.json().items()
    assert key == "idMessage"
    assert re.fullmatch(r"[0-9A-F]{20}", id_message)
    assert _journal(wire, linked, id_message).json() == {
        "type": "outgoing",
        "idMessage": id_message,
        "timestamp": int(FROZEN_AT.timestamp()),
        "typeMessage": "textMessage",
        "chatId": CHAT,
        "textMessage": "Hi",
        "statusMessage": "delivered",
        "sendByApi": True,
    }
    assert wire.call(linked, "showMessagesQueue").json() == []


def test_an_unlinked_instance_queues_and_sends_once_a_phone_links(
    wire: Wire, instance: dict[str, Any]
) -> None:
    first = _send(wire, instance).json()["idMessage"]
    second = _send(wire, instance, message="Second", linkPreview=False).json()["idMessage"]

    assert wire.call(instance, "showMessagesQueue").json() == [
        {
            "messageID": first,
            "type": "sendMessage",
            "body": {"chatId": CHAT, "message": "Hi", "linkPreview": True},
        },
        {
            "messageID": second,
            "type": "sendMessage",
            "body": {"chatId": CHAT, "message": "Second", "linkPreview": False},
        },
    ]
    assert _journal(wire, instance, first).json()["statusMessage"] == "pending"

    wire.force(instance, state="authorized")

    assert wire.call(instance, "showMessagesQueue").json() == []
    assert _journal(wire, instance, second).json()["statusMessage"] == "delivered"


def test_offline_status_holds_the_queue_while_the_state_says_authorized(
    wire: Wire, linked: dict[str, Any]
) -> None:
    _outgoing(wire, linked, statusInstance="offline")

    id_message = _send(wire, linked).json()["idMessage"]

    assert wire.state(linked) == "authorized"
    assert wire.call(linked, "getStatusInstance").json() == {"statusInstance": "offline"}
    assert [m["messageID"] for m in wire.call(linked, "showMessagesQueue").json()] == [id_message]

    described = _outgoing(wire, linked, statusInstance="online")

    assert described["messages"] == [
        {"idMessage": id_message, "chatId": CHAT, "status": "delivered"}
    ]
    assert wire.call(linked, "getStatusInstance").json() == {"statusInstance": "online"}


def test_a_stalled_queue_keeps_growing_while_online(wire: Wire, linked: dict[str, Any]) -> None:
    _outgoing(wire, linked, queueStalled=True)

    for _ in range(3):
        _send(wire, linked)

    assert wire.call(linked, "getStatusInstance").json() == {"statusInstance": "online"}
    assert len(wire.call(linked, "showMessagesQueue").json()) == 3
    assert _outgoing(wire, linked)["queueStalled"] is True

    _outgoing(wire, linked, queueStalled=False)

    assert wire.call(linked, "showMessagesQueue").json() == []


def test_deliver_as_sent_then_moved_on_by_the_control_api(
    wire: Wire, linked: dict[str, Any]
) -> None:
    _outgoing(wire, linked, deliverAs="sent")
    id_message = _send(wire, linked).json()["idMessage"]
    assert _journal(wire, linked, id_message).json()["statusMessage"] == "sent"

    moved = wire.control("POST", f"/control/messages/{id_message}", json={"status": "read"})

    assert moved.json() == {"idMessage": id_message, "status": "read"}
    assert _journal(wire, linked, id_message).json()["statusMessage"] == "read"


def test_failed_messages_leave_the_journal(wire: Wire, linked: dict[str, Any]) -> None:
    _outgoing(wire, linked, deliverAs="failed")
    id_message = _send(wire, linked).json()["idMessage"]

    response = _journal(wire, linked, id_message)

    # Failed messages are not journaled upstream (issue #613); an unknown id is a 400 here.
    assert (response.status_code, response.text) == (400, "bad request data")


def test_status_webhooks_follow_the_outgoing_webhook_setting(
    clock: Any, wire: Wire, webhook_sink: WebhookSink
) -> None:
    instance = wire.create(
        name="w", webhookUrl=webhook_sink.url, webhookUrlToken="tok", outgoingWebhook="yes"
    )
    wire.force(instance, state="authorized")

    id_message = _send(wire, instance).json()["idMessage"]
    # Never inside sendMessage: the answer comes first, then the statuses (docs/sandbox.md).
    assert not [b for _, b in webhook_sink.received if b["typeWebhook"] != "stateInstanceChanged"]
    wire.call(instance, "showMessagesQueue")

    statuses = [b for _, b in webhook_sink.received if b["typeWebhook"] == "outgoingMessageStatus"]
    assert statuses == [
        {
            "typeWebhook": "outgoingMessageStatus",
            "chatId": CHAT,
            "instanceData": {
                "idInstance": instance["idInstance"],
                "wid": "79001234567@c.us",
                "typeInstance": "whatsapp",
            },
            "timestamp": int(FROZEN_AT.timestamp()),
            "idMessage": id_message,
            "status": status,
            "sendByApi": True,
        }
        for status in ("sent", "delivered")
    ]
    assert webhook_sink.received[-1][0]["Authorization"] == "Bearer tok"


def test_failures_are_posted_even_with_the_setting_off(
    wire: Wire, webhook_sink: WebhookSink
) -> None:
    instance = wire.create(name="w", webhookUrl=webhook_sink.url)
    wire.force(instance, state="authorized")
    _outgoing(wire, instance, deliverAs="noAccount")

    _send(wire, instance)
    wire.call(instance, "showMessagesQueue")

    [(_, body)] = webhook_sink.received
    assert (body["status"], body["description"]) == ("noAccount", "SWE004: 1000")


@pytest.mark.parametrize(
    "body",
    [
        {"message": "Hi"},
        {"chatId": CHAT},
        {"chatId": "79001112233", "message": "Hi"},
        {"chatId": 79001112233, "message": "Hi"},
        {"chatId": CHAT, "message": ""},
        {"chatId": CHAT, "message": "x" * 20_001},
        {"chatId": CHAT, "message": "Hi", "linkPreview": "yes"},
        {"chatId": CHAT, "message": "Hi", "quotedMessageId": 5},
        {"chatId": CHAT, "message": "Hi", "typingTime": "1"},
    ],
)
def test_send_message_refuses_bad_bodies(
    wire: Wire, instance: dict[str, Any], body: dict[str, Any]
) -> None:
    response = wire.call(instance, "sendMessage", "POST", json=body)

    assert (response.status_code, response.text) == (400, "bad request data")
    assert wire.call(instance, "showMessagesQueue").json() == []


def test_telegram_chat_ids_are_numbers(wire: Wire) -> None:
    telegram = wire.create(name="t", typeInstance="telegram")

    ok = wire.call(telegram, "sendMessage", "POST", json={"chatId": "-100123", "message": "Hi"})
    bad = wire.call(telegram, "sendMessage", "POST", json={"chatId": CHAT, "message": "Hi"})

    assert ok.status_code == 200
    assert bad.status_code == 400


def test_get_message_of_another_chat_or_a_bad_body_is_400(
    wire: Wire, linked: dict[str, Any]
) -> None:
    id_message = _send(wire, linked).json()["idMessage"]

    assert _journal(wire, linked, id_message, chat="79000000000@c.us").status_code == 400
    assert wire.call(linked, "getMessage", "POST", json={"chatId": CHAT}).status_code == 400


def test_control_api_refuses_bad_switches(wire: Wire, linked: dict[str, Any]) -> None:
    path = f"/control/instances/{linked['idInstance']}/outgoing"
    for body in ({}, {"statusInstance": "away"}, {"queueStalled": 1}, {"deliverAs": "x"}, {"y": 1}):
        assert wire.control("POST", path, json=body).status_code == 400
    assert wire.control("GET", "/control/instances/1101999999/outgoing").status_code == 404
    assert (
        wire.control("POST", "/control/messages/NOPE", json={"status": "read"}).status_code == 404
    )
    _outgoing(wire, linked, statusInstance="offline")
    queued = _send(wire, linked).json()["idMessage"]
    answer = wire.control("POST", f"/control/messages/{queued}", json={"status": "read"})
    assert answer.status_code == 409
