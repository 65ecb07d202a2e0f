"""Customer links of an instance: issue, revoke, list; and Green API's hosted QR page for admins."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from accounts.permissions import Action
from core.errors import errors_as_messages
from core.navigation import go_back
from instances.onboarding_forms import LinkIssueForm
from instances.services.links import (
    onboarding_link_issue,
    onboarding_link_of,
    onboarding_link_revoke,
)
from instances.services.token import instance_token_reveal
from instances.views.common import instance_for
from instances.views.onboarding import no_store

HOSTED_QR = "https://qr.green-api.com/waInstance{id}/{token}"


def _to_onboarding(id_instance: int) -> str:
    return reverse("instances:connect", args=[id_instance])


def _back(request: AuthenticatedHttpRequest, id_instance: int) -> HttpResponse:
    """Back to the page the form was on (instance or onboarding page); onboarding by default."""
    return go_back(request, _to_onboarding(id_instance))


@require_POST
@login_required
@errors_as_messages(_to_onboarding)
def link_issue(request: AuthenticatedHttpRequest, id_instance: int) -> HttpResponse:
    instance = instance_for(request, id_instance, Action.ONBOARD)
    form = LinkIssueForm(request.POST)
    if instance.deleted:
        messages.error(request, _("This instance was deleted: no phone can be linked to it."))
        return _back(request, instance.pk)
    if not form.is_valid():
        for error in form.errors.get("hours", []):
            messages.error(request, str(error))
        return _back(request, instance.pk)
    issued = onboarding_link_issue(
        instance=instance, user=request.user, hours=form.cleaned_data["hours"], request=request
    )
    context = {"instance": instance, "issued": issued, "qr": issued.qr_data_uri()}
    # The only page that ever holds the link's address: keep it out of every cache.
    return no_store(render(request, "instances/onboarding_link_issued.html", context))


@require_POST
@login_required
def link_revoke(request: AuthenticatedHttpRequest, id_instance: int) -> HttpResponse:
    instance = instance_for(request, id_instance, Action.ONBOARD)
    link = onboarding_link_of(instance=instance, link_id=request.POST.get("link", ""))
    if link is None:
        messages.error(request, _("That link does not exist (any more)."))
    elif onboarding_link_revoke(link=link, user=request.user, request=request):
        messages.success(request, _("The link was revoked. It no longer opens anything."))
    else:
        messages.info(request, _("That link was already revoked."))
    return _back(request, instance.pk)


@require_POST
@login_required
@errors_as_messages(_to_onboarding)
def hosted_qr(request: AuthenticatedHttpRequest, id_instance: int) -> HttpResponse:
    instance = instance_for(request, id_instance, Action.HOSTED_QR)
    user: User = request.user
    # The hosted page's address holds the API token, so showing it is a token reveal.
    token = instance_token_reveal(
        instance=instance, user=user, password=request.POST.get("password", ""), request=request
    )
    context = {"instance": instance, "url": HOSTED_QR.format(id=instance.pk, token=token)}
    return no_store(render(request, "instances/onboarding_hosted_qr.html", context))
