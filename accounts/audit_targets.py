"""Audit targets as links: the page of an event's target, when the viewer may open it.

Each kind of target says which of a set of ids the viewer may open, through the same rule its
own page applies (tenancy for instances, the access matrix for people). The instances app
declares its kind when it starts (instances/apps.py), since accounts does not import it.
A page of events costs one query per kind of target on it, not one per row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass

from django.urls import reverse

from accounts.models import AuditEvent, Reseller, User
from accounts.permissions import Action, can

# Which of these primary keys may the viewer open?
VisibleIds = Callable[[User, Collection[int]], Iterable[int]]


@dataclass(frozen=True)
class _Kind:
    url_name: str
    visible_ids: VisibleIds


_KINDS: dict[str, _Kind] = {}


def audit_target_kind(target_type: str, *, url_name: str, visible_ids: VisibleIds) -> None:
    """Declare that targets of `target_type` link to `url_name` (one integer argument)."""
    _KINDS[target_type] = _Kind(url_name=url_name, visible_ids=visible_ids)


def audit_target_links(*, viewer: User, events: Iterable[AuditEvent]) -> dict[tuple[str, str], str]:
    """{(target_type, target_id): url} for the targets of `events` the viewer may open."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for event in events:
        if event.target_type in _KINDS and event.target_id.isdigit():
            wanted[event.target_type].add(int(event.target_id))
    links = {}
    for target_type, ids in wanted.items():
        kind = _KINDS[target_type]
        for pk in kind.visible_ids(viewer, ids):
            links[(target_type, str(pk))] = reverse(kind.url_name, args=[pk])
    return links


def with_target_urls(*, viewer: User, events: Iterable[AuditEvent]) -> list[AuditEvent]:
    """The events, each with `target_url`: its target's page, or "" when not to be linked."""
    rows = list(events)
    links = audit_target_links(viewer=viewer, events=rows)
    for event in rows:
        event.target_url = links.get((event.target_type, event.target_id), "")  # type: ignore[attr-defined]
    return rows


def _people_ids(model: type[User] | type[Reseller]) -> VisibleIds:
    def visible_ids(viewer: User, ids: Collection[int]) -> Iterable[int]:
        if not can(viewer, Action.MANAGE_PEOPLE):
            return []
        return model.objects.filter(pk__in=ids).values_list("pk", flat=True)

    return visible_ids


audit_target_kind("user", url_name="user_edit", visible_ids=_people_ids(User))
audit_target_kind("reseller", url_name="reseller_edit", visible_ids=_people_ids(Reseller))
