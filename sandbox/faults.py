"""Injected failures: validating specs, picking the one that fires, and answering with it."""

import json
import math
import random
from collections.abc import Callable, Iterator
from typing import Any

from django.db import connection
from django.db.models import F, Q
from django.http import HttpResponse, StreamingHttpResponse

from sandbox import busy
from sandbox.methods import ALL_METHODS
from sandbox.models import Fault
from sandbox.responses import EXPIRED_TEXT, dumps, text, too_many_requests
from sandbox.validation import Invalid, is_int, parse_id, storable

KINDS = ("http500", "http502", "http429", "hang", "drip", "malformed", "error200", "text")
SPEC_KEYS = {"method", "kind", "times", "rate", "after", "seconds", "body", "status", "idInstance"}
MAX_SECONDS = 600.0
DRIP_INTERVAL = 0.2

NGINX_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)
ERROR200_DEFAULT = {"code": 500, "description": "Internal server error"}
ERROR200_QR = {"type": "error", "message": "Instance has auth. You need to make log out"}
MALFORMED_DEFAULT = '{"result": "a response cut short by the emulator"}'


def create(spec: Any) -> Fault:
    """A fault from a control-API spec; raises Invalid with a readable reason."""
    if not isinstance(spec, dict):
        raise Invalid("the fault spec must be a JSON object")
    unknown = set(spec) - SPEC_KEYS
    if unknown:
        raise Invalid(f"unknown fault keys: {', '.join(sorted(unknown))}")
    method = spec.get("method")
    if method != "*" and (not isinstance(method, str) or method.lower() not in ALL_METHODS):
        raise Invalid("method must be '*' or a method name the emulator knows")
    kind = spec.get("kind")
    if kind not in KINDS:
        raise Invalid(f"kind must be one of {', '.join(KINDS)}")
    return Fault.objects.create(
        method=method if method == "*" else ALL_METHODS[method.lower()].name,
        kind=kind,
        remaining=_optional_times(spec.get("times")),
        rate=_optional_rate(spec.get("rate")),
        after=_bool(spec.get("after", False)),
        seconds=_seconds(spec.get("seconds", 30)),
        body=_body(spec),
        status=_status(spec.get("status"), kind),
        id_instance=_optional_id(spec.get("idInstance")),
    )


def _body(spec: dict[str, Any]) -> dict[str, Any] | None:
    if "body" not in spec:
        return None
    if not storable(dumps(spec["body"]).replace("\\u0000", "\x00")):
        raise Invalid("body must not contain NUL characters or lone surrogates")
    return {"value": spec["body"]}


def _optional_times(value: Any) -> int | None:
    if value is not None and (not is_int(value) or not 1 <= value <= 1_000_000):
        raise Invalid("times must be a positive integer")
    return value


