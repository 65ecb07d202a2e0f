"""Helpers shared by the instance page's action views."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import Action, require
from instances.models import Instance
from instances.selectors import (
    get_instance_for_user_or_404,
    get_polled_instance_for_user_or_404,
)
from instances.services.errors import deleted_message


def instance_for(request: AuthenticatedHttpRequest, id_instance: int, action: Action) -> Instance:
    """The instance, if the user may see it (else 404) and do `action` on it (else 403)."""
    instance = get_instance_for_user_or_404(request.user, id_instance)
    require(request.user, action, instance)
    return instance


def polled_instance_for(
    request: AuthenticatedHttpRequest, id_instance: int, action: Action
) -> Instance:
    """instance_for, for the URLs a page polls every 2 s (the instance row alone)."""
    instance = get_polled_instance_for_user_or_404(request.user, id_instance)
    require(request.user, action, instance)
    return instance


def deleted_notice(request: HttpRequest, instance: Instance, *, doing: str) -> HttpResponse:
    """The answer of an action URL of a deleted instance: a plain sentence, HTTP 409."""
    context = {"instance": instance, "message": deleted_message(instance, doing=doing)}
    return render(request, "instances/deleted_notice.html", context, status=409)
