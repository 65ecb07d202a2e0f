"""The error pages: a title, one sentence and a way back, never what went wrong inside.

Wired up as handler400/403/404/500 in partnerportal/urls.py; the 405 page comes from
core/middleware.py. The exception is never shown and the path never echoed: customer-link URLs
(/l/<token>/) carry their secret in the path.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template import loader

# Overrides the messages context processor: an error page, often the answer to a request the
# person never sees (an image, a poll), must not use up their pending messages. The language
# switcher returns to the home page, not to the path asked for (templates/_language_switcher.html).
ERROR_CONTEXT = {"messages": (), "language_next": "/"}


def error_page(request: HttpRequest | None, template: str, status: int) -> HttpResponse:
    """`template` rendered as a page of status `status`, with the request's navigation if any."""
    body = loader.render_to_string(template, ERROR_CONTEXT, request=request)
    return HttpResponse(body, status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    # No request context: a 400 may come from a request too odd to trust (a disallowed host).
    return error_page(None, "400.html", 400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_page(request, "403.html", 403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_page(request, "404.html", 404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Like Django's own: the template alone, since the session or database may be what failed.
    return error_page(None, "500.html", 500)
