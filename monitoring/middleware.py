"""Answer probes and scrapers before the rest of the middleware sees them."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from monitoring import views

PROBES: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    "/healthz": views.healthz,
    "/readyz": views.readyz,
    "/metrics": views.metrics,
}


class ProbeMiddleware:
    """Route /healthz, /readyz and /metrics to their views, first in MIDDLEWARE.

    Why not the URLconf: a container's health check and Prometheus reach a replica by its IP
    address, over plain HTTP, with no cookie. Behind the rest of the middleware they would get
    400 (the host is not in ALLOWED_HOSTS) or 301 (the HTTPS redirect), and /healthz would load
    a session. None of the three builds a URL from the Host header, so skipping the host check
    is safe; /metrics has its own access rule (monitoring/access.py).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        view = PROBES.get(request.path_info)
        if view is not None:
            return view(request)
        return self.get_response(request)
