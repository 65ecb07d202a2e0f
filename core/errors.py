"""The one error base of the services (after HackSoft's ApplicationError)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse

from core.navigation import go_back


class ApplicationError(Exception):
    """A service could not do what was asked; `message` says what happened and what to do.

    Services raise it (or a subclass) with a sentence for the person who asked; views catch
    this base alone and show the message (see core/middleware.py for the uncaught case).
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


View = Callable[..., HttpResponse]


def errors_as_messages(fallback: Callable[..., str]) -> Callable[[View], View]:
    """View decorator, the one place where an action's ApplicationError meets the person.

    The error's message is shown on the next page, which is where the form came from (its
    `next`, when a local path) or else `fallback(**view_kwargs)`. Views that re-render a form
    put the error on the form instead (`form.add_error(None, error.message)`).
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                return view(request, *args, **kwargs)
            except ApplicationError as error:
                messages.error(request, error.message)
                return go_back(request, fallback(**kwargs))

        return wrapped

    return decorator
