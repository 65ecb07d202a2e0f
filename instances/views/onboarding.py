"""The onboarding page: link a phone by QR code or pairing code, polled through our own URLs.

The browser polls the status fragment and fetches the QR image from these views; the server
calls Green API. No instance token ever reaches the browser.
"""

from __future__ import annotations

from typing import Any, TypedDict, Unpack

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from accounts.permissions import Action, can
from core.errors import ApplicationError, errors_as_messages
from instances.models import Instance
from instances.onboarding_forms import LinkIssueForm, PairingForm
from instances.onboarding_texts import StatusTexts
from instances.services.links import onboarding_links_of
from instances.services.onboarding import (
    Onboarding,
    QrImage,
    onboarding_check,
    onboarding_qr_png,
)
from instances.services.onboarding_actions import (
    PairingCode,
    onboarding_logout,
    onboarding_pairing_code,
    onboarding_reboot,
)
from instances.views.common import instance_for, polled_instance_for
from instances.views.send_check import send_check_context
from partnerportal.jinja2 import url_pattern

# Jinja2 (templates/jinja2/): rendered on every poll of every open onboarding page.
STATUS_FRAGMENT = "instances/_onboarding_status.html"
PAIRING_FRAGMENT = "instances/_onboarding_pairing.html"


_URL_NAMES = {
    "page": "instances:connect",
    "status": "instances:connect_status",
    "qr": "instances:connect_qr",
    "code": "instances:connect_code",
    "logout": "instances:connect_logout",
    "reboot": "instances:connect_reboot",
}


def _urls(instance: Instance) -> dict[str, str]:
    # Reversed once per process as patterns: six reverse() calls were a tenth of a poll's CPU.
    return {key: url_pattern(name).format(instance.pk) for key, name in _URL_NAMES.items()}


class Pairing(TypedDict, total=False):
    """The pairing-code part of `onboarding_context`, passed on as keyword arguments."""

    form: PairingForm | None
    code: PairingCode | None
    pairing_error: str


def onboarding_context(
    *,
    status: Onboarding,
    urls: dict[str, str],
    public: bool,
    form: PairingForm | None = None,
    code: PairingCode | None = None,
    pairing_error: str = "",
) -> dict[str, Any]:
    """What the onboarding fragments need, on the staff page and on a customer link alike."""
    seconds = 0
    if code is not None:
        seconds = max(0, int((code.expires_at - timezone.now()).total_seconds()))
    return {
        "status": status,
        "urls": urls,
        "public": public,
        # Only the pairing panel shows the form: built when a template reads it, not per poll.
        "form": form or SimpleLazyObject(PairingForm),
        "code": code,
        "code_seconds": seconds,
        "pairing_error": pairing_error,
    }


def status_fragment(request: HttpRequest, context: dict[str, Any]) -> SafeString:
    """The polled status (STATUS_FRAGMENT): a poll's answer, and `status_fragment` in the context
    of a whole page (instances/_onboarding.html shows it)."""
    # Its sentences that hold a value are worded in Python (onboarding_texts.py).
    texts = StatusTexts(context["status"], context["urls"])
    html = render_to_string(STATUS_FRAGMENT, {**context, "texts": texts}, request, using="jinja2")
    return mark_safe(html)  # noqa: S308  (Jinja2 escaped what it rendered)


def _staff_context(
    request: AuthenticatedHttpRequest, instance: Instance, **pairing: Unpack[Pairing]
) -> dict[str, Any]:
    user: User = request.user
    status = onboarding_check(instance=instance)
    context = {
        **onboarding_context(status=status, urls=_urls(instance), public=False, **pairing),
        "instance": instance,
        "can_reboot": can(user, Action.REBOOT_LOGOUT, instance),
        "can_hosted_qr": can(user, Action.HOSTED_QR, instance) and not instance.deleted,
        "links": onboarding_links_of(instance=instance),
        "now": timezone.now(),
        "link_form": LinkIssueForm(),
        **send_check_context(user, instance, page="connect"),
    }
    context["status_fragment"] = status_fragment(request, context)
    return context


