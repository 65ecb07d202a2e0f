"""The alert settings page (linked from the account page)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import Action, can
from accounts.tenancy import is_member
from alerts.forms import AlertPreferenceForm
from alerts.services.preferences import alert_preference_of, alert_preference_update


@login_required
@require_http_methods(["GET", "POST"])
def alert_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not is_member(request.user):
        return redirect("account")
    form = AlertPreferenceForm(request.POST or None, instance=alert_preference_of(request.user))
    if request.method == "POST" and form.is_valid():
        alert_preference_update(request=request, user=request.user, form=form)
        messages.success(request, _("Alert settings saved."))
        return redirect("alerts:settings")
    context = {"form": form, "all_resellers": can(request.user, Action.SEE_ALL_TENANTS)}
    return render(request, "alerts/settings.html", context)
