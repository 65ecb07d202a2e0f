"""The stateInstanceChanged webhook (docs/greenapi.md §3.13), sent after the change commits."""

import logging
from datetime import datetime
from typing import Any

import requests
from django.db import transaction

from sandbox.models import EmulatedInstance
from sandbox.state import wid

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 3.0


def state_changed(instance: EmulatedInstance, state: str, now: datetime) -> None:
    """Queue the webhook for `instance` if its settings ask for it; runs after commit."""
    url = instance.settings.get("webhookUrl", "")
    if instance.settings.get("stateWebhook") != "yes" or not url:
        return
    payload = {
        "typeWebhook": "stateInstanceChanged",
        "instanceData": {
            "idInstance": instance.id_instance,
            "wid": wid(instance),
            "typeInstance": instance.type_instance,
        },
        "timestamp": int(now.timestamp()),
        "stateInstance": state,
    }
    token = instance.settings.get("webhookUrlToken", "")
    # Delivered synchronously once committed, so a caller sees it arrive before its answer.
    transaction.on_commit(lambda: deliver(url, token, payload))


def deliver(url: str, token: str, payload: dict[str, Any]) -> None:
    """POST one webhook; failures are logged (without URL or token) and otherwise ignored."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    id_instance = payload["instanceData"]["idInstance"]
    try:
        response = requests.post(url, json=payload, headers=headers, timeout=TIMEOUT_SECONDS)
    except requests.RequestException as error:
        # The exception text contains the URL, which may carry secrets in its query.
        logger.warning(
            "sandbox: state webhook for %s failed: %s", id_instance, type(error).__name__
        )
        return
    if response.status_code >= 300:
        logger.warning(
            "sandbox: state webhook for %s answered HTTP %s", id_instance, response.status_code
        )
