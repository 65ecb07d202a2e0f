from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from instances import selectors
from instances.models import SyncState
from instances.services.sync import instances_sync, sync_is_due


@login_required
def instance_list(request: HttpRequest) -> HttpResponse:
    if sync_is_due():
        instances_sync()
    page = selectors.instance_page(user=request.user, page_number=request.GET.get("page"))
    return render(request, "instances/list.html", {"page": page, "sync": SyncState.get()})
