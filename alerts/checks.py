"""System checks for alerts: e-mails need an address of the portal to link to."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.compatibility, deploy=True)
def public_base_url_for_alerts(**kwargs: Any) -> list[Warning]:
    if settings.PUBLIC_BASE_URL:
        return []
    return [
        Warning(
            "PUBLIC_BASE_URL is not set: alert e-mails link to bare paths, not to the portal.",
            hint="Set PUBLIC_BASE_URL to the portal's address, e.g. https://portal.example.com.",
            id="alerts.W001",
        )
    ]
