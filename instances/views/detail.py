from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Reseller
from accounts.permissions import Action, can
from core.errors import ApplicationError
from instances.attention import attention_for
from instances.detail_forms import TokenRevealForm
from instances.models import Instance
from instances.onboarding_forms import LinkIssueForm
from instances.selectors import get_instance_for_user_or_404, instance_endpoints
from instances.services.actions import instance_state_check
from instances.services.errors import STILL_CREATING
from instances.services.links import onboarding_links_of
from instances.timeline import instance_timeline
from instances.views.attention import attention_context
from instances.views.send_check import send_check_context


@require_GET
@login_required
def instance_detail(request: AuthenticatedHttpRequest, id_instance: int) -> HttpResponse:
    instance = get_instance_for_user_or_404(request.user, id_instance)
    context = {
        **_state_context(instance),
        "timeline": instance_timeline(user=request.user, instance=instance),
        **instance_endpoints(instance),
        "may": _permissions(request, instance),
        "token_form": TokenRevealForm(),
        **_assign_context(request, instance),
        **_links_context(request, instance),
        # What needs a person about this instance, with its recovery guides.
        "attention": attention_context(
            request, attention_for(request.user, instance=instance), reseller_column=False
        ),
        **send_check_context(request.user, instance, page="detail"),
    }
    return render(request, "instances/detail.html", context)


def _links_context(request: AuthenticatedHttpRequest, instance: Instance) -> dict[str, Any]:
    """The customer links with their status, for whoever may onboard this instance."""
    if not can(request.user, Action.ONBOARD, instance):
        return {}
    return {"links": onboarding_links_of(instance=instance), "link_form": LinkIssueForm()}


@require_POST
@login_required
def state_refresh(request: AuthenticatedHttpRequest, id_instance: int) -> HttpResponse:
    instance = get_instance_for_user_or_404(request.user, id_instance)
    error = ""
    try:
        instance_state_check(instance=instance)
    except ApplicationError as failed:
        error = failed.message
    if request.htmx:
        return render(request, "instances/_state.html", _state_context(instance, error=error))
    if error:
        messages.error(request, error)
    else:
        messages.success(
            request, _("State checked: %(state)s.") % {"state": instance.get_state_display()}
        )
    return redirect("instances:detail", id_instance=instance.pk)


def _state_context(instance: Instance, *, error: str = "") -> dict[str, Any]:
    return {
        "instance": instance,
        "state_error": error,
        "still_creating": STILL_CREATING if instance.state == Instance.State.CREATING else "",
    }


def _permissions(request: AuthenticatedHttpRequest, instance: Instance) -> dict[str, bool]:
    """Which actions to offer: none on a deleted instance, which is read-only."""
    live = not instance.deleted

    def may(action: Action) -> bool:
        return live and can(request.user, action, instance)

    return {
        "reboot_logout": may(Action.REBOOT_LOGOUT),
        "settings": may(Action.EDIT_SETTINGS),
        "delete": may(Action.DELETE_INSTANCE),
        "token": may(Action.REVEAL_TOKEN),
        "assign": may(Action.ASSIGN_RESELLER),
        "onboard": can(request.user, Action.ONBOARD, instance),
    }


def _assign_context(request: AuthenticatedHttpRequest, instance: Instance) -> dict[str, Any]:
    # The assign endpoint belongs to the list page; the form shows once it exists.
    if instance.deleted or not can(request.user, Action.ASSIGN_RESELLER, instance):
        return {}
    resellers = Reseller.objects.visible_to(request.user).filter(is_active=True).order_by("name")
    return {"assign_url": reverse("instances:assign"), "resellers": resellers}
