"""Webhook bodies Green API POSTs to a receiver (docs/greenapi.md §3.13), as typed values.

Green API calls the portal here, not the other way round, but the wire format is the same
family as the client's answers, so it is read in the same strict way: a field of the wrong
type is an error naming the field, never its value.

    webhook = parse_webhook(request_body)  # raises MalformedWebhook
    if isinstance(webhook, StateInstanceChanged): ...

Every webhook carries `typeWebhook` and `instanceData.idInstance`; those two are all that is
needed to answer one the portal does not use. The four it reads (`stateInstanceChanged`,
`quotaExceeded`, `deviceInfo`, `outgoingMessageStatus`) must also carry their `timestamp` and
their own fields.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

STATE_INSTANCE_CHANGED: Final = "stateInstanceChanged"
QUOTA_EXCEEDED: Final = "quotaExceeded"
DEVICE_INFO: Final = "deviceInfo"
OUTGOING_MESSAGE_STATUS: Final = "outgoingMessageStatus"

# Longest text kept from a quota or device description: they are shown, never parsed.
_TEXT_MAX = 200
_KEYS_MAX = 20
_INT64 = 2**63  # idInstance is an int64 (docs/greenapi.md §1.2)
_WID = re.compile(r"(\d{5,20})@c\.us")


class MalformedWebhook(ValueError):
    """The body is not a Green API webhook; the message names the field, never a value."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Webhook:
    """Any webhook: its type and instance. `timestamp` is None only for types not read here."""

    type_webhook: str
    id_instance: int
    wid: str
    timestamp: datetime | None

    @property
    def phone(self) -> str:
        """The linked phone's digits from `wid` (`79001234567@c.us`), or "" when none is linked."""
        match = _WID.fullmatch(self.wid)
        return match.group(1) if match else ""


@dataclass(frozen=True, slots=True, kw_only=True)
class StateInstanceChanged(Webhook):
    """The instance's state changed to `state_instance` (a getStateInstance value, §3.1)."""

    timestamp: datetime
    state_instance: str


@dataclass(frozen=True, slots=True, kw_only=True)
class QuotaExceeded(Webhook):
    """The free plan's monthly quota is used up; `quota` is `quotaData`, texts shortened."""

    timestamp: datetime
    quota: dict[str, str | int | float]


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceInfo(Webhook):
    """The phone's device and battery (`deviceData`), texts shortened."""

    timestamp: datetime
    device: dict[str, str | int | float]


@dataclass(frozen=True, slots=True, kw_only=True)
class OutgoingMessageStatus(Webhook):
    """A sent message's new status (docs/greenapi.md §3.17): sent, delivered, read, or a failure
    (failed, noAccount, notInGroup, yellowCard) with its `description`."""

    timestamp: datetime
    id_message: str
    status: str
    description: str


def parse_webhook(body: bytes) -> Webhook:
    """Read one webhook body; MalformedWebhook when it is not one."""
    try:
        value = json.loads(body, parse_constant=_no_constant)
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise MalformedWebhook("The body is not JSON.") from None
    if not isinstance(value, dict):
        raise MalformedWebhook("The body is not a JSON object.")
    type_webhook = value.get("typeWebhook")
    if not isinstance(type_webhook, str) or not type_webhook:
        raise MalformedWebhook("typeWebhook is missing or not a string.")
    instance_data = value.get("instanceData")
    if not isinstance(instance_data, dict):
        raise MalformedWebhook("instanceData is missing or not an object.")
    id_instance = instance_data.get("idInstance")
    if (
        isinstance(id_instance, bool)
        or not isinstance(id_instance, int)
        or not 0 < id_instance < _INT64
    ):
        raise MalformedWebhook("instanceData.idInstance is missing or not a positive integer.")
    wid = instance_data.get("wid") or ""
    if not isinstance(wid, str):
        raise MalformedWebhook("instanceData.wid is not a string.")
    common: dict[str, Any] = {"type_webhook": type_webhook, "id_instance": id_instance, "wid": wid}
    if type_webhook == STATE_INSTANCE_CHANGED:
        state = value.get("stateInstance")
        if not isinstance(state, str) or not state:
            raise MalformedWebhook("stateInstance is missing or not a string.")
        return StateInstanceChanged(**common, timestamp=_time(value), state_instance=state)
    if type_webhook == QUOTA_EXCEEDED:
        return QuotaExceeded(**common, timestamp=_time(value), quota=_flat(value, "quotaData"))
    if type_webhook == DEVICE_INFO:
        return DeviceInfo(**common, timestamp=_time(value), device=_flat(value, "deviceData"))
    if type_webhook == OUTGOING_MESSAGE_STATUS:
        return _outgoing_status(value, common)
    return Webhook(**common, timestamp=None)


def _outgoing_status(value: dict[str, Any], common: dict[str, Any]) -> OutgoingMessageStatus:
    texts = {}
    for key in ("idMessage", "status"):
        text = value.get(key)
        if not isinstance(text, str) or not text or len(text) > _TEXT_MAX:
            raise MalformedWebhook(f"{key} is missing or not a short string.")
        texts[key] = _clean(text)
    description = value.get("description") or ""
    if not isinstance(description, str):
        raise MalformedWebhook("description is not a string.")
    return OutgoingMessageStatus(
        **common,
        timestamp=_time(value),
        id_message=texts["idMessage"],
        status=texts["status"],
        description=_clean(description)[:_TEXT_MAX],
    )


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")  # NaN and Infinity, which json accepts by default


def _clean(text: str) -> str:
    return text.replace("\x00", "")


def _infinite(item: object) -> bool:
    return isinstance(item, float) and not math.isfinite(item)  # 1e400 reads as infinity


def _time(value: dict[str, Any]) -> datetime:
    raw = value.get("timestamp")
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise MalformedWebhook("timestamp is missing or not a whole number of seconds.")
    try:
        return datetime.fromtimestamp(raw, UTC)
    except (OverflowError, OSError, ValueError):
        raise MalformedWebhook("timestamp is out of range.") from None


def _flat(value: dict[str, Any], key: str) -> dict[str, str | int | float]:
    """An object of texts and numbers, kept short; anything nested is malformed."""
    raw = value.get(key)
    if not isinstance(raw, dict):
        raise MalformedWebhook(f"{key} is missing or not an object.")
    flat: dict[str, str | int | float] = {}
    for name, item in list(raw.items())[:_KEYS_MAX]:
        if item is None:
            continue
        if isinstance(item, bool) or not isinstance(item, str | int | float) or _infinite(item):
            raise MalformedWebhook(f"{key}.{name[:40]!r} is not a text or a number.")
        # NUL is valid JSON but no database stores it in text.
        flat[_clean(name)[:40]] = _clean(item)[:_TEXT_MAX] if isinstance(item, str) else item
    return flat