def _optional_rate(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise Invalid("rate must be a number from 0.0 to 1.0")
    return float(value)


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid("after must be true or false")
    return value


def _seconds(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid("seconds must be a number")
    if not (math.isfinite(value) and 0 <= value <= MAX_SECONDS):
        raise Invalid(f"seconds must be between 0 and {MAX_SECONDS:g}")
    return float(value)


def _status(value: Any, kind: str) -> int | None:
    if value is None:
        return None
    if kind != "text":
        raise Invalid("status applies only to kind 'text'")
    if not is_int(value) or not 100 <= value <= 599:
        raise Invalid("status must be an HTTP status code (100-599)")
    return value


def _optional_id(value: Any) -> int | None:
    if value is None:
        return None
    id_instance = parse_id(value) if is_int(value) else None
    if id_instance is None:
        raise Invalid("idInstance must be a positive integer")
    return id_instance


def describe(fault: Fault) -> dict[str, Any]:
    return {
        "id": fault.id,
        "method": fault.method,
        "kind": fault.kind,
        "times": fault.remaining,
        "rate": fault.rate,
        "after": fault.after,
        "seconds": fault.seconds,
        "body": fault.body["value"] if fault.body is not None else None,
        "status": fault.status,
        "idInstance": fault.id_instance,
    }


def active() -> list[Fault]:
    return list(Fault.objects.filter(Q(remaining__isnull=True) | Q(remaining__gt=0)))


def clear() -> int:
    """Delete every fault, and end the hangs and drips in progress (in this process)."""
    deleted, _ = Fault.objects.all().delete()
    busy.release()
    return deleted


def pick(method: str, id_instance: int | None) -> Fault | None:
    """The first fault that fires for this call, consuming one of its `times`."""
    if not _any_armed():  # nearly always: then one plain query, not the ORM's filtering below
        return None
    candidates = Fault.objects.filter(method__in=[method, "*"]).filter(
        Q(remaining__isnull=True) | Q(remaining__gt=0)
    )
    id_filter = Q(id_instance__isnull=True)
    if id_instance is not None:
        id_filter |= Q(id_instance=id_instance)
    for fault in candidates.filter(id_filter):
        if fault.rate is not None and random.random() >= fault.rate:
            continue
        if fault.remaining is not None:
            # A conditional decrement, so concurrent calls cannot overspend `times`.
            claimed = Fault.objects.filter(pk=fault.pk, remaining__gt=0).update(
                remaining=F("remaining") - 1
            )
            if not claimed:
                continue
        return fault
    return None


def _any_armed() -> bool:
    table = connection.ops.quote_name(Fault._meta.db_table)
    sql = f"SELECT 1 FROM {table} WHERE remaining IS NULL OR remaining > 0 LIMIT 1"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone() is not None


def serve(method: str, id_instance: int | None, answer: Callable[[], HttpResponse]) -> HttpResponse:
    """Run `answer` (the real work) unless a fault says otherwise."""
    fault = pick(method, id_instance)
    if fault is None:
        return answer()
    if fault.kind == "hang":
        with busy.held() as pause:
            if fault.after:
                response = answer()
                pause(fault.seconds)
                return response
            pause(fault.seconds)
            return answer()
    if fault.kind == "drip":  # a slow transfer of the real answer: the work always happens
        return _drip(fault, answer())
    real = answer() if fault.after else None  # committed before the broken answer goes out
    return _render(fault, method, real)


def _override(fault: Fault) -> tuple[str, str] | None:
    """The `body` override as (content, content type), or None."""
    if fault.body is None:
        return None
    value = fault.body["value"]
    if isinstance(value, str):
        return value, "text/plain; charset=utf-8"
    return dumps(value), "application/json"


def _render(fault: Fault, method: str, real: HttpResponse | None) -> HttpResponse:
    override = _override(fault)
    if fault.kind == "http429":
        return too_many_requests() if override is None else _plain(429, override, retry=True)
    if fault.kind == "http500":
        return _plain(500, override or ("Internal Server Error", "text/plain; charset=utf-8"))
    if fault.kind == "http502":
        return _plain(502, override or (NGINX_502, "text/html"))
    if fault.kind == "error200":
        default = ERROR200_QR if method == "qr" else ERROR200_DEFAULT
        return _plain(200, override or (dumps(default), "application/json"))
    if fault.kind == "text":
        content = override[0] if override else EXPIRED_TEXT
        return text(fault.status or 200, content)
    # malformed: a JSON answer cut in half
    if override is not None:
        source = override[0]
    elif real is not None:
        source = _content(real).decode("utf-8", errors="replace")
    else:
        source = MALFORMED_DEFAULT
    return HttpResponse(_truncate(source), content_type="application/json")


def _plain(status: int, content: tuple[str, str], *, retry: bool = False) -> HttpResponse:
    response = HttpResponse(content[0], status=status, content_type=content[1])
    if retry:
        response["Retry-After"] = "1"
    return response


def _truncate(source: str) -> str:
    cut = source[: max(1, len(source) // 2)]
    while _parses(cut):  # e.g. "12345" cut to "12" is still JSON
        cut += ","
    return cut


def _parses(candidate: str) -> bool:
    try:
        json.loads(candidate)
    except ValueError:
        return False
    return True


def _content(response: HttpResponse | StreamingHttpResponse) -> bytes:
    """The whole body, also of a streamed answer (a synthetic getInstances listing)."""
    if isinstance(response, StreamingHttpResponse):
        return b"".join(response.streaming_content)
    return response.content


def _drip(fault: Fault, real: HttpResponse) -> StreamingHttpResponse:
    override = _override(fault)
    content = override[0].encode() if override else _content(real)
    content_type = override[1] if override else real["Content-Type"]
    chunks = max(1, min(len(content), round(fault.seconds / DRIP_INTERVAL)))
    response = StreamingHttpResponse(
        _trickle(content, chunks, fault.seconds), status=real.status_code, content_type=content_type
    )
    response["Content-Length"] = str(len(content))
    return response


def _trickle(content: bytes, chunks: int, seconds: float) -> Iterator[bytes]:
    size = math.ceil(len(content) / chunks) if content else 1
    pause = seconds / chunks
    with busy.held() as sleep:
        for start in range(0, max(len(content), 1), size):
            if start:  # the first chunk (and so the headers) leaves at once, the rest trickle
                sleep(pause)
            yield content[start : start + size]
