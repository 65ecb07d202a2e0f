"""The overview: the landing page after login."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import Action, action_required
from instances.overview import PERIODS, overview_for


@require_safe
@action_required(Action.VIEW_INSTANCES)
def overview(request: AuthenticatedHttpRequest) -> HttpResponse:
    # Any other period in the URL is ignored: the page shows the default.
    wanted = request.GET.get("days", "")
    days = int(wanted) if wanted in {str(period) for period in PERIODS} else PERIODS[0]
    data = overview_for(request.user, days=days)
    series = {
        "days": [day.day.isoformat() for day in data.days],
        "linked": [day.linked for day in data.days],
        "created": [day.created for day in data.days],
        "deleted": [day.deleted for day in data.days],
    }
    context = {"overview": data, "days": days, "periods": PERIODS, "series": series}
    return render(request, "instances/overview.html", context)
