"""The automation API's one NinjaAPI object: /api/v1/, its OpenAPI document and its errors.

django-ninja (not DRF): the portal's services and selectors are plain typed functions, and
ninja turns typed functions into endpoints and an OpenAPI 3.1 document with no serializer
layer in between; pydantic checks every input; and Swagger UI ships inside the package, so the
docs page is served from our own static files under the CSP.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import URLPattern, URLResolver, re_path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema

from api.openapi import description, refine
from api.problems import Problem, problem_response
from api.rendering import MsgspecRenderer
from core.errors import ApplicationError
from greenapi.errors import GreenAPIError

logger = logging.getLogger(__name__)


class PortalAPI(NinjaAPI):
    """ninja's API with an exact document (api/openapi.py), and problems for what ninja answers
    itself: a path under /api/v1/ that names no operation, a method an operation lacks."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        refine(document)
        return document

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        urls = super()._get_urls()
        for each in urls:
            if isinstance(each, URLPattern):
                each.callback = _with_problem_405(each.callback)
        return [*urls, re_path(r"", _no_such_path)]


def _with_problem_405(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = {"Allow": response["Allow"]}
            return problem_response(request, Problem(405, "method-not-allowed", headers=allowed))
        return response

    return wrapped


@csrf_exempt  # a bearer-token API: a POST to a wrong path is a 404 problem, not a CSRF page
def _no_such_path(request: HttpRequest) -> HttpResponse:
    return problem_response(request, Problem(404, "not-found", "No such object."))


api = PortalAPI(
    title="Partner Portal API",
    version="1",
    description=description(),
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
    # No call to an outside validator: the page runs under the CSP, with no third party.
    docs=Swagger(settings={"validatorUrl": None}),
    renderer=MsgspecRenderer(),
)


def _problem(request: HttpRequest, error: Problem) -> HttpResponse:
    return problem_response(request, error)


def _unauthorized(request: HttpRequest, error: Exception) -> HttpResponse:
    return problem_response(
        request,
        Problem(
            401,
            "unauthorized",
            "Send a valid API token: Authorization: Bearer <token>.",
            headers={"WWW-Authenticate": 'Bearer realm="api"'},
        ),
    )


def _http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    kind = {404: "not-found", 405: "method-not-allowed", 403: "forbidden"}.get(
        error.status_code, "validation"
    )
    return problem_response(request, Problem(error.status_code, kind, str(error)))


def _invalid(request: HttpRequest, error: ValidationError) -> HttpResponse:
    errors = [
        {"location": ".".join(str(part) for part in each.get("loc", ())), "message": each["msg"]}
        for each in error.errors
    ]
    return problem_response(
        request, Problem(422, "validation", "Some values are not valid.", errors=errors)
    )


def _not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    # The same answer for another tenant's object as for a missing one (accounts/tenancy.py).
    return problem_response(request, Problem(404, "not-found", "No such object."))


def _forbidden(request: HttpRequest, error: PermissionDenied) -> HttpResponse:
    return problem_response(
        request, Problem(403, "forbidden", "Your role may not do this (ask a partner admin).")
    )


def _refused(request: HttpRequest, error: ApplicationError) -> HttpResponse:
    return problem_response(request, Problem(409, "conflict", error.message))


def _upstream(request: HttpRequest, error: GreenAPIError) -> HttpResponse:
    return problem_response(
        request, Problem(502, "upstream", "Green API did not answer as expected; try again.")
    )


def _out_of_range(request: HttpRequest, error: Exception) -> HttpResponse:
    # An id or number too large for a database integer: invalid input, never a 500.
    return problem_response(
        request, Problem(422, "validation", "A number is out of the range this API takes.")
    )


def _unexpected(request: HttpRequest, error: Exception) -> HttpResponse:
    logger.error("API error on %s %s", request.method, request.path, exc_info=error)
    return problem_response(request, Problem(500, "server-error", "Something went wrong."))


for exception, handler in (
    (Exception, _unexpected),
    (Problem, _problem),
    (AuthenticationError, _unauthorized),
    (HttpError, _http_error),
    (ValidationError, _invalid),
    (Http404, _not_found),
    (PermissionDenied, _forbidden),
    (ApplicationError, _refused),
    (GreenAPIError, _upstream),
    (OverflowError, _out_of_range),
    (DataError, _out_of_range),
):
    api.add_exception_handler(exception, handler)  # type: ignore[arg-type]

# The endpoints, one module per subject (api/endpoints/). The instance actions add their
# operations to the instances router: ninja routes a path to one router only, so a path that
# two routers share answers 405 for the second one's methods. Onboarding's paths are its own.
from api.endpoints import (  # noqa: E402, F401
    account,
    events,
    instance_actions,
    instance_create,
    instances,
    onboarding,
    usage,
)

api.add_router("/instances", instances.router)
# Under /instances/{id}/ too: onboarding and customer links of one instance.
api.add_router("/instances", onboarding.router)
api.add_router("/usage", usage.router)
api.add_router("/events", events.router)
api.add_router("", account.router)
