import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import Action, action_required, can
from core.errors import ApplicationError
from instances import selectors
from instances.forms import InstanceCreateForm
from instances.models import CreateOrder
from instances.services.create import (
    instance_create,
    needs_settling,
    order_check_now,
    order_settle,
)


def _after_order(order: CreateOrder) -> str:
    if order.status == CreateOrder.Status.DONE and order.instance_id:
        # A new instance's next step is linking a phone: the onboarding page.
        return reverse("instances:connect", args=[order.instance_id])
    return reverse("instances:order", args=[order.pk])


@require_http_methods(["GET", "POST"])
@action_required(Action.CREATE_INSTANCE)
def create(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = InstanceCreateForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                order = instance_create(
                    user=request.user,
                    key=form.cleaned_data["key"],
                    reseller=form.chosen_reseller(),
                    params=form.to_params(),
                    request=request,
                )
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                return redirect(_after_order(order))
    else:
        form = InstanceCreateForm(user=request.user, initial={"key": uuid.uuid4()})
    return render(request, "instances/create.html", {"form": form})


@require_GET
@login_required
def order_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    order = selectors.order_for_user_or_404(user=request.user, pk=pk)
    order = order_settle(order, request=request)
    if order.status == CreateOrder.Status.DONE and order.instance_id:
        return redirect(_after_order(order))
    checkable = needs_settling(order, timezone.now()) and can(request.user, Action.CHECK_ORDER)
    context = {"order": order, "can_check": checkable}
    return render(request, "instances/order.html", context)


@require_POST
@action_required(Action.CHECK_ORDER)
def order_check(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Staff: look at Green API's list now and settle the order, or close it if not listed."""
    order = selectors.order_for_user_or_404(user=request.user, pk=pk)
    try:
        order = order_check_now(order, actor=request.user, request=request)
    except ApplicationError as error:
        messages.warning(request, error.message)
    return redirect(_after_order(order))
