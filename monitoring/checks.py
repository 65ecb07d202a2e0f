"""Deploy checks for who may read /metrics (monitoring/access.py)."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Info, Warning, register

MIN_TOKEN_LENGTH = 32


@register("monitoring", deploy=True)
def check_metrics_access(**kwargs: Any) -> list[CheckMessage]:
    token: str = settings.METRICS_TOKEN
    networks: list[str] = settings.METRICS_ALLOWED_NETWORKS
    if not token and not networks:
        return [
            Info(
                "/metrics is off: neither METRICS_TOKEN nor METRICS_ALLOWED_NETWORKS is set.",
                id="monitoring.I001",
            )
        ]
    problems: list[CheckMessage] = []
    if any(ipaddress.ip_network(value, strict=False).prefixlen == 0 for value in networks):
        problems.append(
            Warning(
                "METRICS_ALLOWED_NETWORKS lets every address read /metrics.",
                hint="List only the scraper's addresses or network, or use METRICS_TOKEN.",
                id="monitoring.W001",
            )
        )
    if token and len(token) < MIN_TOKEN_LENGTH:
        problems.append(
            Warning(
                f"METRICS_TOKEN is shorter than {MIN_TOKEN_LENGTH} characters.",
                hint="Generate one with: python -c "
                '"import secrets; print(secrets.token_urlsafe(32))"',
                id="monitoring.W002",
            )
        )
    return problems
