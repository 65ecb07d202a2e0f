"""Sending and its outcome: sendMessage, showMessagesQueue, getMessage (greenapi.md §3.14-16).

Typed results and their parsers, kept apart from the account methods' (models.py, parsing.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from greenapi.errors import BadResponse

MAX_MESSAGE_LENGTH = 20_000  # §3.14
# The statuses getMessage's journal and the outgoingMessageStatus webhook report (§3.16, §3.17).
PENDING, SENT, DELIVERED, READ = "pending", "sent", "delivered", "read"
FAILURES = frozenset({"failed", "noAccount", "notInGroup", "yellowCard"})
_PHONE = re.compile(r"[1-9]\d{6,14}")


def personal_chat_id(phone: str) -> str:
    """The WhatsApp chat id of a phone number given as digits with the country code.

    `79001234567` → `79001234567@c.us`. Raises ValueError for anything else: a chat id without
    its suffix gets stuck in the queue upstream (§3.14).
    """
    if not _PHONE.fullmatch(phone):
        raise ValueError("The phone number must be 7 to 15 digits with the country code.")
    return f"{phone}@c.us"


@dataclass(frozen=True, slots=True, kw_only=True)
class QueuedMessage:
    """One element of showMessagesQueue: a message still waiting to be sent."""

    id_message: str
    type: str  # the sending method: "sendMessage", "sendFileByUrl", ...
    chat_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class JournalMessage:
    """getMessage's answer for an outgoing message.

    `status` is "pending", "sent", "delivered" or "read"; "" when the journal's answer is still
    incomplete (issue #505: right after sending, no chatId and no status yet).
    """

    id_message: str
    chat_id: str
    status: str
    sent_at: datetime | None
    send_by_api: bool


def _shape(method: str, what: str) -> BadResponse:
    # A garbled sendMessage answer may still mean the message was queued.
    return BadResponse(
        f"Green API's answer to {method} has an unexpected shape: {what}.",
        method=method,
        outcome_unknown=method == "sendMessage",
    )


def _text(obj: dict[str, Any], key: str, method: str) -> str:
    value = obj.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _shape(method, f"{key} is not a string")
    return value


def parse_sent(value: Any) -> str:
    """sendMessage: `{"idMessage": "3EB0..."}` → the id."""
    if not isinstance(value, dict):
        raise _shape("sendMessage", "the answer is not an object")
    id_message = _text(value, "idMessage", "sendMessage")
    if not id_message:
        raise _shape("sendMessage", "idMessage is missing")
    return id_message


def parse_queue(value: Any) -> list[QueuedMessage]:
    """showMessagesQueue: an array of `{"messageID", "type", "body": {"chatId", ...}}`."""
    method = "showMessagesQueue"
    if not isinstance(value, list):
        raise _shape(method, "the answer is not an array")
    queued = []
    for item in value:
        if not isinstance(item, dict):
            raise _shape(method, "an element is not an object")
        body = item.get("body") or {}
        if not isinstance(body, dict):
            raise _shape(method, "body is not an object")
        queued.append(
            QueuedMessage(
                id_message=_text(item, "messageID", method),
                type=_text(item, "type", method),
                chat_id=_text(body, "chatId", method),
            )
        )
    return queued


def parse_journal(value: Any) -> JournalMessage:
    """getMessage: the journal's object; its timestamp (unix seconds) becomes an aware UTC time."""
    method = "getMessage"
    if not isinstance(value, dict):
        raise _shape(method, "the answer is not an object")
    stamp = value.get("timestamp")
    if stamp is not None and (isinstance(stamp, bool) or not isinstance(stamp, int)):
        raise _shape(method, "timestamp is not an integer")
    by_api = value.get("sendByApi", False)
    if not isinstance(by_api, bool):
        raise _shape(method, "sendByApi is not true/false")
    return JournalMessage(
        id_message=_text(value, "idMessage", method),
        chat_id=_text(value, "chatId", method),
        status=_text(value, "statusMessage", method),
        sent_at=None if stamp is None else datetime.fromtimestamp(stamp, UTC),
        send_by_api=by_api,
    )
