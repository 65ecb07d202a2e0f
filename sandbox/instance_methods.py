"""The instance-API methods, called once the pipeline has vetted the instance and its state.

Each handler gets the instance, the JSON body ({} for GET), the effective state and the time.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.http import HttpResponse

from sandbox import outbox, transitions
from sandbox.models import EmulatedInstance
from sandbox.qrimage import qr_png_base64
from sandbox.responses import BAD_REQUEST_TEXT, text, wire_json
from sandbox.state import LINKED_STATES, current_qr_payload, wid
from sandbox.validation import DEFAULT_SETTINGS, Invalid, parse_phone, validate_settings

Handler = Callable[[EmulatedInstance, dict[str, Any], str, datetime], HttpResponse]

# Methods the real service refuses while the instance is starting (docs/greenapi.md §4.1).
REFUSED_WHILE_STARTING = frozenset({"qr", "getAuthorizationCode", "logout"})
QR_BLOCKED_MESSAGE = "Instance has auth. You need to make log out"


def get_state_instance(
    instance: EmulatedInstance, body: dict[str, Any], state: str, now: datetime
) -> HttpResponse:
    return wire_json({"stateInstance": state})


def qr(instance: EmulatedInstance, body: dict[str, Any], state: str, now: datetime) -> HttpResponse:
    if state == "notAuthorized":
        payload = current_qr_payload(instance, now)
        assert payload is not None  # a live notAuthorized instance always has one
        return wire_json({"type": "qrCode", "message": qr_png_base64(payload)})
    if state in LINKED_STATES:
        return wire_json(
            {"type": "alreadyLogged", "message": "instance account already authorized"}
        )
    return wire_json({"type": "error", "message": QR_BLOCKED_MESSAGE})


def get_authorization_code(
    instance: EmulatedInstance, body: dict[str, Any], state: str, now: datetime
) -> HttpResponse:
    # Pairing by phone number is WhatsApp's; Telegram and MAX use startAuthorization instead.
    if instance.type_instance != "whatsapp":
        return text(400, BAD_REQUEST_TEXT)
    try:
        phone = parse_phone(body.get("phoneNumber"))
    except Invalid:
        return text(400, BAD_REQUEST_TEXT)
    code = transitions.issue_auth_code(instance.id_instance, phone, now)
    return wire_json({"status": code is not None, "code": code or ""})


def logout(
    instance: EmulatedInstance, body: dict[str, Any], state: str, now: datetime
) -> HttpResponse:
    transitions.log_out(instance.id_instance, now)
    return wire_json({"isLogout": True})


def reboot(
    instance: EmulatedInstance, body: dict[str, Any], state: str, now: datetime
) -> HttpResponse:
    transitions.reboot(instance.id_instance, now)
    return wire_json({"isReboot": True})


def get_settings(
    instance: EmulatedInstance, body: dict[str, Any], state: str, now: datetime
) -> HttpResponse:
    values = {**DEFAULT_SETTINGS, **instance.settings}
    # Key order and the deprecated fields follow the 2026 Postman sample (docs/greenapi.md §3.8).
    data: dict[str, Any] = {
        "wid": wid(instance),  # "" until a phone is linked
        "countryInstance": "",
        "typeAccount": "",
        "webhookUrl": values["webhookUrl"],
        "webhookUrlToken": values["webhookUrlToken"],
        "delaySendMessagesMilliseconds": values["delaySendMessagesMilliseconds"],
        "markIncomingMessagesReaded": values["markIncomingMessagesReaded"],
        "markIncomingMessagesReadedOnReply": values["markIncomingMessagesReadedOnReply"],
        "sharedSession": "no",
        "proxyInstance": "system proxy",
        "outgoingWebhook": values["outgoingWebhook"],
        "outgoingMessageWebhook": values["outgoingMessageWebhook"],
        "outgoingAPIMessageWebhook": values["outgoingAPIMessageWebhook"],
        "incomingWebhook": values["incomingWebhook"],
        "deviceWebhook": values["deviceWebhook"],
        "statusInstanceWebhook": "no",
        "stateWebhook": values["stateWebhook"],
        "enableMessagesHistory": "no",
        "keepOnlineStatus": values["keepOnlineStatus"],
        "pollMessageWebhook": values["pollMessageWebhook"],
        "incomingBlockWebhook": values["incomingBlockWebhook"],
        "incomingCallWebhook": values["incomingCallWebhook"],
        "editedMessageWebhook": values["editedMessageWebhook"],
        "deletedMessageWebhook": values["deletedMessageWebhook"],
    }
    if instance.type_instance != "whatsapp":  # the Telegram and MAX pages add it
        data["typeInstance"] = instance.type_instance
    return wire_json(data)


def set_settings(
    instance: EmulatedInstance, body: dict[str, Any], state: str, now: datetime
) -> HttpResponse:
    try:
        values = validate_settings(body)
    except Invalid:
        return text(400, BAD_REQUEST_TEXT)
    if not values:
        return text(400, BAD_REQUEST_TEXT)
    transitions.save_settings(instance.id_instance, values, now)
    return wire_json({"saveSettings": True})


def get_wa_settings(
    instance: EmulatedInstance, body: dict[str, Any], state: str, now: datetime
) -> HttpResponse:
    linked = state in LINKED_STATES and instance.phone is not None
    return wire_json(
        {
            "avatar": "",
            "phone": str(instance.phone) if linked else "",
            "stateInstance": state,
            "deviceId": f"{instance.phone}:8@s.whatsapp.net" if linked else "",
        }
    )


def get_status_instance(
    instance: EmulatedInstance, body: dict[str, Any], state: str, now: datetime
) -> HttpResponse:
    online = state in LINKED_STATES and not instance.status_offline
    return wire_json({"statusInstance": "online" if online else "offline"})


def send_message(
    instance: EmulatedInstance, body: dict[str, Any], state: str, now: datetime
) -> HttpResponse:
    # Queued whatever the state: upstream keeps it up to 24 h for the phone (§3.14).
    try:
        values = outbox.validate_send(body, instance.type_instance)
    except Invalid:
        return text(400, BAD_REQUEST_TEXT)
    message = outbox.enqueue(instance, values, now)
    return wire_json({"idMessage": message.id_message})


def show_messages_queue(
    instance: EmulatedInstance, body: dict[str, Any], state: str, now: datetime
) -> HttpResponse:
    outbox.pump(instance, now)  # a timed restart may have ended since the last event
    return wire_json([outbox.queue_entry(m) for m in outbox.queue(instance.id_instance)])


def get_message(
    instance: EmulatedInstance, body: dict[str, Any], state: str, now: datetime
) -> HttpResponse:
    outbox.pump(instance, now)
    try:
        message = outbox.find(instance.id_instance, body.get("chatId"), body.get("idMessage"))
    except Invalid:
        return text(400, BAD_REQUEST_TEXT)
    if message is None:  # upstream's answer is undocumented (docs/sandbox.md, Conventions)
        return text(400, BAD_REQUEST_TEXT)
    return wire_json(outbox.journal_entry(message))


HANDLERS: dict[str, Handler] = {
    "getStateInstance": get_state_instance,
    "qr": qr,
    "getAuthorizationCode": get_authorization_code,
    "logout": logout,
    "reboot": reboot,
    "getSettings": get_settings,
    "setSettings": set_settings,
    "getWaSettings": get_wa_settings,
    "getStatusInstance": get_status_instance,
    "sendMessage": send_message,
    "showMessagesQueue": show_messages_queue,
    "getMessage": get_message,
}
