"""The outgoing queue: sendMessage queues, the instance sends when it can (docs/greenapi.md §3.14).

Upstream sends one message per `delaySendMessagesMilliseconds`; the emulator sends the whole
queue at once, at the next event after a send (a read of the queue or the journal, a state
change, a control switch), so tests wait on answers and webhooks, never a clock. Never inside
the sendMessage call itself: its status webhooks must come after its answer, as upstream's do,
or a receiver could not yet know the idMessage they name. A message goes pending -> sent -> the
instance's `deliver_as` status ("delivered" unless the control API says otherwise), each step
announced by the outgoingMessageStatus webhook.
"""

import re
import secrets
from datetime import datetime
from typing import Any

from django.db import transaction

from sandbox import webhooks
from sandbox.models import EmulatedInstance, OutgoingMessage
from sandbox.state import effective_state
from sandbox.validation import Invalid, is_int, storable

MAX_MESSAGE_LENGTH = 20_000  # the WhatsApp page's limit (§3.14)
QUEUE_PAGE = 500  # showMessagesQueue lists at most the first 500 (§3.15)
# Statuses a sent message can end in (§3.17); "pending" is the queue's own.
FINAL_STATUSES = ("sent", "delivered", "read", "failed", "noAccount", "notInGroup", "yellowCard")
JOURNAL_STATUSES = ("pending", "sent", "delivered", "read")  # what getMessage shows (§3.16)

_WHATSAPP_CHAT = re.compile(r"\d{5,20}@c\.us|\d{5,20}(-\d{5,20})?@g\.us")
_NUMERIC_CHAT = re.compile(r"-?\d{1,20}")  # Telegram and MAX chat ids


def validate_send(data: dict[str, Any], type_instance: str) -> dict[str, Any]:
    """The sendMessage body as it is queued; Invalid for anything upstream would refuse."""
    chat_id, message = data.get("chatId"), data.get("message")
    pattern = _WHATSAPP_CHAT if type_instance == "whatsapp" else _NUMERIC_CHAT
    if not isinstance(chat_id, str) or not pattern.fullmatch(chat_id):
        raise Invalid("chatId")
    if not isinstance(message, str) or not message.strip() or len(message) > MAX_MESSAGE_LENGTH:
        raise Invalid("message")
    if not storable(message):
        raise Invalid("message")
    body: dict[str, Any] = {"chatId": chat_id, "message": message}
    link_preview = data.get("linkPreview", True)
    if not isinstance(link_preview, bool):
        raise Invalid("linkPreview")
    body["linkPreview"] = link_preview
    quoted = data.get("quotedMessageId")
    if quoted is not None:
        if not isinstance(quoted, str) or not quoted or len(quoted) > 64 or not storable(quoted):
            raise Invalid("quotedMessageId")
        body["quotedMessageId"] = quoted
    typing = data.get("typingTime")
    if typing is not None and (not is_int(typing) or not 0 <= typing <= 20_000):
        raise Invalid("typingTime")
    return body


def new_message_id() -> str:
    """Twenty upper-case hex digits, like WhatsApp's ids (`3EB0C767D097B7C7C030`)."""
    return secrets.token_hex(10).upper()


def enqueue(instance: EmulatedInstance, body: dict[str, Any], now: datetime) -> OutgoingMessage:
    message = OutgoingMessage.objects.create(
        id_message=new_message_id(),
        id_instance=instance.id_instance,
        body=body,
        queued_at=now,
        status_at=now,
    )
    return message


def can_send(instance: EmulatedInstance, state: str | None) -> bool:
    """Authorized, online and not stalled; yellowCard suspends sending (§3.17)."""
    return state == "authorized" and not instance.status_offline and not instance.queue_stalled


def pump(instance: EmulatedInstance, now: datetime) -> int:
    """Send every queued message of `instance` if it can send now; how many were sent."""
    if not can_send(instance, effective_state(instance, now)):
        return 0
    with transaction.atomic():
        queued = list(
            OutgoingMessage.objects.select_for_update()
            .filter(id_instance=instance.id_instance, status="pending")
            .order_by("id")
        )
        for message in queued:
            advance(instance, message, "sent", now)
            if instance.deliver_as != "sent":
                advance(instance, message, instance.deliver_as, now)
    return len(queued)


def advance(
    instance: EmulatedInstance, message: OutgoingMessage, status: str, now: datetime
) -> None:
    """Move one message to `status` and announce it (inside the caller's transaction)."""
    message.status = status
    message.status_at = now
    message.save(update_fields=["status", "status_at"])
    webhooks.message_status(
        instance,
        id_message=message.id_message,
        chat_id=message.body["chatId"],
        status=status,
        now=now,
    )


def queue(id_instance: int) -> list[OutgoingMessage]:
    rows = OutgoingMessage.objects.filter(id_instance=id_instance, status="pending")
    return list(rows.order_by("id")[:QUEUE_PAGE])


def queue_entry(message: OutgoingMessage) -> dict[str, Any]:
    """One element of showMessagesQueue's array (§3.15)."""
    return {"messageID": message.id_message, "type": "sendMessage", "body": message.body}


def journal_entry(message: OutgoingMessage) -> dict[str, Any]:
    """getMessage's answer for a message sent through the API (§3.16)."""
    return {
        "type": "outgoing",
        "idMessage": message.id_message,
        "timestamp": int(message.queued_at.timestamp()),
        "typeMessage": "textMessage",
        "chatId": message.body["chatId"],
        "textMessage": message.body["message"],
        "statusMessage": message.status,
        "sendByApi": True,
    }


def find(id_instance: int, chat_id: Any, id_message: Any) -> OutgoingMessage | None:
    """The journal's message, or None: failed ones are not journaled (issue #613)."""
    if not isinstance(chat_id, str) or not isinstance(id_message, str):
        raise Invalid("chatId and idMessage are required strings")
    found = OutgoingMessage.objects.filter(
        id_instance=id_instance, id_message=id_message, status__in=JOURNAL_STATUSES
    ).first()
    if found is None or found.body.get("chatId") != chat_id:
        return None
    return found
