"""A test message from the instance page or the onboarding page, and its polled status.

The status fragment asks Green API's journal on GET (through `instance_test_message_refresh`,
at most once per 1.5 s per message and only for two minutes), like the onboarding poll: a
person is watching for the answer.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from accounts.permissions import Action, can
from core.errors import ApplicationError
from instances.models import Instance, SentTestMessage
from instances.send_check_forms import PAGES, SendTestMessageForm
from instances.services.send_check import (
    TEST_MESSAGE_TEXT,
    instance_test_message_refresh,
    instance_test_message_send,
    is_watched,
    latest_test_message,
)
from instances.views.common import deleted_notice, instance_for

SECTION = "instances/_test_message.html"
STATUS = "instances/_test_message_status.html"


def send_check_context(
    user: User,
    instance: Instance,
    *,
    page: str,
    form: SendTestMessageForm | None = None,
    error: str = "",
) -> dict[str, Any]:
    """The test-message section's context; empty where the user may not send one."""
    if instance.deleted or not can(user, Action.ONBOARD, instance):
        return {}
    sent = latest_test_message(instance)
    return {
        "test_message": {
            "linked": instance.state == Instance.State.AUTHORIZED,
            "whatsapp": instance.type_instance == Instance.Type.WHATSAPP,
            "form": form or SendTestMessageForm(initial={"page": page}),
            "text": TEST_MESSAGE_TEXT,
            "error": error,
            "url": reverse("instances:test_message", args=[instance.pk]),
            **_status_context(sent),
        }
    }


def _status_context(sent: SentTestMessage | None) -> dict[str, Any]:
    if sent is None:
        return {"sent": None}
    return {
        "sent": sent,
        "watched": is_watched(sent),
        "status_url": reverse("instances:test_message_status", args=[sent.instance_id]),
    }


@require_POST
@login_required
def send_test_message(request: AuthenticatedHttpRequest, id_instance: int) -> HttpResponse:
    instance = instance_for(request, id_instance, Action.ONBOARD)
    if instance.deleted:
        return deleted_notice(request, instance, doing=_("send a test message"))
    page = request.POST.get("page", "")
    page = page if page in PAGES else "detail"
    form = SendTestMessageForm(request.POST)
    error, sent = "", False
    if form.is_valid():
        try:
            instance_test_message_send(
                instance=instance,
                user=request.user,
                phone=form.cleaned_data["phone"],
                request=request,
            )
            sent = True
        except ApplicationError as failed:
            error = failed.message
    if request.htmx:
        shown = None if sent else form  # a fresh form after a send
        context = send_check_context(request.user, instance, page=page, form=shown, error=error)
        return render(request, SECTION, {"instance": instance, **context})
    if sent:
        messages.success(request, _("Test message handed to Green API. Its status shows below."))
    else:
        messages.error(
            request, error or " ".join(str(m) for ms in form.errors.values() for m in ms)
        )
    target = "instances:connect" if page == "connect" else "instances:detail"
    return redirect(reverse(target, args=[instance.pk]) + "#test-message")


@require_GET
@login_required
def sent_test_message_status(request: AuthenticatedHttpRequest, id_instance: int) -> HttpResponse:
    """The latest test message's status fragment; the page polls it while the message travels."""
    instance = instance_for(request, id_instance, Action.ONBOARD)
    if not request.htmx:
        return redirect(reverse("instances:detail", args=[instance.pk]) + "#test-message")
    sent = latest_test_message(instance)
    if sent is None:
        return HttpResponse(status=204)
    sent.instance = instance
    instance_test_message_refresh(message=sent)
    return render(request, STATUS, {"test_message": _status_context(sent)})
