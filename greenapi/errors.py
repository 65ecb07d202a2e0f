"""The one error family of the Green API client.

Every failure of a client call is raised as a `GreenAPIError` subclass. Each error carries:

- `message`: a plain sentence for a person (what happened and what to do). It never contains a
  token or a URL, because the URLs of Green API hold tokens.
- `retryable`: True when the same call may succeed if made again later. The client already retried
  GET calls within their deadline; for POST calls it never re-sends, so the flag is advice to the
  caller.
- `status`: the HTTP status, or the `code` of an error body inside an HTTP 200, or None when no
  answer arrived.
- `method`: the Green API method name (`createInstance`, `qr`, ...).
- `outcome_unknown`: True when the request may have taken effect upstream although the call
  failed (a POST that timed out after it was sent, a 5xx answer to a POST, a 200 whose body could
  not be read). A caller that creates or deletes must then settle the order by reading the state
  back (getInstances) instead of sending it again.
- `kind` (on the class): a short stable name of the failure ("rate_limited", "timeout",
  "unavailable", ...), the outcome a `Transport` observer reports (greenapi/observe.py).

Errors are always raised outside `except` blocks and never chained, so no `requests` exception
(whose text embeds the URL and therefore the token) hangs off `__cause__` or `__context__`.
"""

from __future__ import annotations

from greenapi.redaction import redact


class GreenAPIError(Exception):
    """Base class: a Green API call failed. See the module docstring for the attributes."""

    default_retryable = False
    # A short stable name of the failure, for metrics ("rate_limited", "timeout", ...).
    kind = "error"

    def __init__(
        self,
        message: str,
        *,
        method: str = "",
        status: int | None = None,
        retryable: bool | None = None,
        outcome_unknown: bool = False,
    ) -> None:
        # Redact defensively: a message is built from our own words plus, at most, a short
        # upstream text, but a token must not slip through even if upstream echoes one.
        self.message = redact(message)
        self.method = method
        self.status = status
        self.retryable = self.default_retryable if retryable is None else retryable
        self.outcome_unknown = outcome_unknown
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(method={self.method!r}, status={self.status!r}, "
            f"retryable={self.retryable!r}, message={self.message!r})"
        )


class Unauthorized(GreenAPIError):
    """Green API rejected the token (HTTP 401/403, or `{"code": 401}` in a 200). Not retryable."""

    kind = "unauthorized"


class NotFound(GreenAPIError):
    """The instance does not exist or is already deleted (`{"code": 404}` or HTTP 404)."""

    kind = "not_found"


class RateLimited(GreenAPIError):
    """HTTP 429: over the per-instance, per-method rate limit. Retryable after `retry_after`."""

    default_retryable = True
    kind = "rate_limited"

    def __init__(
        self,
        message: str,
        *,
        method: str = "",
        status: int | None = 429,
        retry_after: float | None = None,
        outcome_unknown: bool = False,
    ) -> None:
        super().__init__(message, method=method, status=status, outcome_unknown=outcome_unknown)
        self.retry_after = retry_after


class Unavailable(GreenAPIError):
    """Green API could not be reached or failed (5xx, gateway page, refused or dropped
    connection). Retryable."""

    default_retryable = True
    kind = "unavailable"


class UpstreamTimeout(Unavailable):
    """The connect timeout, the read timeout or the call's overall deadline ran out. Retryable;
    for a POST that was sent, `outcome_unknown` is True."""

    kind = "timeout"


class BadResponse(GreenAPIError):
    """The answer could not be understood: not JSON, truncated, the wrong shape, or an unexpected
    text. Not retryable: the same call would most likely get the same answer."""

    kind = "bad_response"


class InstanceExpired(BadResponse):
    """The text "Instance account is expired. Renew your instance from personal area".

    Not retryable, because it normally means the instance is unpaid and stays so until it is
    renewed. The same text also appears for a short while right after an instance is created; code
    that polls a new instance should treat it like "not ready yet" and keep polling.
    """

    kind = "expired"


class BadRequest(GreenAPIError):
    """HTTP 400 "bad request data" or another 400 text that has no subclass of its own."""

    kind = "bad_request"


class InstanceNotReady(BadRequest):
    """HTTP 400 "instance in starting process try later": the instance is (re)starting. Retryable
    after some seconds (it can take up to 5 minutes); the client does not retry it by itself."""

    default_retryable = True
    kind = "not_ready"


class InstanceNotAuthorized(BadRequest):
    """HTTP 400 "instance account not authorized": the instance is not linked to a phone yet."""

    kind = "not_authorized"


class InstanceDeleted(BadRequest):
    """HTTP 400 "Instance is deleted"."""

    kind = "deleted"


class QuotaExceeded(GreenAPIError):
    """HTTP 466: the monthly quota of a Developer (free) plan is used up. Not retryable."""

    kind = "quota_exceeded"
