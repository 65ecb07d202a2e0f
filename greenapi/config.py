"""Timeouts, deadline and retry policy for every Green API call, in one place."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ClientConfig:
    """How long a call may take and how hard the client tries.

    Attributes:
        connect_timeout: seconds to open the TCP/TLS connection (per attempt).
        read_timeout: seconds to wait for the first byte of the answer, and between two reads of
            the body (per attempt).
        deadline: seconds for the whole call, retries and back-off pauses included. A slowly
            dripping body cannot hold a call past it.
        get_retries: extra attempts for GET calls after a connection error, a timeout, a 429 or a
            5xx. POST calls (createInstance, deleteInstanceAccount, setSettings,
            getAuthorizationCode) are never re-sent.
        backoff: the first pause between GET attempts; it doubles on each retry. A 429's
            Retry-After replaces it.
        user_agent: the User-Agent header.
        max_body_bytes: answers decoded in memory larger than this are refused (BadResponse),
            so a broken upstream cannot exhaust memory.
        max_listing_bytes: getInstances' array is spooled to a temporary file and read as a
            stream (greenapi/listing.py), so its size costs disk, not memory; this limit only
            stops a runaway answer. An instance takes about 420 bytes: the default 1 GiB is
            about 2.5 million instances.
        ends_at: a `time.monotonic()` time that no call may run past, or None. It lets a caller
            give several calls one overall deadline: each call ends at the sooner of its own
            `deadline` and `ends_at`, and a call made after `ends_at` raises UpstreamTimeout at
            once without sending anything.
    """

    connect_timeout: float = 3.05
    read_timeout: float = 10.0
    deadline: float = 15.0
    get_retries: int = 2
    backoff: float = 0.5
    user_agent: str = "PartnerPortal/0.1"
    max_body_bytes: int = 32 * 1024 * 1024
    max_listing_bytes: int = 1024 * 1024 * 1024
    ends_at: float | None = None

    def __post_init__(self) -> None:
        for name in ("connect_timeout", "read_timeout", "deadline"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
                raise ValueError(f"ClientConfig.{name} must be a positive number of seconds.")
        if not isinstance(self.backoff, int | float) or not 0 <= self.backoff < math.inf:
            raise ValueError("ClientConfig.backoff must be zero or a positive number of seconds.")
        if isinstance(self.get_retries, bool) or not isinstance(self.get_retries, int):
            raise ValueError("ClientConfig.get_retries must be a whole number.")
        if self.get_retries < 0:
            raise ValueError("ClientConfig.get_retries must not be negative.")
        for name in ("max_body_bytes", "max_listing_bytes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"ClientConfig.{name} must be a positive number of bytes.")
        if self.ends_at is not None and (
            isinstance(self.ends_at, bool)
            or not isinstance(self.ends_at, int | float)
            or not math.isfinite(self.ends_at)
        ):
            raise ValueError("ClientConfig.ends_at must be a time.monotonic() value or None.")
        if not self.user_agent or any(c in self.user_agent for c in "\r\n"):
            raise ValueError("ClientConfig.user_agent must be a non-empty single line.")
