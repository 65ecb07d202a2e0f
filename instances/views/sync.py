"""The list page's sync status and its "Sync now" button: the worker syncs, the page polls."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import trigger_client_event

from accounts.http import AuthenticatedHttpRequest
from core.navigation import go_back, local_path
from instances.sync_freshness import SyncStatus, parse_marker, sync_status
from instances.tasks import sync_request

# The event the list's results listen to, to reload once a sync they waited for is done.
SYNCED_EVENT = "instances-synced"


@require_POST
@login_required
def sync_now(request: AuthenticatedHttpRequest) -> HttpResponse:
    status = sync_request()
    list_url = reverse("instances:list")
    if not request.htmx:
        messages.info(
            request,
            _("Sync requested: the worker is asking Green API now. Reload the list in a moment."),
        )
        return go_back(request, list_url)
    back = local_path(request, request.POST.get("next", "")) or list_url
    return _status_fragment(request, status, back)


@require_safe
@login_required
def sync_status_fragment(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The status, polled while a sync someone asked for is awaited; read-only."""
    after = request.GET.get("after")
    asked_at = parse_marker(request.GET.get("asked", ""))
    waited = after is not None and asked_at is not None
    status = sync_status(after=after if waited else None, asked_at=asked_at if waited else None)
    back = local_path(request, request.GET.get("next", "")) or reverse("instances:list")
    return _status_fragment(request, status, back)


def _status_fragment(
    request: AuthenticatedHttpRequest, status: SyncStatus, back: str
) -> HttpResponse:
    response = render(
        request,
        "instances/_sync_status.html",
        {"sync": status, "current_url": back},
        using="jinja2",
    )
    if status.after is not None and not status.waiting:
        # The sync they waited for is done: the list's results reload themselves.
        trigger_client_event(response, SYNCED_EVENT)
    return response
