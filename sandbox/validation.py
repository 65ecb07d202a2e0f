"""Parsing and validating untrusted input: bodies, ids, phone numbers, instance settings."""

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.http import HttpRequest

MAX_BIGINT = 2**63 - 1
MAX_NAME_LENGTH = 255
MAX_TOKEN_LENGTH = 1000
MAX_URL_LENGTH = 2048
DELAY_RANGE = (500, 600_000)

# The yes/no settings of createInstance (docs/greenapi.md §2.1) and setSettings (§3.9).
FLAG_KEYS = (
    "markIncomingMessagesReaded",
    "markIncomingMessagesReadedOnReply",
    "outgoingWebhook",
    "outgoingMessageWebhook",
    "outgoingAPIMessageWebhook",
    "stateWebhook",
    "incomingWebhook",
    "deviceWebhook",
    "keepOnlineStatus",
    "pollMessageWebhook",
    "incomingBlockWebhook",
    "incomingCallWebhook",
    "editedMessageWebhook",
    "deletedMessageWebhook",
)
SETTING_KEYS = ("webhookUrl", "webhookUrlToken", "delaySendMessagesMilliseconds", *FLAG_KEYS)
TYPE_INSTANCES = ("whatsapp", "telegram", "v3")
# Unset flags are "no" (docs/greenapi.md §2.1). The delay default is disputed (500 or 3000 ms); the
# getSettings sample shows 3000.
DEFAULT_SETTINGS: dict[str, Any] = {
    "webhookUrl": "",
    "webhookUrlToken": "",
    "delaySendMessagesMilliseconds": 3000,
    **dict.fromkeys(FLAG_KEYS, "no"),
}
# Parameters the 2022 partner docs listed; accepted and ignored (docs/greenapi.md §2.1).
LEGACY_IGNORED = ("countryInstance", "partnerUserUiid", "enableMessagesHistory")

_url_validator = URLValidator(schemes=["http", "https"])


class Invalid(ValueError):
    """Input the emulator refuses; the message says why (never echoing secrets)."""


EMPTY = object()  # what json_body returns for an empty body


def json_body(request: HttpRequest) -> Any:
    """The decoded JSON body, or `EMPTY` for an empty one."""
    raw = request.body
    if not raw.strip():
        return EMPTY
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise Invalid("the body is not valid JSON") from error


def json_object(request: HttpRequest, *, allow_empty: bool = False) -> dict[str, Any]:
    """The body as a JSON object; an empty body is `{}` only when `allow_empty`."""
    body = json_body(request)
    if body is EMPTY:
        if allow_empty:
            return {}
        raise Invalid("the body is empty")
    if not isinstance(body, dict):
        raise Invalid("the body must be a JSON object")
    return body


def is_int(value: Any) -> bool:
    # JSON `true` decodes to a bool, which Python counts as an int.
    return isinstance(value, int) and not isinstance(value, bool)


def parse_id(raw: Any) -> int | None:
    """An instance id from a URL segment or a JSON value; None when it cannot be one."""
    if is_int(raw):
        value = raw
    elif isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 19:
        value = int(raw)
    else:
        return None
    return value if 0 < value <= MAX_BIGINT else None


def parse_phone(value: Any) -> int:
    """An international phone number as a JSON integer: digits only, no + or 00."""
    if not is_int(value) or not 10**6 <= value < 10**15:
        raise Invalid("phoneNumber must be an integer of 7 to 15 digits")
    return value


def validate_settings(data: dict[str, Any]) -> dict[str, Any]:
    """The known setting keys of `data`, checked; unknown keys are ignored like upstream."""
    clean: dict[str, Any] = {}
    for key in SETTING_KEYS:
        if key not in data:
            continue
        value = data[key]
        if key in FLAG_KEYS:
            if value not in ("yes", "no"):
                raise Invalid(f'{key} must be "yes" or "no"')
        elif key == "delaySendMessagesMilliseconds":
            if not is_int(value) or not DELAY_RANGE[0] <= value <= DELAY_RANGE[1]:
                raise Invalid(f"{key} must be an integer from 500 to 600000")
        elif key == "webhookUrl":
            _check_url(value)
        elif not _clean_text(value, MAX_TOKEN_LENGTH):
            raise Invalid(f"{key} must be a string of at most {MAX_TOKEN_LENGTH} characters")
        clean[key] = value
    return clean


def _clean_text(value: Any, max_length: int) -> bool:
    return isinstance(value, str) and len(value) <= max_length and storable(value)


def storable(text: str) -> bool:
    """Whether both databases can store `text`: PostgreSQL refuses NUL, and JSON's lone
    surrogate escapes ("\\ud800") decode to strings that cannot be encoded at all."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_url(value: Any) -> None:
    if not _clean_text(value, MAX_URL_LENGTH):
        raise Invalid("webhookUrl must be a string URL")
    if value:
        try:
            _url_validator(value)
        except ValidationError as error:
            raise Invalid("webhookUrl must be an http(s) URL or empty") from error


def validate_create(data: dict[str, Any]) -> tuple[dict[str, Any], str, str]:
    """createInstance parameters: (settings, name, typeInstance)."""
    known = (*SETTING_KEYS, "name", "typeInstance", *LEGACY_IGNORED)
    if not any(key in data for key in known):
        raise Invalid("At least one parameter is required")
    clean = validate_settings(data)
    name = data.get("name", "")
    if not _clean_text(name, MAX_NAME_LENGTH):
        raise Invalid(f"name must be a string of at most {MAX_NAME_LENGTH} characters")
    type_instance = data.get("typeInstance", "whatsapp")
    if type_instance not in TYPE_INSTANCES:
        raise Invalid('typeInstance must be "whatsapp", "telegram" or "v3"')
    return clean, name.strip(), type_instance
