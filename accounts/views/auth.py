"""Login (with the optional two-factor step), logout, password change and reset."""

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts import services, twofactor
from accounts.forms import LoginForm, PortalPasswordResetForm, TokenForm
from accounts.lockout import is_locked_out, lockout_response
from accounts.sessions import session_end, session_start


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:  # a LoginForm
        user = form.get_user()
        if twofactor.device_for(user) is not None:
            twofactor.pending_login_start(
                request=self.request, user=user, next_url=self.get_success_url()
            )
            return redirect("login_verify")
        session_start(request=self.request, user=user)
        return HttpResponseRedirect(self.get_success_url())


@sensitive_post_parameters("token")
@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def login_verify(request: HttpRequest) -> HttpResponse:
    """The second login step: the code from the authenticator app."""
    pending = twofactor.pending_login(request)
    if pending is None:
        messages.info(request, _("Please log in again."))
        return redirect("login")
    user, next_url = pending
    if is_locked_out(request, user.username):
        return lockout_response(request, None, {"username": user.username})
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = twofactor.login_code_verify(
            request=request, user=user, token=form.cleaned_data["token"]
        )
        if device is not None:
            session_start(request=request, user=user, device=device)
            return HttpResponseRedirect(next_url)
        form.add_error("token", _("That code is not right. Check your app and try again."))
    return render(request, "accounts/login_verify.html", {"form": form})


class LogoutView(auth_views.LogoutView):
    """POST only (Django's LogoutView answers GET with 405); records the logout."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        session_end(request=request)
        redirect_to = self.get_success_url()
        return HttpResponseRedirect(redirect_to)


class PasswordChangeView(auth_views.PasswordChangeView):
    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form: Any) -> HttpResponse:
        services.password_change(request=self.request, form=form)
        messages.success(self.request, _("Your password was changed."))
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PortalPasswordResetForm
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form: Any) -> HttpResponse:
        services.password_reset_complete(request=self.request, form=form)
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return HttpResponseRedirect(self.get_success_url())
