"""Wire JSON (already decoded by `replies.interpret`) to typed results.

Strict about shape, lenient about absence: a field that is missing or null gets a neutral
default (older answers lack isFree/isPartner), but a field of the wrong type, a list where an
object belongs, or an id that is not an integer raises BadResponse. Error messages name fields
and types, never values, because values include tokens.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from types import MappingProxyType
from typing import Any

from greenapi.errors import BadResponse
from greenapi.models import (
    AuthorizationCode,
    CreatedInstance,
    InstanceSettings,
    QrResult,
    WaSettings,
)
from greenapi.params import FLAG_WIRE_NAMES
from greenapi.times import parse_time

_SETTINGS_TEXT = {"wid": "wid", "webhookUrl": "webhook_url", "webhookUrlToken": "webhook_url_token"}
_SETTINGS_FLAGS = {wire: attr for attr, wire in FLAG_WIRE_NAMES.items()}
_SETTINGS_DELAY = "delaySendMessagesMilliseconds"


def _shape(method: str, what: str, *, outcome_unknown: bool = False) -> BadResponse:
    return BadResponse(
        f"Green API's answer to {method} has an unexpected shape ({what}). "
        "The API may have changed; report this to the portal's maintainers.",
        method=method,
        status=200,
        outcome_unknown=outcome_unknown,
    )


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


class _Reader:
    """Typed access to one JSON object; every wrong type becomes BadResponse."""

    def __init__(self, value: Any, method: str, where: str, *, outcome_unknown: bool = False):
        if not isinstance(value, dict):
            raise _shape(
                method,
                f"{where} is {_type_name(value)}, not an object",
                outcome_unknown=outcome_unknown,
            )
        self.obj: dict[str, Any] = value
        self.method = method
        self.where = where
        self.outcome_unknown = outcome_unknown

    def _wrong(self, key: str, expected: str) -> BadResponse:
        got = _type_name(self.obj.get(key))
        return _shape(
            self.method,
            f"{self.where}.{key} is {got}, not {expected}",
            outcome_unknown=self.outcome_unknown,
        )

    def text(self, key: str, default: str = "") -> str:
        value = self.obj.get(key)
        if value is None:
            return default
        if not isinstance(value, str):
            raise self._wrong(key, "a string")
        return value

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.obj.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self._wrong(key, "true/false")
        return value

    def required_flag(self, key: str) -> bool:
        if not isinstance(self.obj.get(key), bool):
            raise self._wrong(key, "true/false")
        return bool(self.obj[key])

    def integer(self, key: str) -> int | None:
        value = self.obj.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._wrong(key, "an integer")
        return value

    def id_instance(self, key: str = "idInstance") -> int:
        value = self.obj.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise self._wrong(key, "a positive integer")
        return value

    def time(self, key: str) -> datetime | None:
        value = self.obj.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self._wrong(key, "a date-time string")
        ok, parsed = parse_time(value)
        if not ok:
            raise _shape(
                self.method,
                f"{self.where}.{key} is not a date-time",
                outcome_unknown=self.outcome_unknown,
            )
        return parsed


def parse_created_instance(value: Any) -> CreatedInstance:
    """createInstance: `{"idInstance", "apiTokenInstance", "typeInstance"}`.

    A wrong shape here follows an HTTP 200, so the instance was probably created: the error has
    `outcome_unknown` set and the caller must settle the order from getInstances.
    """
    r = _Reader(value, "createInstance", "answer", outcome_unknown=True)
    token = r.text("apiTokenInstance")
    if not token:
        raise r._wrong("apiTokenInstance", "a non-empty string")
    return CreatedInstance(
        id_instance=r.id_instance(), api_token=token, type_instance=r.text("typeInstance")
    )


def parse_deleted(value: Any, id_instance: int) -> None:
    """deleteInstanceAccount: `{"deleteInstanceAccount": true}`."""
    method = "deleteInstanceAccount"
    r = _Reader(value, method, "answer", outcome_unknown=True)
    if not r.required_flag("deleteInstanceAccount"):
        raise BadResponse(
            f"Green API did not confirm the deletion of instance {id_instance}. Check the "
            "instance list before trying again.",
            method=method,
            status=200,
            outcome_unknown=True,
        )


def parse_state(value: Any) -> str | None:
    """getStateInstance: `{"stateInstance": "..."}`; a `null` body (still being created) → None."""
    if value is None:
        return None
    r = _Reader(value, "getStateInstance", "answer")
    state = r.obj.get("stateInstance")
    if state is None:
        return None
    if not isinstance(state, str):
        raise r._wrong("stateInstance", "a string")
    return state


def parse_qr(value: Any) -> QrResult:
    """qr: `{"type", "message"}`; for "qrCode" the message is a base64 PNG, decoded here."""
    method = "qr"
    r = _Reader(value, method, "answer")
    kind = r.text("type")
    if not kind:
        raise r._wrong("type", "a non-empty string")
    message = r.text("message")
    if kind != "qrCode":
        return QrResult(type=kind, message=message)
    png = _decode_base64_image(message)
    if png is None:
        raise _shape(method, "answer.message is not a base64 image")
    return QrResult(type=kind, message=message, png_bytes=png)


def _decode_base64_image(message: str) -> bytes | None:
    if message.startswith("data:"):
        message = message.partition(",")[2]
    cleaned = "".join(message.split())
    try:
        data = base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError):
        data = b""
    return data or None


def parse_authorization_code(value: Any) -> AuthorizationCode:
    """getAuthorizationCode: `{"status": true, "code": "GAPI2015"}`."""
    r = _Reader(value, "getAuthorizationCode", "answer")
    return AuthorizationCode(status=r.required_flag("status"), code=r.text("code"))


def parse_confirmation(value: Any, *, method: str, key: str) -> bool:
    """logout `{"isLogout": b}`, reboot `{"isReboot": b}`, setSettings `{"saveSettings": b}`."""
    return _Reader(value, method, "answer").required_flag(key)


def parse_settings(value: Any) -> InstanceSettings:
    """getSettings: typed fields, and the others in `raw`."""
    r = _Reader(value, "getSettings", "answer")
    typed: dict[str, Any] = {attr: r.text(wire) for wire, attr in _SETTINGS_TEXT.items()}
    typed.update({attr: r.text(wire) for wire, attr in _SETTINGS_FLAGS.items()})
    typed["delay_send_messages_milliseconds"] = r.integer(_SETTINGS_DELAY)
    known = {*_SETTINGS_TEXT, *_SETTINGS_FLAGS, _SETTINGS_DELAY}
    raw = {k: v for k, v in r.obj.items() if k not in known}
    return InstanceSettings(**typed, raw=MappingProxyType(raw))


def parse_wa_settings(value: Any) -> WaSettings:
    """getWaSettings: `{"avatar", "phone", "stateInstance", "deviceId"}`."""
    r = _Reader(value, "getWaSettings", "answer")
    return WaSettings(
        avatar=r.text("avatar"),
        phone=r.text("phone"),
        state_instance=r.text("stateInstance"),
        device_id=r.text("deviceId"),
    )
