"""Where events may go, and the one way they are sent there (against SSRF).

An endpoint's host is resolved, and every address it resolves to must be public: not loopback,
private, link-local, multicast, reserved or unspecified (unless EVENTS_ALLOW_PRIVATE_TARGETS,
on by default only with DEBUG). The check runs when an endpoint is registered and again at
every delivery, and the POST connects to the very address checked, with the name kept for the
Host header and for TLS (SNI and certificate), so a DNS answer that changes in between (DNS
rebinding) cannot send it anywhere else. Redirects are never followed; the whole call has a
deadline.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import certifi
import urllib3
from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import ApplicationError

TIMEOUT_SECONDS = 10.0
# Only the start of an answer is read: enough for the log, not a way to fill our memory.
ANSWER_BYTES = 2048

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class TargetRefused(ApplicationError):
    """The URL may not receive events (its words are for the person registering it)."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # the name, as in the URL
    port: int
    path: str  # with its query
    address: str  # the checked address to connect to


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: no answer (timeout, refused connection, TLS error)
    latency_ms: int
    error: str  # "" for a 2xx


def allow_private() -> bool:
    return bool(settings.EVENTS_ALLOW_PRIVATE_TARGETS)


def is_public(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def url_check(url: str) -> Target:
    """The target of `url` with its checked address; TargetRefused says why not."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise TargetRefused(_("This is not a valid address.")) from None
    scheme, host = parts.scheme.lower(), parts.hostname or ""
    if scheme not in {"http", "https"} or not host:
        raise TargetRefused(_("Enter an address that starts with https://."))
    if scheme != "https" and not allow_private():
        raise TargetRefused(_("The address must start with https://."))
    if parts.username or parts.password:
        raise TargetRefused(_("The address cannot hold a user name or password."))
    port = port or (443 if scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme, host, port, path, _resolve(host, port))


def _resolve(host: str, port: int) -> str:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise TargetRefused(_("The host name could not be resolved.")) from None
    addresses = [ipaddress.ip_address(str(item[4][0]).split("%", 1)[0]) for item in found]
    if not addresses:
        raise TargetRefused(_("The host name could not be resolved."))
    if not allow_private() and not all(is_public(address) for address in addresses):
        # Every address must be public: a name that also points inside would be a way in.
        raise TargetRefused(
            _(
                "The address leads to a private, loopback, link-local or reserved network; "
                "events are sent only to public addresses."
            )
        )
    return str(addresses[0])


def post(target: Target, body: bytes, headers: dict[str, str]) -> Answer:
    """POST `body` to the target's checked address; never follows a redirect."""
    name = f"[{target.host}]" if ":" in target.host else target.host  # an IPv6 literal
    host_header = name if target.port in {80, 443} else f"{name}:{target.port}"
    timeout = urllib3.Timeout(total=TIMEOUT_SECONDS)
    pool: urllib3.HTTPConnectionPool
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            target.address,
            target.port,
            timeout=timeout,
            retries=False,
            cert_reqs="CERT_REQUIRED",
            ca_certs=certifi.where(),
            assert_hostname=target.host,
            server_hostname=target.host,
        )
    else:
        pool = urllib3.HTTPConnectionPool(
            target.address, target.port, timeout=timeout, retries=False
        )
    started = time.monotonic()
    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers={**headers, "Host": host_header},
            redirect=False,
            retries=False,
            preload_content=False,
            assert_same_host=False,
        )
        try:
            response.read(ANSWER_BYTES)
        finally:
            response.release_conn()
    except (urllib3.exceptions.HTTPError, OSError, ValueError) as exc:
        # ValueError: what urllib3 refuses to send (a header it cannot encode, say).
        latency = int((time.monotonic() - started) * 1000)
        return Answer(None, latency, _failure(exc))
    finally:
        pool.close()
    latency = int((time.monotonic() - started) * 1000)
    status = response.status
    if 200 <= status < 300:
        return Answer(status, latency, "")
    if 300 <= status < 400:
        return Answer(status, latency, f"HTTP {status}: redirects are not followed")
    return Answer(status, latency, f"HTTP {status}")


def _failure(exc: Exception) -> str:
    """A short reason without the URL (which might hold something its owner keeps secret)."""
    # NewConnectionError is a kind of timeout error to urllib3: asked first.
    if isinstance(exc, urllib3.exceptions.NewConnectionError):
        return "Connection refused or unreachable"
    if isinstance(exc, urllib3.exceptions.TimeoutError):
        return f"No answer within {TIMEOUT_SECONDS:.0f} s"
    if isinstance(exc, urllib3.exceptions.SSLError):
        return "TLS error (certificate or handshake)"
    if isinstance(exc, urllib3.exceptions.ProtocolError):
        return "Connection closed by the receiver"
    return f"Connection failed ({type(exc).__name__})"
