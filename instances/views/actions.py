"""Reboot and logout: a confirmation page (GET) and the action itself (POST)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import Action, action_required
from core.errors import ApplicationError
from instances.services.actions import instance_logout, instance_reboot
from instances.views.common import deleted_notice, instance_for

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise


@dataclass(frozen=True)
class _Confirm:
    """The page's words (translated when shown) and the action."""

    title: str | _StrPromise
    explanation: str | _StrPromise
    button: str | _StrPromise
    doing: str | _StrPromise
    done: str | _StrPromise
    service: Callable[..., None]


REBOOT = _Confirm(
    title=_("Reboot"),
    explanation=_(
        "The instance restarts. It shows 'starting' for up to 5 minutes and sends nothing "
        "meanwhile; the linked phone stays linked."
    ),
    button=_("Reboot the instance"),
    doing=_("reboot the instance"),
    done=_("Reboot requested. The instance shows 'starting' for up to 5 minutes."),
    service=instance_reboot,
)
LOGOUT = _Confirm(
    title=pgettext_lazy("instance action", "Log out"),
    explanation=_(
        "The linked phone is unlinked from the instance. To use it again, someone must scan a "
        "new QR code or type a pairing code on the phone."
    ),
    button=_("Log the phone out"),
    doing=_("log the instance out"),
    done=_("The phone was logged out. The instance is no longer linked."),
    service=instance_logout,
)


@require_http_methods(["GET", "POST"])
@action_required(Action.REBOOT_LOGOUT)
def reboot(request: AuthenticatedHttpRequest, id_instance: int) -> HttpResponse:
    return _confirmed(request, id_instance, REBOOT)


@require_http_methods(["GET", "POST"])
@action_required(Action.REBOOT_LOGOUT)
def logout(request: AuthenticatedHttpRequest, id_instance: int) -> HttpResponse:
    return _confirmed(request, id_instance, LOGOUT)


def _confirmed(request: AuthenticatedHttpRequest, id_instance: int, spec: _Confirm) -> HttpResponse:
    instance = instance_for(request, id_instance, Action.REBOOT_LOGOUT)
    if instance.deleted:
        return deleted_notice(request, instance, doing=str(spec.doing))
    error = ""
    if request.method == "POST":
        try:
            spec.service(instance=instance, user=request.user, request=request)
        except ApplicationError as failed:
            error = failed.message
        else:
            messages.success(request, str(spec.done))
            return redirect("instances:detail", id_instance=instance.pk)
    context = {"instance": instance, "spec": spec, "error": error}
    return render(request, "instances/confirm_action.html", context)
