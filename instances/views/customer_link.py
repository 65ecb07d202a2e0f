"""The public pages a customer link opens: one instance's onboarding, no login.

Everything is addressed through the link's token (`/l/<token>/status`, `/l/<token>/qr.png`), so
the pages never name the instance or its partner. The token is the capability: these responses
are not indexed, not cached, and a Referer sent from them names the site alone, never the path
(REFERRER_POLICY); logs print the path redacted.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.branding import Brand, customer_brand
from core.errors import ApplicationError
from core.http import HtmxHttpRequest
from core.ratelimit import rate_limit_wait
from instances.models import OnboardingLink
from instances.onboarding_forms import PairingForm
from instances.services.links import (
    onboarding_link_for_token,
    onboarding_link_open,
    onboarding_link_use,
    token_hash,
)
from instances.services.onboarding import Onboarding, Step, onboarding_check, onboarding_qr_png
from instances.services.onboarding_actions import onboarding_pairing_code
from instances.views.onboarding import (
    PAIRING_FRAGMENT,
    onboarding_context,
    qr_response,
    status_fragment,
)

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

# Lazy: each is translated when a page shows it, in the customer's language.
CLOSED_MESSAGES: dict[str, _StrPromise] = {
    OnboardingLink.Status.USED: gettext_lazy(
        "This phone is already linked. You can close this page."
    ),
    OnboardingLink.Status.EXPIRED: gettext_lazy(
        "This link has expired — ask your provider for a new one."
    ),
    OnboardingLink.Status.REVOKED: gettext_lazy(
        "This link was revoked — ask your provider for a new one."
    ),
}
GONE = gettext_lazy("This link no longer works — ask your provider for a new one.")
INVALID = gettext_lazy(
    "This link is not valid. Check that it was copied whole, or ask your provider."
)

View = Callable[..., HttpResponse]

# Never the path with the token in a Referer. Not `no-referrer`: under it a browser's form posts
# (the language switcher's, the code form's without JavaScript) say `Origin: null`, which the CSRF
# check refuses; `strict-origin` sends the site's origin alone (public/base.html says it too).
REFERRER_POLICY = "strict-origin"


def public_page(view: View) -> View:
    """Rate limit a customer-link view and mark its answers private, uncached and unindexed."""

    @wraps(view)
    def wrapped(request: HttpRequest, token: str, *args: Any, **kwargs: Any) -> HttpResponse:
        ip = get_client_ip_address(request) or "unknown"
        wait = rate_limit_wait(
            keys=[f"link-ip:{ip}", f"link:{token_hash(token)[:32]}"],
            limit=settings.ONBOARDING_LINK_RATE_LIMIT,
        )
        if wait:
            context = {"wait": wait, "language_next": _page_url(token)}
            response = render(request, "public/rate_limited.html", context, status=429)
            response["Retry-After"] = str(wait)
        else:
            response = view(request, token, *args, **kwargs)
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Cache-Control"] = "no-store"
        response["Referrer-Policy"] = REFERRER_POLICY
        return response

    return wrapped


def _page_url(token: str) -> str:
    """The link's own page: where the language switcher returns, from any of the link's URLs
    (the code form's, a status poll's), and nowhere else."""
    return reverse("public:link", args=[token])


def _urls(token: str) -> dict[str, str]:
    return {
        "page": _page_url(token),
        "status": reverse("public:link_status", args=[token]),
        "qr": reverse("public:link_qr", args=[token]),
        "code": reverse("public:link_code", args=[token]),
    }


def _working_link(
    request: HtmxHttpRequest, token: str, *, opening: bool = False
) -> OnboardingLink | HttpResponse:
    """The link if it still works; otherwise the page that says why not."""
    link = onboarding_link_for_token(token)
    if link is not None and opening:
        onboarding_link_open(link=link, request=request)
    if link is None:
        message, status = INVALID, 404
    else:
        state = link.status_at(timezone.now())
        if state == OnboardingLink.Status.ACTIVE and not link.instance.deleted:
            return link
        message = CLOSED_MESSAGES.get(state, GONE)
        status = 200 if state == OnboardingLink.Status.USED else 410
    if request.htmx:
        return render(request, "public/_link_closed.html", {"message": message})
    # A known link's closed page still says whom to ask; an unknown token names no one.
    brand = _brand(link) if link is not None else Brand(display_name="")
    context = {"message": message, "brand": brand, "language_next": _page_url(token)}
    return render(request, "public/link_closed.html", context, status=status)


def _brand(link: OnboardingLink) -> Brand:
    return customer_brand(link.instance.reseller_id)


def _check(request: HttpRequest, link: OnboardingLink) -> Onboarding:
    status = onboarding_check(instance=link.instance)
    if status.step == Step.LINKED:
        onboarding_link_use(link=link, request=request)
    return status


@require_GET
@public_page
def link_page(request: HtmxHttpRequest, token: str) -> HttpResponse:
    working = _working_link(request, token, opening=True)
    if isinstance(working, HttpResponse):
        return working
    status = _check(request, working)
    context = onboarding_context(status=status, urls=_urls(token), public=True)
    return _whole_page(request, token, working, context)


def _whole_page(
    request: HtmxHttpRequest, token: str, link: OnboardingLink, context: dict[str, Any]
) -> HttpResponse:
    context["status_fragment"] = status_fragment(request, context)
    context["brand"] = _brand(link)
    context["link_expires_at"] = link.expires_at  # shown in the customer's own zone
    context["language_next"] = _page_url(token)
    return render(request, "public/link.html", context)


@require_GET
@public_page
def link_status(request: HtmxHttpRequest, token: str) -> HttpResponse:
    working = _working_link(request, token)
    if isinstance(working, HttpResponse):
        return working
    status = _check(request, working)
    context = onboarding_context(status=status, urls=_urls(token), public=True)
    return HttpResponse(status_fragment(request, context))


@require_GET
@public_page
def link_qr(request: HtmxHttpRequest, token: str) -> HttpResponse:
    working = _working_link(request, token)
    if isinstance(working, HttpResponse):
        return qr_response(None)
    version = request.GET.get("v", "")
    return qr_response(onboarding_qr_png(instance=working.instance, version=version))


@require_POST
@public_page
def link_code(request: HtmxHttpRequest, token: str) -> HttpResponse:
    working = _working_link(request, token)
    if isinstance(working, HttpResponse):
        return working
    form = PairingForm(request.POST)
    code, error = None, ""
    if form.is_valid():
        try:
            code = onboarding_pairing_code(
                instance=working.instance,
                phone_number=form.cleaned_data["phone_number"],
                user=None,  # a customer, whoever may be logged in on this browser
                request=request,
                link=working,
            )
        except ApplicationError as failed:
            error = failed.message
    status = _check(request, working)
    context = onboarding_context(
        status=status, urls=_urls(token), public=True, form=form, code=code, pairing_error=error
    )
    if request.htmx:
        return render(request, PAIRING_FRAGMENT, context)
    return _whole_page(request, token, working, context)
