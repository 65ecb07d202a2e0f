"""JSON answers through msgspec: one encoder for every success answer of the API, several times
faster than the standard library's on a page of instances, and one way to write a time."""

from __future__ import annotations

from typing import Any

import msgspec
from django.http import HttpRequest, HttpResponse
from django.utils.functional import Promise
from ninja.renderers import BaseRenderer

CONTENT_TYPE = "application/json; charset=utf-8"


def _fallback(value: Any) -> Any:
    if isinstance(value, Promise):  # a lazy translation
        return str(value)
    raise NotImplementedError(f"Cannot encode {type(value).__name__} as JSON")


_encoder = msgspec.json.Encoder(enc_hook=_fallback)


def encode(data: Any) -> bytes:
    return _encoder.encode(data)


def json_answer(data: Any, status: int = 200) -> HttpResponse:
    """An answer encoded as the renderer does, for an endpoint that skips the response model."""
    return HttpResponse(encode(data), status=status, content_type=CONTENT_TYPE)


class MsgspecRenderer(BaseRenderer):
    media_type = "application/json"

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> Any:
        return encode(data)
