"""Session limits (idle and absolute) and the partner admins' two-factor requirement."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, resolve_url
from django.utils import timezone, translation
from django.utils.functional import LazyObject
from django_htmx.http import HttpResponseClientRedirect
from django_otp.middleware import is_verified

from accounts.sessions import session_end, session_expiry_reason
from accounts.twofactor import two_factor_required
from core.http import HtmxHttpRequest
from core.zones import zone

ENDED_MESSAGES = {
    "idle": "You were logged out after {minutes} minutes without activity. Please log in again.",
    "absolute": "Sessions last at most {hours} hours. Please log in again.",
}
# Pages an admin may use before setting up the two-factor authentication they are required to.
TWO_FACTOR_SETUP_PAGES = {"account", "totp_setup_start", "totp_setup_confirm", "logout"}


def _resolved(user: Any) -> Any:
    """The user itself rather than the lazy stand-in that Django's and django-otp's middleware
    set on the request. Every request reads the user from here on (these middlewares, each
    permission check, the layout's menu), and each attribute read through the stand-in costs
    a caught exception: a permission check took 19 µs instead of 1.6 µs, a hundred of them on
    an attention page of fifty items."""
    while isinstance(user, LazyObject):  # django-otp's stand-in wraps Django's
        user.is_authenticated  # noqa: B018  (resolves it: the session's user, or anonymous)
        user = user._wrapped  # the resolved object: Django gives it no public name
    return user


class SessionLimitsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HtmxHttpRequest) -> HttpResponse:
        request.user = user = _resolved(request.user)
        if user.is_authenticated:
            reason = session_expiry_reason(request.session)
            if reason is not None:
                # Ends the session and goes on as an anonymous request: protected pages
                # redirect to the login page as for anyone else.
                session_end(request=request, action="session.expired", detail=reason)
                messages.info(
                    request,
                    ENDED_MESSAGES[reason].format(
                        minutes=settings.SESSION_IDLE_MINUTES, hours=settings.SESSION_MAX_HOURS
                    ),
                )
        elif SESSION_KEY in request.session:
            # The session names a user the backend now refuses (deactivated): forget it.
            request.session.flush()
        response = self.get_response(request)
        return _htmx_login_redirect(request, response)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        user = request.user
        # Set before process_view runs; None only for a request that resolved no URL.
        url_name = request.resolver_match.url_name if request.resolver_match else None
        if (
            user.is_authenticated
            and two_factor_required(user)
            and not is_verified(user)  # what OTPMiddleware's user.is_verified() calls
            and url_name not in TWO_FACTOR_SETUP_PAGES
        ):
            messages.warning(request, "Set up two-factor authentication to use the portal.")
            return redirect("account")
        return None


def _htmx_login_redirect(request: HtmxHttpRequest, response: HttpResponse) -> HttpResponse:
    """An htmx request sent to the login page reloads the whole page there, not a fragment."""
    if not request.htmx or response.status_code != 302:
        return response
    location = response["Location"]
    if not location.startswith(resolve_url(settings.LOGIN_URL)):
        return response
    return HttpResponseClientRedirect(location)


class UserTimeZoneMiddleware:
    """Pages show times in the user's own zone, else the partner's (PARTNER_TIME_ZONE)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with timezone.override(zone(user_zone_name(request.user))):
            return self.get_response(request)


def user_zone_name(user: Any) -> str:
    own = user.time_zone if user.is_authenticated else ""
    return own or settings.PARTNER_TIME_ZONE


class UserLanguageMiddleware:
    """A logged-in user's pages speak the language they chose, on any browser.

    Runs after LocaleMiddleware, which has chosen by the cookie or Accept-Language; a user who
    never chose keeps that choice.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)