@require_GET
@login_required
def connect(request: AuthenticatedHttpRequest, id_instance: int) -> HttpResponse:
    instance = instance_for(request, id_instance, Action.ONBOARD)
    return render(request, "instances/onboarding.html", _staff_context(request, instance))


@require_GET
@login_required
def connect_status(request: AuthenticatedHttpRequest, id_instance: int) -> HttpResponse:
    instance = polled_instance_for(request, id_instance, Action.ONBOARD)
    if not request.htmx:
        return redirect("instances:connect", id_instance=instance.pk)
    status = onboarding_check(instance=instance)
    context = {
        **onboarding_context(status=status, urls=_urls(instance), public=False),
        "instance": instance,
        "can_reboot": can(request.user, Action.REBOOT_LOGOUT, instance),
    }
    return no_store(HttpResponse(status_fragment(request, context)))


@require_GET
@login_required
def connect_qr(request: AuthenticatedHttpRequest, id_instance: int) -> HttpResponse:
    instance = polled_instance_for(request, id_instance, Action.ONBOARD)
    return qr_response(onboarding_qr_png(instance=instance, version=request.GET.get("v", "")))


# A code shows for 20 s, then WhatsApp refuses it: a browser may keep the image that long.
QR_IMAGE_MAX_AGE = 20


def qr_response(image: QrImage | None) -> HttpResponse:
    """The QR image, or 204 when there is none to show right now.

    An image whose URL names its version (`?v=`) is that code's for good, so the browser may
    keep it while the code lives, and no shared cache ever; any other answer is never stored.
    """
    if image is None:
        return no_store(HttpResponse(status=204))
    response = HttpResponse(image.png, "image/png")
    if not image.named:
        return no_store(response)
    response["Cache-Control"] = f"private, max-age={QR_IMAGE_MAX_AGE}"
    return response


def no_store(response: HttpResponse) -> HttpResponse:
    # A QR code or a pairing code links a phone: no browser or proxy may keep one.
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def connect_code(request: AuthenticatedHttpRequest, id_instance: int) -> HttpResponse:
    instance = instance_for(request, id_instance, Action.ONBOARD)
    form = PairingForm(request.POST)
    code, error = None, ""
    if form.is_valid():
        try:
            code = onboarding_pairing_code(
                instance=instance,
                phone_number=form.cleaned_data["phone_number"],
                user=request.user,
                request=request,
            )
        except ApplicationError as failed:
            error = failed.message
    pairing: Pairing = {"form": form, "code": code, "pairing_error": error}
    if request.htmx:
        status = onboarding_check(instance=instance)
        context = onboarding_context(status=status, urls=_urls(instance), public=False, **pairing)
        return no_store(render(request, PAIRING_FRAGMENT, context))
    context = _staff_context(request, instance, **pairing)
    return no_store(render(request, "instances/onboarding.html", context))


def _to_onboarding(id_instance: int) -> str:
    return reverse("instances:connect", args=[id_instance])


@require_POST
@login_required
@errors_as_messages(_to_onboarding)
def connect_logout(request: AuthenticatedHttpRequest, id_instance: int) -> HttpResponse:
    instance = instance_for(request, id_instance, Action.REBOOT_LOGOUT)
    onboarding_logout(instance=instance, user=request.user, request=request)
    messages.success(request, _("Logged out. A new QR code appears in a moment."))
    return redirect("instances:connect", id_instance=instance.pk)


@require_POST
@login_required
@errors_as_messages(_to_onboarding)
def connect_reboot(request: AuthenticatedHttpRequest, id_instance: int) -> HttpResponse:
    instance = instance_for(request, id_instance, Action.REBOOT_LOGOUT)
    onboarding_reboot(instance=instance, user=request.user, request=request)
    messages.success(request, _("Reboot requested. The instance restarts within 5 minutes."))
    return redirect("instances:connect", id_instance=instance.pk)
