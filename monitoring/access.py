"""Who may read /metrics: a scraper with METRICS_TOKEN, or one from METRICS_ALLOWED_NETWORKS.

Used by the web view and by the worker's own metrics server alike, so the rule is one.
"""

from __future__ import annotations

import enum
import hmac
import ipaddress
from functools import cache

from django.conf import settings


class Access(enum.Enum):
    ALLOWED = "allowed"
    DENIED = "denied"  # 403
    OFF = "off"  # neither a token nor networks are configured: 404, as if there were no page


@cache
def _networks(values: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(value, strict=False) for value in values)


def _in_networks(address: str | None, values: tuple[str, ...]) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:10.0.0.5 on a dual-stack socket is 10.0.0.5
    return any(ip in network for network in _networks(values))


def _bearer(authorization: str) -> str:
    scheme, _, credentials = authorization.partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else ""


def metrics_access(*, authorization: str, client_address: str | None) -> Access:
    """Whether a request with this Authorization header, from this address, may read metrics."""
    token: str = settings.METRICS_TOKEN
    networks = tuple(settings.METRICS_ALLOWED_NETWORKS)
    if not token and not networks:
        return Access.OFF
    presented = _bearer(authorization)
    # compare_digest on bytes: constant time whatever the characters.
    if token and presented and hmac.compare_digest(presented.encode(), token.encode()):
        return Access.ALLOWED
    if _in_networks(client_address, networks):
        return Access.ALLOWED
    return Access.DENIED
