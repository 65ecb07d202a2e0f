"""Typed results of the Green API client: frozen dataclasses, tokens kept out of `repr`."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

# getInstances' "not deleted" timeDeleted: Go's zero time. The parser turns it into None.
NEVER: Final = "0001-01-01T00:00:00"


@dataclass(frozen=True, slots=True, kw_only=True)
class PartnerInstance:
    """One element of getInstances (docs/greenapi.md §2.2).

    Times arrive without a zone. Green API does not say which zone they are in; we assume UTC
    and attach it, so every datetime here is aware. `time_deleted` (and any other time) is None
    for the wire's "never" sentinel `0001-01-01T00:00:00` or when the field is absent.
    """

    id_instance: int
    name: str
    type_instance: str
    type_account: str
    partner_user_uiid: str
    time_created: datetime | None
    time_deleted: datetime | None
    api_token: str = field(repr=False)
    deleted: bool
    tariff: str
    is_free: bool
    is_partner: bool
    expiration_date: datetime | None
    is_expired: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class CreatedInstance:
    """The answer to createInstance. It has no apiUrl/mediaUrl (upstream issue #627)."""

    id_instance: int
    api_token: str = field(repr=False)
    type_instance: str


@dataclass(frozen=True, slots=True, kw_only=True)
class QrResult:
    """The answer to `qr`: `{"type": ..., "message": ...}`.

    `type` is "qrCode" (message = a base64 PNG, decoded into `png_bytes`), "alreadyLogged",
    "error" (message = the reason), or another value some messengers add ("already_registered",
    "pending_password"). An "error" type is a valid answer, not an exception: show the message.
    The image and message are left out of `repr`: a live QR code lets anyone link a phone.
    """

    type: str
    message: str = field(repr=False)
    png_bytes: bytes | None = field(default=None, repr=False)

    @property
    def is_qr_code(self) -> bool:
        return self.type == "qrCode"

    @property
    def is_already_logged(self) -> bool:
        return self.type == "alreadyLogged"

    @property
    def is_error(self) -> bool:
        return self.type == "error"

    @property
    def data_uri(self) -> str | None:
        """The image as a `data:` URI for an <img> tag, or None when this is not a QR code."""
        if self.png_bytes is None:
            return None
        return "data:image/png;base64," + base64.b64encode(self.png_bytes).decode("ascii")


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthorizationCode:
    """The answer to getAuthorizationCode. `status` False means "ask again"; the code is kept
    out of `repr` because it links a phone for about 2.5 minutes."""

    status: bool
    code: str = field(repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class InstanceSettings:
    """The answer to getSettings (docs/greenapi.md §3.8). Yes/no flags stay the strings "yes"/"no"
    ("" when absent). `raw` holds the fields without a typed attribute (deprecated ones such as
    countryInstance, and typeInstance on Telegram/MAX)."""

    wid: str
    webhook_url: str
    webhook_url_token: str = field(repr=False)
    delay_send_messages_milliseconds: int | None
    mark_incoming_messages_readed: str
    mark_incoming_messages_readed_on_reply: str
    outgoing_webhook: str
    outgoing_message_webhook: str
    outgoing_api_message_webhook: str
    incoming_webhook: str
    device_webhook: str
    state_webhook: str
    keep_online_status: str
    poll_message_webhook: str
    incoming_block_webhook: str
    incoming_call_webhook: str
    edited_message_webhook: str
    deleted_message_webhook: str
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class WaSettings:
    """The answer to getWaSettings. avatar, phone and device_id are "" unless authorized."""

    avatar: str
    phone: str
    state_instance: str
    device_id: str
