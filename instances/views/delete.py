"""Delete an instance: a page that asks for its id typed out (GET), then the delete (POST)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import Action, action_required
from core.errors import ApplicationError
from instances.detail_forms import DeleteConfirmForm
from instances.services.delete import instance_delete
from instances.views.common import deleted_notice, instance_for


@require_http_methods(["GET", "POST"])
@action_required(Action.DELETE_INSTANCE)
def instance_delete_view(request: AuthenticatedHttpRequest, id_instance: int) -> HttpResponse:
    instance = instance_for(request, id_instance, Action.DELETE_INSTANCE)
    if instance.deleted:
        return deleted_notice(request, instance, doing=_("delete the instance again"))
    if request.method == "POST":
        form = DeleteConfirmForm(request.POST, instance=instance)
        if form.is_valid():
            try:
                result = instance_delete(
                    instance=instance,
                    user=request.user,
                    request=request,
                    skip_unreachable_logout=form.cleaned_data["skip_unreachable_logout"],
                )
            except ApplicationError as failed:
                form.add_error(None, failed.message)
            else:
                messages.success(request, result.message)
                return redirect("instances:detail", id_instance=instance.pk)
    else:
        form = DeleteConfirmForm(instance=instance)
    return render(request, "instances/delete.html", {"instance": instance, "form": form})
