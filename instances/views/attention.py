"""The attention list, and marking an item of it handled."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Reseller, User
from accounts.permissions import Action, action_required, can
from core.navigation import go_back
from instances.attention import COUNT_LIMIT, Attention, Item, attention_for
from instances.attention_forms import AttentionHandleForm
from instances.recovery import GUIDES, Guide
from instances.services.attention import attention_mark_handled


@dataclass(frozen=True)
class ShownStep:
    label: str
    url: str


@dataclass(frozen=True)
class ShownItem:
    """An attention item as a page shows it: with its guide and the steps this user may take."""

    item: Item
    guide: Guide
    steps: list[ShownStep]

    @property
    def since_seconds(self) -> int:
        return int(self.item.since.timestamp())

    @property
    def reseller(self) -> Reseller | None:
        if self.item.link is not None:
            return self.item.link.instance.reseller
        owner = self.item.order or self.item.instance
        return owner.reseller if owner is not None else None


def shown_items(user: User, items: list[Item]) -> list[ShownItem]:
    return [ShownItem(item, GUIDES[item.kind], _steps(user, item)) for item in items]


def _steps(user: User, item: Item) -> list[ShownStep]:
    """The guide's next steps that `user` may take on this item."""
    target = item.instance or (item.link.instance if item.link is not None else None)
    steps = []
    for step in GUIDES[item.kind].steps:
        if step.per_instance:
            if target is None or not can(user, step.action, target):
                continue
            url = reverse(step.url_name, args=[target.pk])
        else:
            if not can(user, step.action):
                continue
            url = reverse(step.url_name)
        steps.append(ShownStep(step.label, url))
    return steps


def attention_context(user: User, attention: Attention) -> dict[str, object]:
    """What templates/instances/attention.html (and the instance page's part) need."""
    return {
        "open_rows": shown_items(user, attention.open_items),
        "handled_rows": shown_items(user, attention.handled_items),
        "rows": attention.items,
        "counts": [
            {"title": GUIDES[kind].title, "count": count}
            for kind, count in attention.counts.items()
            if count
        ],
        "total": sum(min(count, COUNT_LIMIT) for count in attention.counts.values()),
        "total_capped": any(count > COUNT_LIMIT for count in attention.counts.values()),
        "count_limit": COUNT_LIMIT,
        "can_handle": can(user, Action.HANDLE_ATTENTION),
        "see_all_tenants": can(user, Action.SEE_ALL_TENANTS),
    }


@require_safe
@action_required(Action.VIEW_INSTANCES)
def attention_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = attention_context(request.user, attention_for(request.user))
    return render(request, "instances/attention.html", context)


@require_POST
@action_required(Action.HANDLE_ATTENTION)
def attention_handle(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = AttentionHandleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Not marked: %(errors)s") % {"errors": form.error_text()})
    else:
        data = form.cleaned_data
        attention_mark_handled(
            user=request.user,
            kind=data["kind"],
            subject=data["subject"],
            since=data["since"],
            note=data["note"],
            request=request,
        )
        messages.success(request, _("Marked handled. It comes back if the condition does."))
    return go_back(request, reverse("instances:attention"))
