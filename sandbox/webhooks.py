"""The stateInstanceChanged (docs/greenapi.md §3.13) and outgoingMessageStatus (§3.17) webhooks,
sent after the change commits."""

import logging
from datetime import datetime
from typing import Any

import requests
from django.db import transaction

from sandbox.models import EmulatedInstance
from sandbox.state import wid

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 3.0
ALWAYS_SENT = frozenset({"failed", "noAccount"})
# The sample's text (§3.17); the emulator has no real reason to give.
FAILURE_DESCRIPTION = "SWE004: 1000"


def state_changed(instance: EmulatedInstance, state: str, now: datetime) -> None:
    """Queue the webhook for `instance` if its settings ask for it; runs after commit."""
    url = instance.settings.get("webhookUrl", "")
    if instance.settings.get("stateWebhook") != "yes" or not url:
        return
    payload = {
        "typeWebhook": "stateInstanceChanged",
        "instanceData": _instance_data(instance),
        "timestamp": int(now.timestamp()),
        "stateInstance": state,
    }
    _send_after_commit(instance, url, payload)


def message_status(
    instance: EmulatedInstance, *, id_message: str, chat_id: str, status: str, now: datetime
) -> None:
    """Queue an outgoingMessageStatus webhook if the settings ask for statuses (outgoingWebhook).

    failed and noAccount go out even with the setting off, as the page says (§3.17)."""
    url = instance.settings.get("webhookUrl", "")
    wanted = instance.settings.get("outgoingWebhook") == "yes" or status in ALWAYS_SENT
    if not wanted or not url:
        return
    payload: dict[str, Any] = {
        "typeWebhook": "outgoingMessageStatus",
        "chatId": chat_id,
        "instanceData": _instance_data(instance),
        "timestamp": int(now.timestamp()),
        "idMessage": id_message,
        "status": status,
        "sendByApi": True,
    }
    if status in ALWAYS_SENT:
        payload["description"] = FAILURE_DESCRIPTION
    _send_after_commit(instance, url, payload)


def _instance_data(instance: EmulatedInstance) -> dict[str, Any]:
    return {
        "idInstance": instance.id_instance,
        "wid": wid(instance),
        "typeInstance": instance.type_instance,
    }


def _send_after_commit(instance: EmulatedInstance, url: str, payload: dict[str, Any]) -> None:
    token = instance.settings.get("webhookUrlToken", "")
    # Delivered synchronously once committed, so a caller sees it arrive before its answer.
    transaction.on_commit(lambda: deliver(url, token, payload))


def deliver(url: str, token: str, payload: dict[str, Any]) -> None:
    """POST one webhook; failures are logged (without URL or token) and otherwise ignored."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    id_instance = payload["instanceData"]["idInstance"]
    kind = "state" if payload["typeWebhook"] == "stateInstanceChanged" else "message status"
    try:
        response = requests.post(url, json=payload, headers=headers, timeout=TIMEOUT_SECONDS)
    except requests.RequestException as error:
        # The exception text contains the URL, which may carry secrets in its query.
        logger.warning(
            "sandbox: %s webhook for %s failed: %s", kind, id_instance, type(error).__name__
        )
        return
    if response.status_code >= 300:
        logger.warning(
            "sandbox: %s webhook for %s answered HTTP %s", kind, id_instance, response.status_code
        )
