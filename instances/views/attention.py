"""The attention list, and marking an item of it handled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render
from django.template.backends.utils import csrf_input
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Reseller, User
from accounts.permissions import Action, action_required, can
from core.dates import LocalDates
from core.navigation import go_back
from instances.attention import COUNT_LIMIT, Attention, Item, attention_for
from instances.attention_forms import AttentionHandleForm
from instances.recovery import GUIDES, Guide
from instances.services.attention import attention_mark_handled
from partnerportal.jinja2 import url, url_pattern


@dataclass(frozen=True)
class ShownStep:
    label: str
    url: str


@dataclass(frozen=True)
class ShownItem:
    """An attention item as a page shows it: with its guide, the steps this user may take, and
    its words in the reader's zone and language, worked out once a page where they can be
    (templates/jinja2/instances/_attention_rows.html).
    """

    item: Item
    guide: Guide  # in the reader's language (Guide.translated)
    summary: str  # "Blocked by the messenger: what to do"
    cause: str  # "Likely cause: ..."
    steps: list[ShownStep]
    since_iso: str  # when the condition began, in the reader's zone
    since_text: str  # the same, as `when` says it ("2026-07-01 12:30 MSK")
    since_ago: str  # "3 days, 2 hours ago"
    mark_ago: str  # how long ago it was marked handled ("5 minutes"); "" when it was not
    link_expires: str  # a customer link's expiry, as `when` says it; "" for other items

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
    now = timezone.now()
    zone = timezone.get_current_timezone()
    dates = LocalDates(zone)
    ago = _("%(ago)s ago")
    words = {}
    for kind in {item.kind for item in items}:
        guide = GUIDES[kind].translated()
        summary = _("%(title)s: what to do") % {"title": guide.title}
        words[kind] = (guide, summary, _("Likely cause: %(cause)s") % {"cause": guide.cause})

    def when(moment: datetime) -> str:
        return dates.format(moment, "DATETIME_FORMAT")

    return [
        ShownItem(
            item,
            *words[item.kind],
            steps=_steps(user, item, words[item.kind][0]),
            since_iso=item.since.astimezone(zone).isoformat(),
            since_text=when(item.since),
            since_ago=ago % {"ago": timesince(item.since, now)},
            mark_ago=timesince(item.mark.handled_at, now) if item.mark is not None else "",
            link_expires=when(item.link.expires_at) if item.link is not None else "",
        )
        for item in items
    ]


def _steps(user: User, item: Item, guide: Guide) -> list[ShownStep]:
    """The guide's next steps that `user` may take on this item."""
    target = item.instance or (item.link.instance if item.link is not None else None)
    steps = []
    for step in guide.steps:
        if step.per_instance:
            if target is None or not can(user, step.action, target):
                continue
            address = url_pattern(step.url_name).format(target.pk)
        else:
            if not can(user, step.action):
                continue
            address = url(step.url_name)
        steps.append(ShownStep(step.label, address))
    return steps


def attention_context(
    request: AuthenticatedHttpRequest, attention: Attention, *, reseller_column: bool = True
) -> dict[str, object]:
    """What templates/instances/attention.html (and the instance page's part) need: the rows
    of its tables come rendered (`open_html`, `handled_html`)."""
    user = request.user
    see_all_tenants = reseller_column and can(user, Action.SEE_ALL_TENANTS)
    rows = {
        "see_all_tenants": see_all_tenants,
        "can_handle": can(user, Action.HANDLE_ATTENTION),
        "next_url": request.get_full_path(),
    }

    def rendered(items: list[Item]) -> SafeString:
        # The form's token worked out once: the backend's `csrf_input` masks it anew each time
        # it is printed, fifty times a page.
        context = {**rows, "rows": shown_items(user, items), "csrf_field": csrf_input(request)}
        html = render_to_string("instances/_attention_rows.html", context, request, using="jinja2")
        return mark_safe(html)  # noqa: S308  (Jinja2 escaped what it rendered)

    return {
        "open_html": rendered(attention.open_items),
        "handled_html": rendered(attention.handled_items),
        "has_handled": bool(attention.handled_items),
        "rows": attention.items,
        "counts": [
            {"title": GUIDES[kind].title, "count": count}
            for kind, count in attention.counts.items()
            if count
        ],
        "total": sum(min(count, COUNT_LIMIT) for count in attention.counts.values()),
        "total_capped": any(count > COUNT_LIMIT for count in attention.counts.values()),
        "count_limit": COUNT_LIMIT,
        "see_all_tenants": see_all_tenants,
    }


@require_safe
@action_required(Action.VIEW_INSTANCES)
def attention_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = attention_context(request, attention_for(request.user))
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
