from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe
from django_htmx.http import push_url

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import Action, can
from core.http import HtmxHttpRequest
from instances import selectors
from instances.list_rows import RowWords
from instances.listing_forms import InstanceFilterForm
from instances.services.bulk import bulk_actions_for
from instances.sync_freshness import sync_status

FILTER_FORM_ID = "instance-filters"


def _wants_fragment(request: HtmxHttpRequest) -> bool:
    # htmx restoring history asks with HX-Request too, but needs the whole page.
    return bool(request.htmx) and not request.htmx.history_restore_request


def _content_context(
    request: AuthenticatedHttpRequest,
    listing: selectors.InstanceListing,
    *,
    assign: bool,
    filtered: bool,
) -> dict[str, Any]:
    """What the Jinja2 templates of the rows need beyond the listing."""
    zone = timezone.get_current_timezone()
    words = RowWords(now=timezone.now(), zone=zone)
    bulk_actions = bulk_actions_for(request.user)
    return {
        "page": listing.page,
        "assign": assign,
        # Rows can be ticked for whatever this user may do to many at once.
        "bulk_actions": bulk_actions,
        "selectable": assign or bool(bulk_actions),
        "see_all_tenants": can(request.user, Action.SEE_ALL_TENANTS),
        "filtered": filtered,
        "words": words,
        "rows": [words.row(instance) for instance in listing.page],
        "time_zone": zone,
    }


@require_safe
@login_required
def instance_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    # The mirror only: the worker syncs it (instances/tasks.py); a GET never calls Green API.
    sync = sync_status()
    form = InstanceFilterForm(request.GET, user=request.user)
    listing = selectors.instance_list(user=request.user, filters=form.filters())
    list_url = reverse("instances:list")
    current_url = f"{list_url}?{listing.query}" if listing.query else list_url
    assign = can(request.user, Action.ASSIGN_RESELLER)
    # The page's markup is Jinja2 (templates/jinja2/instances/); only the layout is Django's.
    context = {
        **_content_context(
            request, listing, assign=assign, filtered=bool(listing.filter_query or form.errors)
        ),
        "form": form,
        "filter_fields": form.shown_fields(),
        "listing": listing,
        "sync": sync,
        "list_url": list_url,
        "current_url": current_url,
        "can_create": can(request.user, Action.CREATE_INSTANCE),
        "assign_options": form.assign_options() if assign else None,
    }
    if _wants_fragment(request):
        # A count or pager link changes filters the form outside the swap does not show.
        from_form = request.htmx.trigger == FILTER_FORM_ID
        context["refresh_filters"] = not from_form or bool(form.errors)
        response = render(request, "instances/_results.html", context, using="jinja2")
        # The canonical query (no empty or invalid parameters) is the one worth sharing.
        push_url(response, current_url)
    else:
        content = render_to_string("instances/_content.html", context, request, using="jinja2")
        # Jinja2 escaped what it rendered.
        page = {"content": mark_safe(content)}  # noqa: S308
        response = render(request, "instances/list.html", page)
    # The fragment and the page share a URL: caches must tell them apart.
    patch_vary_headers(response, ("HX-Request",))
    return response
