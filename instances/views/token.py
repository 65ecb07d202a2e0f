"""Reveal an instance's API token: POST only, after the user re-types their password."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import Action, action_required
from core.errors import ApplicationError
from instances.detail_forms import TokenRevealForm
from instances.services.token import RevealRefused, instance_token_reveal
from instances.views.common import deleted_notice, instance_for


@require_POST
@never_cache
@action_required(Action.REVEAL_TOKEN)
def token_reveal(request: AuthenticatedHttpRequest, id_instance: int) -> HttpResponse:
    instance = instance_for(request, id_instance, Action.REVEAL_TOKEN)
    if instance.deleted:
        return deleted_notice(request, instance, doing=_("show the API token"))
    form = TokenRevealForm(request.POST)
    token, status = "", 200
    if form.is_valid():
        try:
            token = instance_token_reveal(
                instance=instance,
                user=request.user,
                password=form.cleaned_data["password"],
                request=request,
            )
        except RevealRefused as refused:
            form.add_error("password", refused.message)
            status = 429 if refused.locked else 403
        except ApplicationError as failed:
            form.add_error(None, failed.message)
    context = {"instance": instance, "form": form, "token": token}
    response = render(request, "instances/token.html", context, status=status)
    # never_cache already says no-store; say it first and plainly for every proxy.
    response["Cache-Control"] = "no-store"
    return response
