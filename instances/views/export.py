"""CSV export of the instance list's current filters."""

from __future__ import annotations

from dataclasses import replace

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

from accounts.audit import audit_record
from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import Action, action_required
from core.csv_export import csv_response
from instances.export import export_rows
from instances.listing_forms import InstanceFilterForm


@require_safe
@action_required(Action.VIEW_INSTANCES)
def instance_export(request: AuthenticatedHttpRequest) -> StreamingHttpResponse:
    # The list's own form: a bad value is ignored as on the page, never an error.
    # Every matching row, not a page: a page's cursor is ignored.
    filters = replace(
        InstanceFilterForm(request.GET, user=request.user).filters(), after="", before=""
    )
    audit_record(
        action="instance.export",
        actor=request.user,
        request=request,
        detail=filters.query() or "all",
    )
    name = f"instances-{timezone.now():%Y%m%d-%H%M%S}.csv"
    response = csv_response(export_rows(user=request.user, filters=filters), name)
    response["Cache-Control"] = "private, no-store"
    return response
