"""Standard Webhooks signatures (https://www.standardwebhooks.com/), with the official package.

During a secret's grace period a message carries one signature per secret, space-separated as
the specification allows, so a receiver holding either secret accepts it.
"""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, datetime

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"  # noqa: S105  (the format's prefix, not a secret)


def secret_new() -> str:
    """A new endpoint secret: 32 random bytes, as the specification writes them."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def signed_headers(
    *, event_id: str, body: str, secrets_now: list[str], at: datetime
) -> dict[str, str]:
    """The webhook-id, webhook-timestamp and webhook-signature headers of one attempt."""
    at = at.astimezone(UTC)
    signatures = [Webhook(secret).sign(event_id, at, body) for secret in secrets_now]
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": " ".join(signatures),
        "Content-Type": "application/json",
        "User-Agent": "PartnerPortal-Webhooks/1",
    }
