"""The audit log page: scoped to the viewer, filtered, paged."""

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from accounts import selectors
from accounts.audit import with_labels
from accounts.audit_targets import with_target_urls
from accounts.forms import AuditFilterForm
from accounts.http import AuthenticatedHttpRequest
from accounts.models import AuditEvent
from accounts.permissions import Action, action_required

PAGE_SIZE = 50


@require_GET
@action_required(Action.READ_AUDIT)
def audit_log(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None, viewer=request.user)
    if not form.is_bound:
        events = selectors.audit_event_list(user=request.user, filters=selectors.AuditFilters())
    elif form.is_valid():
        events = selectors.audit_event_list(user=request.user, filters=form.filters())
    else:
        events = AuditEvent.objects.none()
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = with_labels(with_target_urls(viewer=request.user, events=page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    fragment = bool(request.htmx)
    template = "accounts/_audit_table.html" if fragment else "accounts/audit_log.html"
    response = render(request, template, context)
    # One URL answers a fragment or a page: caches must key on the header.
    patch_vary_headers(response, ("HX-Request",))
    return response
