"""Request parameters: createInstance's body and the checks on setSettings' body."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Final

DELAY_MIN_MS: Final = 500
DELAY_MAX_MS: Final = 600_000
TYPE_INSTANCES: Final = frozenset({"whatsapp", "telegram", "v3"})

# snake_case attribute -> wire name, for the yes/no flags of createInstance (docs/greenapi.md §2.1).
FLAG_WIRE_NAMES: Final[Mapping[str, str]] = {
    "mark_incoming_messages_readed": "markIncomingMessagesReaded",
    "mark_incoming_messages_readed_on_reply": "markIncomingMessagesReadedOnReply",
    "outgoing_webhook": "outgoingWebhook",
    "outgoing_message_webhook": "outgoingMessageWebhook",
    "outgoing_api_message_webhook": "outgoingAPIMessageWebhook",
    "state_webhook": "stateWebhook",
    "incoming_webhook": "incomingWebhook",
    "device_webhook": "deviceWebhook",
    "keep_online_status": "keepOnlineStatus",
    "poll_message_webhook": "pollMessageWebhook",
    "incoming_block_webhook": "incomingBlockWebhook",
    "incoming_call_webhook": "incomingCallWebhook",
    "edited_message_webhook": "editedMessageWebhook",
    "deleted_message_webhook": "deletedMessageWebhook",
}
_PLAIN_WIRE_NAMES: Final[Mapping[str, str]] = {
    "name": "name",
    "webhook_url": "webhookUrl",
    "webhook_url_token": "webhookUrlToken",
    "delay_send_messages_milliseconds": "delaySendMessagesMilliseconds",
    "type_instance": "typeInstance",
}


@dataclass(frozen=True, kw_only=True)
class CreateInstanceParams:
    """Every documented createInstance parameter; None means "not sent".

    Flags are booleans here and "yes"/"no" on the wire. Green API requires at least one
    parameter, and an instance created without settings starts with every flag off.
    `type_instance` is the legacy (2022) messenger choice, sent only when set; the emulator uses
    it, and whether the real service still honours it is unconfirmed.

    Raises ValueError on construction when nothing is set, when the delay is outside
    500..600000 ms, or when a value has the wrong type.
    """

    name: str | None = None
    webhook_url: str | None = None
    webhook_url_token: str | None = field(default=None, repr=False)
    delay_send_messages_milliseconds: int | None = None
    mark_incoming_messages_readed: bool | None = None
    mark_incoming_messages_readed_on_reply: bool | None = None
    outgoing_webhook: bool | None = None
    outgoing_message_webhook: bool | None = None
    outgoing_api_message_webhook: bool | None = None
    state_webhook: bool | None = None
    incoming_webhook: bool | None = None
    device_webhook: bool | None = None
    keep_online_status: bool | None = None
    poll_message_webhook: bool | None = None
    incoming_block_webhook: bool | None = None
    incoming_call_webhook: bool | None = None
    edited_message_webhook: bool | None = None
    deleted_message_webhook: bool | None = None
    type_instance: str | None = None

    def __post_init__(self) -> None:
        if all(getattr(self, f.name) is None for f in fields(self)):
            raise ValueError("createInstance needs at least one parameter (for example a name).")
        for attr in ("name", "webhook_url", "webhook_url_token"):
            value = getattr(self, attr)
            if value is not None and not isinstance(value, str):
                raise ValueError(f"{attr} must be a string.")
        for attr in FLAG_WIRE_NAMES:
            value = getattr(self, attr)
            if value is not None and not isinstance(value, bool):
                raise ValueError(f"{attr} must be True, False or None.")
        if self.delay_send_messages_milliseconds is not None:
            check_delay(self.delay_send_messages_milliseconds)
        if self.type_instance is not None and self.type_instance not in TYPE_INSTANCES:
            raise ValueError("type_instance must be one of: " + ", ".join(sorted(TYPE_INSTANCES)))

    def to_wire(self) -> dict[str, str | int]:
        """The JSON body: wire names, flags as "yes"/"no", unset parameters left out."""
        body: dict[str, str | int] = {}
        for attr, wire in _PLAIN_WIRE_NAMES.items():
            value = getattr(self, attr)
            if value is not None:
                body[wire] = value
        for attr, wire in FLAG_WIRE_NAMES.items():
            value = getattr(self, attr)
            if value is not None:
                body[wire] = "yes" if value else "no"
        return body


def check_delay(value: Any) -> None:
    """Raise ValueError unless `value` is a whole number of milliseconds in 500..600000."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("delaySendMessagesMilliseconds must be a whole number of milliseconds.")
    if not DELAY_MIN_MS <= value <= DELAY_MAX_MS:
        raise ValueError(
            f"delaySendMessagesMilliseconds must be between {DELAY_MIN_MS} and {DELAY_MAX_MS}."
        )


def settings_body(settings: Mapping[str, str | int]) -> dict[str, str | int]:
    """Check a setSettings body (wire names) and return a plain dict copy of it."""
    if not isinstance(settings, Mapping) or not settings:
        raise ValueError("setSettings needs at least one setting.")
    body: dict[str, str | int] = {}
    for key, value in settings.items():
        if not isinstance(key, str) or not key:
            raise ValueError("setSettings keys must be the wire names, e.g. 'webhookUrl'.")
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise ValueError(f"setSettings value for {key!r} must be a string or an integer.")
        body[key] = value
    if "delaySendMessagesMilliseconds" in body:
        check_delay(body["delaySendMessagesMilliseconds"])
    return body
