"""Errors as RFC 9457 problem details: one body shape and a stable `type` for every failure.

Every error of the API leaves through `problem()`: handlers registered on the API object
(api/router.py) turn exceptions into problems, so endpoints only raise.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from ninja import Schema
from pydantic import Field

PROBLEM_CONTENT_TYPE = "application/problem+json"
# Stable identifiers (URNs: RFC 9457 asks for a URI, not necessarily one to fetch); the OpenAPI
# document lists them, and clients branch on them, never on `title` or `detail`.
TYPE_PREFIX = "urn:partnerportal:problem:"

TITLES = {
    "unauthorized": "Authentication required",
    "insufficient-scope": "The token lacks a scope",
    "forbidden": "Not allowed",
    "not-found": "Not found",
    "validation": "Invalid request",
    "idempotency-key-required": "Idempotency-Key header required",
    "idempotency-key-reused": "Idempotency-Key reused with another body",
    "order-failed": "The instance was not created",
    "conflict": "Cannot be done now",
    "rate-limited": "Too many requests",
    "upstream": "Green API did not answer as expected",
    "method-not-allowed": "Method not allowed",
    "server-error": "Server error",
}


class Problem(Exception):
    """Raised by endpoints for an answer other than success."""

    def __init__(
        self,
        status: int,
        kind: str,
        detail: str = "",
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        if kind not in TITLES:
            raise ValueError(f"Undeclared problem type {kind!r}: add it to TITLES.")
        super().__init__(detail or TITLES[kind])
        self.status, self.kind, self.detail = status, kind, detail
        self.headers = headers or {}
        self.extra = extra


def problem_response(request: HttpRequest, problem: Problem) -> JsonResponse:
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + problem.kind,
        "title": TITLES[problem.kind],
        "status": problem.status,
        "instance": request.path,
    }
    if problem.detail:
        body["detail"] = problem.detail
    body |= problem.extra
    response = JsonResponse(body, status=problem.status, content_type=PROBLEM_CONTENT_TYPE)
    for name, value in problem.headers.items():
        response[name] = value
    return response


class FieldErrorOut(Schema):
    location: str = Field(
        description="Where: e.g. query.limit, body.name.", examples=["query.limit"]
    )
    message: str = Field(examples=["Input should be 25, 50, 100 or 500"])


class ProblemOut(Schema):
    """The body of every error (RFC 9457); some add fields (`errors`, `scope`)."""

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "type": TYPE_PREFIX + "not-found",
                    "title": "Not found",
                    "status": 404,
                    "detail": "No such object.",
                    "instance": "/api/v1/instances/1101000001",
                }
            ]
        }
    }

    type: str = Field(
        description="Stable: branch on it (the API's description lists every one).",
        examples=[TYPE_PREFIX + "not-found"],
    )
    title: str = Field(examples=["Not found"])
    status: int = Field(examples=[404])
    detail: str | None = Field(None, examples=["No such object."])
    instance: str = Field(description="The path that was asked.", examples=["/api/v1/instances/1"])
    scope: str | None = Field(
        None,
        description="insufficient-scope: the scope the call needs.",
        examples=["instances:read"],
    )
    errors: list[FieldErrorOut] | None = Field(
        None, description="validation: each invalid value and why."
    )


# Every call can meet these: no or a bad token, a token without the scope, too many calls.
COMMON_ERRORS = (401, 403, 429)


def answers(ok: Any, *errors: int, status: int = 200) -> dict[int, Any]:
    """An operation's `response=`: its success and the problems it may answer with, documented."""
    return {status: ok} | {code: ProblemOut for code in sorted({*COMMON_ERRORS, *errors})}
