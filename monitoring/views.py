"""/healthz, /readyz and /metrics. They are reached through settings.MACHINE_ROUTES, ahead
of the host check, the HTTPS redirect and the session: probes and scrapers come by IP address
over plain HTTP, with no cookie."""

from __future__ import annotations

import logging

from axes.helpers import get_client_ip_address
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST

from monitoring.access import Access, metrics_access
from monitoring.metrics import process_exposition
from monitoring.mirror import mirror_exposition
from monitoring.readiness import readiness

logger = logging.getLogger(__name__)


def _probe_headers(response: HttpResponse) -> HttpResponse:
    # The security middleware is skipped, so say the two things that matter here ourselves.
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """The process answers: no database, no cache, nothing that could be down but this."""
    return _probe_headers(JsonResponse({"status": "ok"}))


@require_safe
def readyz(request: HttpRequest) -> HttpResponse:
    """503 unless every check passes; the JSON says which failed and by how much."""
    ready, checks = readiness()
    body = {"status": "ready" if ready else "not ready", "checks": checks}
    response = _probe_headers(JsonResponse(body, status=200 if ready else 503))
    if not ready:
        failed = [name for name, result in checks.items() if not result["ok"]]
        logger.warning("Not ready: %s", ", ".join(failed))
        # Django would log every probe's 503 as an ERROR "Service Unavailable": say it once, here.
        response._has_been_logged = True  # type: ignore[attr-defined]  # django.utils.log's flag
    return response


@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus' text format: this process's counters, then the mirror's gauges."""
    access = metrics_access(
        authorization=request.headers.get("Authorization", ""),
        client_address=get_client_ip_address(request),
    )
    if access is Access.OFF:
        return _probe_headers(HttpResponse("Not found.\n", status=404, content_type="text/plain"))
    if access is Access.DENIED:
        return _probe_headers(HttpResponse("Forbidden.\n", status=403, content_type="text/plain"))
    body = process_exposition() + mirror_exposition()
    return _probe_headers(HttpResponse(body, content_type=CONTENT_TYPE_LATEST))
