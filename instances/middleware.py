"""One overall deadline for the Green API calls of each request."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from instances.greenapi_factory import action_deadline


class ActionDeadlineMiddleware:
    """Every request is one user action: its calls together end within GREEN_API_ACTION_DEADLINE.

    Without it a delete (state check, logout, delete, list) could take four full call deadlines,
    past gunicorn's worker timeout.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with action_deadline():
            return self.get_response(request)
