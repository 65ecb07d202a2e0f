"""The permission matrix: who may do what, in one place.

| action            | partner admin    | support agent   | reseller user                 |
|-------------------|------------------|-----------------|-------------------------------|
| VIEW_INSTANCES    | all              | all             | own reseller's only           |
| CREATE_INSTANCE   | any reseller/none| any reseller    | own reseller, within quota    |
| ONBOARD           | yes              | yes             | own                           |
| REBOOT_LOGOUT     | yes              | yes             | own                           |
| EDIT_SETTINGS     | yes              | no              | own                           |
| DELETE_INSTANCE   | yes              | no              | own                           |
| REVEAL_TOKEN      | yes (audited)    | no              | own (audited)                 |
| ASSIGN_RESELLER   | yes              | no              | no                            |
| MANAGE_PEOPLE     | yes              | no              | no                            |
| READ_AUDIT        | all              | all             | own reseller's (selector)     |

Views that take an instance id start with `get_instance_for_user_or_404`, so another tenant's
instance is a 404 exactly like a missing one; then `require(user, action, instance)` turns a
role without the right into a 403.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from accounts.models import Reseller, User
from instances.models import Instance


class Action(enum.StrEnum):
    VIEW_INSTANCES = "view_instances"
    CREATE_INSTANCE = "create_instance"
    ONBOARD = "onboard"
    REBOOT_LOGOUT = "reboot_logout"
    EDIT_SETTINGS = "edit_settings"
    DELETE_INSTANCE = "delete_instance"
    REVEAL_TOKEN = "reveal_token"  # noqa: S105  (an action name, not a secret)
    ASSIGN_RESELLER = "assign_reseller"
    MANAGE_PEOPLE = "manage_people"
    READ_AUDIT = "read_audit"


_ADMIN, _SUPPORT, _RESELLER = User.Role.ADMIN, User.Role.SUPPORT, User.Role.RESELLER

# Which roles hold each action. For a reseller user an instance action always means "on an
# instance of their own reseller"; `can` checks that when given the instance.
MATRIX: dict[Action, frozenset[str]] = {
    Action.VIEW_INSTANCES: frozenset({_ADMIN, _SUPPORT, _RESELLER}),
    Action.CREATE_INSTANCE: frozenset({_ADMIN, _SUPPORT, _RESELLER}),
    Action.ONBOARD: frozenset({_ADMIN, _SUPPORT, _RESELLER}),
    Action.REBOOT_LOGOUT: frozenset({_ADMIN, _SUPPORT, _RESELLER}),
    Action.EDIT_SETTINGS: frozenset({_ADMIN, _RESELLER}),
    Action.DELETE_INSTANCE: frozenset({_ADMIN, _RESELLER}),
    Action.REVEAL_TOKEN: frozenset({_ADMIN, _RESELLER}),
    Action.ASSIGN_RESELLER: frozenset({_ADMIN}),
    Action.MANAGE_PEOPLE: frozenset({_ADMIN}),
    Action.READ_AUDIT: frozenset({_ADMIN, _SUPPORT, _RESELLER}),
}


def _active(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.role == _RESELLER:
        return user.reseller_id is not None and user.reseller.is_active
    return True


def can(user: Any, action: Action, instance: Instance | None = None) -> bool:
    """May `user` do `action` (on `instance`, when given)?

    Without an instance the answer is whether the role holds the action at all (for showing
    a button); with one, a reseller user holds it only for their own reseller's instances.
    """
    if not _active(user) or user.role not in MATRIX[action]:
        return False
    if instance is not None and user.role == _RESELLER:
        return instance.reseller_id == user.reseller_id
    return True


def require(user: Any, action: Action, instance: Instance | None = None) -> None:
    """Raise PermissionDenied (HTTP 403) unless `can(user, action, instance)`."""
    if not can(user, action, instance):
        raise PermissionDenied


def get_instance_for_user_or_404(user: Any, id_instance: Any) -> Instance:
    """The instance if `user` may see it; otherwise Http404, the same as for a missing one."""
    try:
        pk = int(id_instance)
    except (TypeError, ValueError):
        raise Http404("No such instance.") from None
    instance = Instance.objects.visible_to(user).select_related("reseller").filter(pk=pk).first()
    if instance is None:
        raise Http404("No such instance.")
    return instance


def can_create_instance_for(user: Any, reseller: Reseller | None) -> bool:
    """May `user` create an instance owned by `reseller` (None: unassigned)? Quota aside."""
    if not can(user, Action.CREATE_INSTANCE):
        return False
    if reseller is None:
        return user.role == _ADMIN
    if not reseller.is_active:
        return False
    return user.role != _RESELLER or reseller.pk == user.reseller_id


def reseller_quota_available(reseller: Reseller, *, pending: int = 0) -> bool:
    """Is there room under `reseller`'s quota for one more instance?

    Race-safe only when called inside `transaction.atomic()` after locking the reseller row:

        with transaction.atomic():
            reseller = Reseller.objects.select_for_update().get(pk=reseller_id)
            if not reseller_quota_available(reseller, pending=open_orders):
                ...refuse...
            ...claim the create order...

    The lock serialises concurrent creates for one reseller (on SQLite, the IMMEDIATE
    transactions do the same). `pending` counts creates already claimed but not yet mirrored
    as Instance rows. Unassigned instances have no quota.
    """
    used = Instance.objects.filter(reseller=reseller, deleted=False).count()
    return used + pending < reseller.instance_quota


def action_required(action: Action) -> Callable[[Callable[..., HttpResponse]], Any]:
    """View decorator: log in first (302 to the login page), then hold `action` or get a 403."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        @login_required
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            require(request.user, action)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
