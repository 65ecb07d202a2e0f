"""The instance's settings: read with getSettings (GET), saved with setSettings (POST)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import Action, action_required
from core.errors import ApplicationError
from instances.detail_forms import InstanceSettingsForm
from instances.services.settings import instance_settings_read, instance_settings_save
from instances.views.common import deleted_notice, instance_for

SAVED = gettext_lazy(
    "Settings saved. Green API restarts the instance to apply them: it shows 'starting' "
    "for a moment, and the new settings can take up to 5 minutes to take effect."
)


@require_http_methods(["GET", "POST"])
@action_required(Action.EDIT_SETTINGS)
def instance_settings(request: AuthenticatedHttpRequest, id_instance: int) -> HttpResponse:
    instance = instance_for(request, id_instance, Action.EDIT_SETTINGS)
    if instance.deleted:
        return deleted_notice(request, instance, doing=_("change the settings"))
    form: InstanceSettingsForm | None = None
    error = ""
    if request.method == "POST":
        form = InstanceSettingsForm(request.POST)
        if form.is_valid():
            try:
                instance_settings_save(
                    instance=instance, user=request.user, changes=form.changes(), request=request
                )
            except ApplicationError as failed:
                form.add_error(None, failed.message)
            else:
                messages.success(request, str(SAVED))
                return redirect("instances:detail", id_instance=instance.pk)
    else:
        try:
            current = instance_settings_read(instance=instance)
        except ApplicationError as failed:
            error = failed.message
        else:
            form = InstanceSettingsForm(initial=InstanceSettingsForm.initial_from(current))
    context = {"instance": instance, "form": form, "error": error}
    return render(request, "instances/settings.html", context)
