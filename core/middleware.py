"""Middleware shared by every app."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import URLResolver, get_resolver
from django.utils.cache import patch_cache_control
from django.utils.module_loading import import_string

from core.views import error_page

View = Callable[[HttpRequest], HttpResponse]


class MachineRoutesMiddleware:
    """Serve the paths machines call (settings.MACHINE_ROUTES) ahead of the rest, first in
    MIDDLEWARE.

    Health probes and Prometheus reach a replica by its IP address, over plain HTTP, with no
    cookie: behind the host check and the HTTPS redirect they would get 400 or 301, and each
    would load a session. Green API's webhooks carry no cookie either, and come by the thousand:
    sessions, CSRF, authentication and page headers would be most of their cost. None of these
    views builds a URL from the Host header, so skipping the host check is safe, and each has its
    own access rule (a token, an allow-list, or nothing to hide).

    settings.MACHINE_URLCONFS does the same for whole trees: every path under a prefix is
    resolved in its own URLconf (the emulator's, when it is on), whose last pattern must match
    any path, so nothing under the prefix reaches the rest of the stack.
    """

    def __init__(self, get_response: View) -> None:
        self.get_response = get_response
        self.routes: dict[str, View] = {
            path: import_string(view) for path, view in settings.MACHINE_ROUTES.items()
        }
        self.trees: list[tuple[str, URLResolver]] = [
            (prefix, get_resolver(urlconf))
            for prefix, urlconf in getattr(settings, "MACHINE_URLCONFS", {}).items()
        ]

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        view = self.routes.get(path)
        if view is not None:
            return view(request)
        for prefix, resolver in self.trees:
            if path.startswith(prefix):
                match = resolver.resolve(path[len(prefix) - 1 :])  # keeps the leading "/"
                response: HttpResponse = match.func(request, *match.args, **match.kwargs)
                return response
        return self.get_response(request)


class MethodNotAllowedPageMiddleware:
    """Give Django's empty 405 (require_POST and friends, class views) our styled page.

    Status and Allow header stay; a 405 that already has a body (the emulator's) is left alone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or response.streaming or response.content:
            return response
        page = error_page(request, "405.html", 405)
        response.content = page.content
        response["Content-Type"] = page["Content-Type"]
        response.headers.pop("Content-Length", None)  # CommonMiddleware counts the new body
        return response


class PrivatePagesMiddleware:
    """Pages for a logged-in person stay out of shared caches and are checked again on reuse.

    `private, no-cache` unless the view said more (the token reveal, a customer link or a QR
    code say `no-store`, which is left as it is).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "Cache-Control" not in response:
            patch_cache_control(response, private=True, no_cache=True)
        return response
