"""The user's own account page: password and two-factor authentication."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts import twofactor
from accounts.forms import TimeZoneForm, TokenForm
from accounts.http import AuthenticatedHttpRequest
from accounts.services import user_time_zone_set


@login_required
@require_http_methods(["GET"])
def account(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "accounts/account.html", _account_context(request, TokenForm()))


@require_POST
@login_required
def totp_setup_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    if twofactor.device_for(request.user) is not None:
        messages.info(request, _("Two-factor authentication is already on."))
        return redirect("account")
    twofactor.totp_setup_start(request=request, user=request.user)
    return redirect("totp_setup_confirm")


@sensitive_post_parameters("token")
@never_cache  # the page shows the secret while setting up: no cache may keep it
@login_required
@require_http_methods(["GET", "POST"])
def totp_setup_confirm(request: AuthenticatedHttpRequest) -> HttpResponse:
    device = twofactor.pending_device_for(request.user)
    if device is None:
        return redirect("account")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        confirmed = twofactor.totp_setup_confirm(
            request=request, user=request.user, device=device, token=form.cleaned_data["token"]
        )
        if confirmed:
            messages.success(request, _("Two-factor authentication is on."))
            return redirect("account")
        form.add_error("token", _("That code is not right. Check the app's clock and try again."))
    context = {
        "form": form,
        "qr": twofactor.setup_qr_data_uri(device),
        "manual_key": twofactor.manual_key(device),
    }
    return render(request, "accounts/totp_setup.html", context)


@sensitive_post_parameters("token")
@require_POST
@login_required
def totp_disable(request: AuthenticatedHttpRequest) -> HttpResponse:
    if twofactor.two_factor_required(request.user):
        messages.error(request, _("Partner admins must keep two-factor authentication on."))
        return redirect("account")
    form = TokenForm(request.POST)
    if form.is_valid():
        token = form.cleaned_data["token"]
        if twofactor.totp_disable(request=request, user=request.user, token=token):
            messages.success(request, _("Two-factor authentication is off."))
            return redirect("account")
        form.add_error("token", _("That code is not right."))
    return render(request, "accounts/account.html", _account_context(request, form))


@login_required
@require_http_methods(["GET", "POST"])
def time_zone(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Its own page: the list of zones is long, and the account page is opened often."""
    if request.method == "GET":
        form = TimeZoneForm(initial={"time_zone": request.user.time_zone})
        return render(request, "accounts/time_zone.html", {"form": form})
    form = TimeZoneForm(request.POST)
    if not form.is_valid():
        return render(request, "accounts/time_zone.html", {"form": form})
    user_time_zone_set(request=request, user=request.user, time_zone=form.cleaned_data["time_zone"])
    messages.success(request, _("Time zone saved."))
    return redirect("account")


def _account_context(
    request: AuthenticatedHttpRequest,
    disable_form: TokenForm,
) -> dict[str, object]:
    return {
        "time_zone": request.user.time_zone
        or _("the partner's (%(zone)s)") % {"zone": settings.PARTNER_TIME_ZONE},
        "device": twofactor.device_for(request.user),
        "pending": twofactor.pending_device_for(request.user),
        "required": twofactor.two_factor_required(request.user),
        "disable_form": disable_form,
    }
