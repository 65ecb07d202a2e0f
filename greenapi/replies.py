"""Turn one HTTP answer (status + body) into a JSON value, or into the right client error.

Green API reports errors three ways, and all three are handled here:

- real HTTP statuses, often with a plain-text body (`400 instance in starting process try later`);
- HTTP 200 with `{"code": <int>, "description": "..."}` (the partner API's usual form);
- HTTP 200 with a non-JSON text ("Instance account is expired. Renew your instance ...").

Nothing here raises inside an `except` block, so no exception ever gets a `__context__`.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from greenapi.errors import (
    BadRequest,
    BadResponse,
    GreenAPIError,
    InstanceDeleted,
    InstanceExpired,
    InstanceNotAuthorized,
    InstanceNotReady,
    NotFound,
    QuotaExceeded,
    RateLimited,
    Unauthorized,
    Unavailable,
)
from greenapi.redaction import redact
from greenapi.spool import SpooledBody

PARTNER_METHODS = frozenset({"getInstances", "createInstance", "deleteInstanceAccount"})

_SNIPPET_LIMIT = 160
_INVALID = object()

_RETRY_LATER = "Try again in a minute."
_CHECK_FIRST = (
    "The request may have been carried out anyway: check the result before sending it again."
)


@dataclass(frozen=True, slots=True)
class Reply:
    """One HTTP answer, fully read: status, body bytes and the headers we use."""

    status: int
    body: bytes
    retry_after: str | None = None
    # A getInstances array left undecoded in a temporary file (transport's `spool`).
    spooled: SpooledBody | None = None


def interpret(reply: Reply, *, method: str, verb: str) -> Any:
    """Return the JSON value of a successful answer, or raise the matching GreenAPIError.

    A 200 body of `null` is returned as None; whether that is acceptable is the parser's call.
    """
    sent_write = verb != "GET"
    if 200 <= reply.status < 300:
        text = _decode_text(reply.body)
        value = _INVALID if text is None else _loads(text)
        if value is _INVALID:
            raise _non_json_200(text, method=method, status=reply.status, sent_write=sent_write)
        error = error_from_code_body(value, method=method, sent_write=sent_write)
        if error is not None:
            raise error
        return value
    raise error_for_status(reply, method=method, sent_write=sent_write)


def error_from_code_body(value: Any, *, method: str, sent_write: bool) -> GreenAPIError | None:
    """The error described by a `{"code": <int>, "description": ...}` body, else None."""
    if not isinstance(value, dict) or "description" not in value:
        return None
    code = value.get("code")
    if isinstance(code, bool) or not isinstance(code, int):
        return None
    description = value["description"] if isinstance(value["description"], str) else ""
    detail = _snippet(description)
    if code == 401:
        return _unauthorized(method, code)
    if code == 403:
        return Unauthorized(
            f"Green API refused access to {method} (code 403). Check the token and the API URL.",
            method=method,
            status=code,
        )
    if code == 404:
        return _not_found(method, code)
    if code == 429:
        return RateLimited(_rate_limited_message(method), method=method, status=code)
    if code == 466:
        return QuotaExceeded(_quota_message(detail), method=method, status=code)
    if code == 100:
        # 2022 createInstance: "Temporarily no free instances. Try after a while". Nothing created.
        return Unavailable(
            f"Green API has no free instances right now ({detail or 'code 100'}). Try again later.",
            method=method,
            status=code,
        )
    if code >= 500 or code == 200:
        # code 200 is the 2022 createInstance "Error saving instance": it may have half-happened.
        return Unavailable(
            f"Green API reported an internal error for {method} (code {code}"
            f"{': ' + detail if detail else ''}). {_RETRY_LATER}"
            + (f" {_CHECK_FIRST}" if sent_write else ""),
            method=method,
            status=code,
            outcome_unknown=sent_write,
        )
    if 400 <= code < 500:
        return BadRequest(
            f"Green API refused the {method} request (code {code}"
            f"{': ' + detail if detail else ''}).",
            method=method,
            status=code,
        )
    return BadResponse(
        f"Green API answered {method} with an unknown error code {code}"
        f"{' (' + detail + ')' if detail else ''}.",
        method=method,
        status=code,
        outcome_unknown=sent_write,
    )


def error_for_status(reply: Reply, *, method: str, sent_write: bool) -> GreenAPIError:
    """The error for a non-2xx answer."""
    status = reply.status
    text = _decode_text(reply.body) or ""
    lowered = text.lower()
    if status == 429:
        return RateLimited(
            _rate_limited_message(method),
            method=method,
            status=status,
            retry_after=parse_retry_after(reply.retry_after),
        )
    if status >= 500:
        kind = "a gateway error page" if _looks_like_html(text) else "a server error"
        return Unavailable(
            f"Green API answered {method} with HTTP {status} ({kind}). {_RETRY_LATER}"
            + (f" {_CHECK_FIRST}" if sent_write else ""),
            method=method,
            status=status,
            outcome_unknown=sent_write,
        )
    if status == 466:
        value = _loads(text)
        return QuotaExceeded(_quota_message(_quota_detail(value)), method=method, status=status)
    # A JSON error body on a 4xx (2022 partner answers) wins over the status.
    value = _loads(text) if text.lstrip().startswith("{") else _INVALID
    coded = error_from_code_body(value, method=method, sent_write=sent_write)
    if coded is not None:
        coded.status = status
        return coded
    known = _error_from_text(lowered, method=method, status=status)
    if known is not None:
        return known
    if status == 401:
        return _unauthorized(method, status)
    if status == 403:
        return Unauthorized(
            f"Green API refused access to {method} (HTTP 403). Check the API URL, the instance "
            "id and the token.",
            method=method,
            status=status,
        )
    if status == 404:
        return _not_found(method, status)
    if 400 <= status < 500:
        detail = "" if _looks_like_html(text) else _snippet(text)
        return BadRequest(
            f"Green API refused the {method} request as invalid (HTTP {status}"
            f"{': ' + detail if detail else ''}).",
            method=method,
            status=status,
        )
    return BadResponse(
        f"Green API answered {method} with an unexpected HTTP {status}. Check the API URL.",
        method=method,
        status=status,
    )


def parse_retry_after(raw: str | None) -> float | None:
    """Seconds from a Retry-After header (a number or an HTTP date); None when absent/invalid."""
    if not raw:
        return None
    raw = raw.strip()
    seconds: float | None = None
    if re.fullmatch(r"\d+(\.\d+)?", raw):
        seconds = float(raw)
    else:
        when = _parse_http_date(raw)
        if when is not None:
            seconds = (when - datetime.now(UTC)).total_seconds()
    if seconds is None or not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def _parse_http_date(raw: str) -> datetime | None:
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        when = None
    if when is None:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _error_from_text(lowered: str, *, method: str, status: int) -> GreenAPIError | None:
    if "instance in starting process" in lowered:
        return InstanceNotReady(
            f"The instance is starting, so Green API cannot do {method} yet. Try again in a "
            "minute; if it stays in this state for more than 5 minutes, reboot the instance.",
            method=method,
            status=status,
        )
    if "not authorized" in lowered:
        return InstanceNotAuthorized(
            f"The instance is not linked to a phone, so Green API refused {method}. Link it "
            "with a QR code or a pairing code first.",
            method=method,
            status=status,
        )
    if "instance is deleted" in lowered:
        return InstanceDeleted(
            f"The instance is deleted, so Green API refused {method}.",
            method=method,
            status=status,
        )
    if "account is expired" in lowered:
        return _expired(method, status)
    if "instance not found" in lowered:
        return _not_found(method, status)
    if "unauthorized" in lowered:
        return _unauthorized(method, status)
    if "too many requests" in lowered:
        return RateLimited(_rate_limited_message(method), method=method, status=status)
    if "bad request data" in lowered:
        return BadRequest(
            f"Green API refused the {method} request as invalid (bad request data).",
            method=method,
            status=status,
        )
    return None


def _non_json_200(text: str | None, *, method: str, status: int, sent_write: bool) -> GreenAPIError:
    known = None if text is None else _error_from_text(text.lower(), method=method, status=status)
    if known is not None:
        return known
    if text is None:
        what = "is not valid UTF-8 text"
    elif not text.strip():
        what = "is empty"
    elif _looks_like_html(text):
        what = "is an HTML page, not JSON"
    elif text.lstrip()[:1] in ("{", "[", '"'):
        what = "is broken or truncated JSON"
    else:
        what = "is plain text, not JSON"
    return BadResponse(
        f"Green API's answer to {method} {what}. {_RETRY_LATER}"
        + (f" {_CHECK_FIRST}" if sent_write else ""),
        method=method,
        status=status,
        outcome_unknown=sent_write,
    )


def _unauthorized(method: str, status: int) -> Unauthorized:
    if method in PARTNER_METHODS:
        advice = "Check that the partner token is correct and still active."
        which = "partner token"
    else:
        advice = "The token may have been changed or the instance deleted; sync the instance list."
        which = "instance token"
    return Unauthorized(
        f"Green API did not accept the {which} for {method}. {advice}",
        method=method,
        status=status,
    )


def _not_found(method: str, status: int) -> NotFound:
    return NotFound(
        f"Green API does not know this instance ({method}): it does not exist or is already "
        "deleted.",
        method=method,
        status=status,
    )


def _expired(method: str, status: int) -> InstanceExpired:
    return InstanceExpired(
        f"Green API says the instance account is expired ({method}). Renew it in the Green API "
        "console. A new instance can show this for a short while after creation.",
        method=method,
        status=status,
    )


def _rate_limited_message(method: str) -> str:
    scope = "" if method in PARTNER_METHODS else " for this instance"
    return f"Green API is rate-limiting {method} calls{scope}. Wait a second and retry."


def _quota_message(detail: str) -> str:
    return (
        "The instance's free plan quota is used up"
        + (f" ({detail})" if detail else "")
        + ". Change the plan to continue."
    )


def _quota_detail(value: Any) -> str:
    if not isinstance(value, dict):
        return ""
    for key in ("invokeStatus", "correspondentsStatus"):
        status = value.get(key)
        if isinstance(status, dict):
            used, total = status.get("used"), status.get("total")
            what = status.get("method")
            if isinstance(what, str) and isinstance(used, int) and isinstance(total, int):
                return _snippet(f"{what}: {used} of {total} used")
    return ""


def _decode_text(body: bytes) -> str | None:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return _INVALID


def _looks_like_html(text: str) -> bool:
    return text.lstrip()[:1] == "<"


def _snippet(text: str) -> str:
    """A short, single-line, token-free excerpt of upstream text for an error message."""
    # Redact before cutting, so that a token cut in half cannot escape the patterns.
    cleaned = " ".join(redact(text).split())
    cleaned = "".join(c for c in cleaned if c.isprintable())
    if len(cleaned) > _SNIPPET_LIMIT:
        cleaned = cleaned[: _SNIPPET_LIMIT - 1] + "…"
    return cleaned
