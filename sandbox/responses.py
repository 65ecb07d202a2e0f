"""Response builders and the exact texts the real service answers with (docs/greenapi.md §4.1)."""

import json
from collections.abc import Iterable
from typing import Any

from django.http import HttpResponse, JsonResponse

EXPIRED_TEXT = "Instance account is expired. Renew your instance from personal area"
STARTING_TEXT = "instance in starting process try later"
BAD_REQUEST_TEXT = "bad request data"
DELETED_TEXT = "Instance is deleted"
NOT_FOUND_TEXT = "Not found"
INSTANCE_NOT_FOUND_TEXT = "Instance not found"
TOO_MANY_TEXT = "Too Many Requests"


def text(status: int, body: str) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")


def wire_json(data: Any, status: int = 200) -> HttpResponse:
    # `safe=False` because `null` and arrays are legitimate top-level bodies upstream.
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def partner_error(code: int, description: str) -> HttpResponse:
    """Partner API errors travel inside HTTP 200 (docs/greenapi.md §2.1, quirk 1)."""
    return wire_json({"code": code, "description": description})


def too_many_requests() -> HttpResponse:
    response = text(429, TOO_MANY_TEXT)
    response["Retry-After"] = "1"
    return response


def method_not_allowed(verbs: Iterable[str]) -> HttpResponse:
    response = text(405, "Method Not Allowed")
    response["Allow"] = ", ".join(sorted(verbs))
    return response


def control_error(status: int, message: str) -> HttpResponse:
    """Errors of the emulator's own control API: always JSON with an `error` text."""
    return JsonResponse({"error": message}, status=status)


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)
