"""Token checks for the wire API and the bearer-protected control API."""

import hmac
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from sandbox.responses import control_error
from sandbox.validation import Invalid

ControlView = Callable[..., HttpResponse]


def tokens_match(given: str, expected: str) -> bool:
    # Bytes, because compare_digest refuses non-ASCII str and URLs may carry anything.
    return hmac.compare_digest(given.encode(), expected.encode())


def partner_token_ok(token: str) -> bool:
    """The partner token is read per request so tests can override the setting."""
    return tokens_match(token, settings.GREEN_API_PARTNER_TOKEN)


def _bearer(request: HttpRequest) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def control_endpoint(*verbs: str) -> Callable[[ControlView], ControlView]:
    """Guard a control view: allowed verbs, the partner token as bearer, 400 on bad input."""

    def decorate(view: ControlView) -> ControlView:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            if request.method not in verbs:
                response = control_error(405, f"use {' or '.join(verbs)}")
                response["Allow"] = ", ".join(verbs)
                return response
            token = _bearer(request)
            if token is None:
                return _unauthorized("missing 'Authorization: Bearer <partner token>' header")
            if not partner_token_ok(token):
                return _unauthorized("wrong bearer token")
            try:
                return view(request, *args, **kwargs)
            except Invalid as error:
                return control_error(400, str(error))

        return wrapper

    return decorate


def _unauthorized(message: str) -> HttpResponse:
    response = control_error(401, message)
    response["WWW-Authenticate"] = "Bearer"
    return response
