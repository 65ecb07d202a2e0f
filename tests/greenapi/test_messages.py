"""The client's sending methods against the emulator over HTTP (greenapi.md §3.11, §3.14-16)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import responses

from greenapi import (
    BadResponse,
    CreatedInstance,
    InstanceClient,
    RateLimited,
    personal_chat_id,
)
from tests.support.sandbox import SandboxControl

CHAT = "79001112233@c.us"


def test_a_linked_instance_sends_and_the_journal_says_delivered(
    client: InstanceClient, created: CreatedInstance, sandbox: SandboxControl
) -> None:
    sandbox.set_state(created.id_instance, "authorized").raise_for_status()

    id_message = client.send_message(CHAT, "Test message")
    journal = client.get_message(CHAT, id_message)

    assert journal is not None
    assert (journal.id_message, journal.chat_id, journal.status) == (id_message, CHAT, "delivered")
    assert journal.send_by_api is True
    assert journal.sent_at is not None
    assert abs(journal.sent_at - datetime.now(UTC)) < timedelta(minutes=1)
    assert client.show_messages_queue() == []
    assert client.get_status_instance() == "online"


def test_an_offline_instance_keeps_the_message_queued(
    client: InstanceClient, created: CreatedInstance, sandbox: SandboxControl
) -> None:
    sandbox.set_state(created.id_instance, "authorized").raise_for_status()
    sandbox.set_outgoing(created.id_instance, statusInstance="offline")

    id_message = client.send_message(CHAT, "Test message")

    assert client.get_state_instance() == "authorized"
    assert client.get_status_instance() == "offline"
    [queued] = client.show_messages_queue()
    assert (queued.id_message, queued.type, queued.chat_id) == (id_message, "sendMessage", CHAT)
    journal = client.get_message(CHAT, id_message)
    assert journal is not None
    assert journal.status == "pending"


def test_a_message_the_journal_does_not_hold_is_none(
    client: InstanceClient, created: CreatedInstance, sandbox: SandboxControl
) -> None:
    sandbox.set_state(created.id_instance, "authorized").raise_for_status()
    sandbox.set_outgoing(created.id_instance, deliverAs="failed")

    id_message = client.send_message(CHAT, "Test message")

    assert client.get_message(CHAT, id_message) is None
    assert client.get_message(CHAT, "3EB0000000000000000") is None


def test_send_message_is_sent_once_even_when_rate_limited(
    client: InstanceClient, sandbox: SandboxControl, created: CreatedInstance
) -> None:
    sandbox.add_fault("sendMessage", "http429", times=1)

    with pytest.raises(RateLimited):
        client.send_message(CHAT, "Test message")

    assert sandbox.calls(created.id_instance)["sendMessage"] == 1


@pytest.mark.parametrize(
    ("chat", "text"), [("", "Hi"), (CHAT, ""), (CHAT, " "), (CHAT, "x" * 20_001)]
)
def test_send_message_refuses_bad_input_before_sending(
    client: InstanceClient, sandbox: SandboxControl, created: CreatedInstance, chat: str, text: str
) -> None:
    with pytest.raises(ValueError, match=r"must|required"):
        client.send_message(chat, text)

    assert "sendMessage" not in sandbox.calls(created.id_instance)


@pytest.mark.parametrize(
    ("method", "body"),
    [
        ("sendMessage", {"id": 1}),
        ("sendMessage", []),
        ("showMessagesQueue", {"messageID": "X"}),
        ("showMessagesQueue", [{"messageID": 5}]),
        ("getMessage", {"statusMessage": 3}),
        ("getMessage", {"timestamp": "now"}),
    ],
)
def test_answers_of_the_wrong_shape_are_bad_responses(method: str, body: Any) -> None:
    client = InstanceClient("https://1101.api.green-api.com", 1101000001, "a" * 50)
    verb = responses.GET if method == "showMessagesQueue" else responses.POST
    call = {
        "sendMessage": lambda: client.send_message(CHAT, "Hi"),
        "showMessagesQueue": client.show_messages_queue,
        "getMessage": lambda: client.get_message(CHAT, "X"),
    }[method]
    with responses.RequestsMock() as mocked:
        mocked.add(
            verb,
            f"https://1101.api.green-api.com/waInstance1101000001/{method}/{'a' * 50}",
            json=body,
        )
        with pytest.raises(BadResponse) as raised:
            call()

    assert raised.value.outcome_unknown is (method == "sendMessage")


@pytest.mark.parametrize(
    ("phone", "chat"),
    [("79001234567", "79001234567@c.us"), ("4915112345678", "4915112345678@c.us")],
)
def test_personal_chat_id(phone: str, chat: str) -> None:
    assert personal_chat_id(phone) == chat


@pytest.mark.parametrize(
    "phone", ["", "+79001234567", "0791234567", "123", "7900123456789012", "79 001"]
)
def test_personal_chat_id_refuses_what_is_not_a_full_number(phone: str) -> None:
    with pytest.raises(ValueError, match="country code"):
        personal_chat_id(phone)
