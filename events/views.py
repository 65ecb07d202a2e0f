"""The event endpoint pages: thin views over events/services.py and events/selectors.py."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Reseller
from accounts.permissions import Action, action_required
from accounts.tenancy import sees_all_tenants
from core.errors import ApplicationError
from events import services
from events.forms import EndpointForm, KindsForm
from events.models import KIND_CHOICES
from events.selectors import (
    delivery_log,
    endpoints_of,
    get_delivery_for_user_or_404,
    get_endpoint_for_user_or_404,
)

LABELS = dict(KIND_CHOICES)


@action_required(Action.MANAGE_EVENTS)
@require_http_methods(["GET"])
def endpoint_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    endpoints = list(endpoints_of(user=request.user))
    for endpoint in endpoints:
        endpoint.kind_labels = [LABELS.get(kind, kind) for kind in endpoint.kinds]  # type: ignore[attr-defined]
    context = {"endpoints": endpoints, "staff": sees_all_tenants(request.user)}
    return render(request, "events/list.html", context)


@action_required(Action.MANAGE_EVENTS)
@require_http_methods(["GET", "POST"])
@never_cache
def endpoint_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    resellers = (
        list(Reseller.objects.filter(is_active=True).order_by("name"))
        if sees_all_tenants(request.user)
        else None
    )
    form = EndpointForm(request.POST or None, resellers=resellers)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.endpoint_create(
                user=request.user,
                url=form.cleaned_data["url"],
                kinds=form.cleaned_data["kinds"],
                description=form.cleaned_data["description"],
                reseller=form.reseller(),
                request=request,
            )
        except ApplicationError as error:
            form.add_error("url", error.message)
        else:
            # Shown in this answer only: never stored in the session or a message.
            return _secret_page(request, created, rotated=False)
    return render(request, "events/form.html", {"form": form})


@action_required(Action.MANAGE_EVENTS)
@require_http_methods(["GET"])
def endpoint_detail(request: AuthenticatedHttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = get_endpoint_for_user_or_404(request.user, endpoint_id)
    context = {
        "endpoint": endpoint,
        "kinds_form": KindsForm(initial={"kinds": endpoint.kinds}),
        "deliveries": delivery_log(endpoint=endpoint),
        "in_grace": len(endpoint.secrets_now()) > 1,
    }
    return render(request, "events/endpoint.html", context)


@action_required(Action.MANAGE_EVENTS)
@require_POST
def endpoint_kinds(request: AuthenticatedHttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = get_endpoint_for_user_or_404(request.user, endpoint_id)
    form = KindsForm(request.POST)
    if form.is_valid():
        services.endpoint_kinds_update(
            user=request.user, endpoint=endpoint, kinds=form.cleaned_data["kinds"], request=request
        )
        messages.success(request, _("The endpoint's events were saved."))
    else:
        messages.error(request, form.error_text())
    return redirect("events:detail", endpoint.pk)


@action_required(Action.MANAGE_EVENTS)
@require_POST
@never_cache
def endpoint_rotate(request: AuthenticatedHttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = get_endpoint_for_user_or_404(request.user, endpoint_id)
    rotated = services.endpoint_rotate(user=request.user, endpoint=endpoint, request=request)
    return _secret_page(request, rotated, rotated=True)


@action_required(Action.MANAGE_EVENTS)
@require_POST
def endpoint_enable(request: AuthenticatedHttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = get_endpoint_for_user_or_404(request.user, endpoint_id)
    services.endpoint_enable(user=request.user, endpoint=endpoint, enabled=True, request=request)
    messages.success(request, _("The endpoint is enabled: events are sent to it again."))
    return redirect("events:detail", endpoint.pk)


@action_required(Action.MANAGE_EVENTS)
@require_POST
def endpoint_disable(request: AuthenticatedHttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = get_endpoint_for_user_or_404(request.user, endpoint_id)
    services.endpoint_enable(user=request.user, endpoint=endpoint, enabled=False, request=request)
    messages.success(request, _("The endpoint is disabled: nothing is sent to it."))
    return redirect("events:detail", endpoint.pk)


@action_required(Action.MANAGE_EVENTS)
@require_POST
def endpoint_delete(request: AuthenticatedHttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = get_endpoint_for_user_or_404(request.user, endpoint_id)
    services.endpoint_delete(user=request.user, endpoint=endpoint, request=request)
    messages.success(request, _("The endpoint was deleted."))
    return redirect("events:list")


@action_required(Action.MANAGE_EVENTS)
@require_POST
def endpoint_test(request: AuthenticatedHttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = get_endpoint_for_user_or_404(request.user, endpoint_id)
    services.endpoint_send_test(user=request.user, endpoint=endpoint, request=request)
    messages.success(
        request, _("A test event is on its way; its delivery shows below within seconds.")
    )
    return redirect("events:detail", endpoint.pk)


@action_required(Action.MANAGE_EVENTS)
@require_POST
def delivery_again(request: AuthenticatedHttpRequest, delivery_id: int) -> HttpResponse:
    delivery = get_delivery_for_user_or_404(request.user, delivery_id)
    services.delivery_redeliver(user=request.user, delivery=delivery, request=request)
    messages.success(request, _("The event will be sent again within seconds."))
    return redirect("events:detail", delivery.endpoint_id)


def _secret_page(
    request: AuthenticatedHttpRequest, created: services.WithSecret, *, rotated: bool
) -> HttpResponse:
    context = {
        "endpoint": created.endpoint,
        "secret": created.secret,
        "rotated": rotated,
        "grace_hours": settings.EVENTS_SECRET_GRACE_HOURS,
    }
    return render(request, "events/secret.html", context)
