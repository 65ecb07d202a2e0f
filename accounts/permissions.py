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
| HOSTED_QR         | yes (password)   | no              | no                            |
| SEE_ALL_TENANTS   | yes              | yes             | no                            |
| CHECK_ORDER       | yes              | yes             | no                            |
| HANDLE_ATTENTION  | yes              | yes             | own                           |
| VIEW_USAGE        | all, and prices  | no              | own reseller's (selector)     |
| EDIT_BRAND        | any reseller     | no              | own reseller's                |
| MANAGE_EVENTS     | any (and own)    | no              | own reseller's                |

Who sees which rows is the tenancy rule (accounts/tenancy.py); this matrix says what a role may
do with what it sees. Views that take an instance id start with
`instances.selectors.get_instance_for_user_or_404`, so another tenant's instance is a 404
exactly like a missing one; then `require(user, action, instance)` turns a role without the
right into a 403. Templates ask the same matrix through `user_can` (a context processor).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import Any, Protocol

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from accounts.models import Reseller, User
from accounts.tenancy import in_tenant, is_member


class Owned(Protocol):
    """A row that belongs to a reseller (an Instance, say)."""

    reseller_id: int | None


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
    # Green API's hosted QR page: its address holds the instance token.
    HOSTED_QR = "hosted_qr"
    # Every reseller's rows, the reseller column, and IP addresses in the audit log.
    SEE_ALL_TENANTS = "see_all_tenants"
    # Settle a create order now from a fresh look at getInstances, closing it if not listed.
    CHECK_ORDER = "check_order"
    # Mark an item of the attention list handled, with a note.
    HANDLE_ATTENTION = "handle_attention"
    # Usage and billing: instance-days, prices and amounts (billing/). Prices are the partner's
    # commercial terms with each reseller, which support agents do not need to help customers.
    VIEW_USAGE = "view_usage"
    # What a reseller's customers see on a customer link's page: display name, logo, contact.
    # Support agents help customers but do not change what a reseller shows them.
    EDIT_BRAND = "edit_brand"
    # Event endpoints (events/): the URLs of a reseller's (or the partner's) own systems that
    # receive signed lifecycle events, and their secrets. Support agents do not wire systems.
    MANAGE_EVENTS = "manage_events"


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
    Action.HOSTED_QR: frozenset({_ADMIN}),
    Action.SEE_ALL_TENANTS: frozenset({_ADMIN, _SUPPORT}),
    Action.CHECK_ORDER: frozenset({_ADMIN, _SUPPORT}),
    Action.HANDLE_ATTENTION: frozenset({_ADMIN, _SUPPORT, _RESELLER}),
    Action.VIEW_USAGE: frozenset({_ADMIN, _RESELLER}),
    Action.EDIT_BRAND: frozenset({_ADMIN, _RESELLER}),
    Action.MANAGE_EVENTS: frozenset({_ADMIN, _RESELLER}),
}


def can(user: Any, action: Action, instance: Owned | None = None) -> bool:
    """May `user` do `action` (on `instance`, when given)?

    Without an instance the answer is whether the role holds the action at all (for showing
    a button); with one, a reseller user holds it only for their own reseller's instances.
    """
    if not is_member(user) or user.role not in MATRIX[action]:
        return False
    return instance is None or in_tenant(user, instance.reseller_id)


def require(user: Any, action: Action, instance: Owned | None = None) -> None:
    """Raise PermissionDenied (HTTP 403) unless `can(user, action, instance)`."""
    if not can(user, action, instance):
        raise PermissionDenied


def can_create_instance_for(user: Any, reseller: Reseller | None) -> bool:
    """May `user` create an instance owned by `reseller` (None: unassigned)? Quota aside."""
    if not can(user, Action.CREATE_INSTANCE):
        return False
    if reseller is None:
        return bool(user.role == _ADMIN)  # unassigned instances are the partner's own
    return reseller.is_active and in_tenant(user, reseller.pk)


def action_required(action: Action) -> Callable[[Callable[..., HttpResponseBase]], Any]:
    """View decorator: log in first (302 to the login page), then hold `action` or get a 403."""

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        @login_required
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            require(request.user, action)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class _UserCan:
    """`user_can.<action>` in templates: whether the user holds an action at all."""

    def __init__(self, user: Any) -> None:
        self._user = user

    def __getattr__(self, name: str) -> bool:
        try:
            action = Action(name)
        except ValueError:
            raise AttributeError(name) from None
        return can(self._user, action)


def user_can(request: HttpRequest) -> dict[str, _UserCan]:
    """Context processor: templates ask the matrix (`{% if user_can.manage_people %}`), never a
    role name."""
    return {"user_can": _UserCan(request.user)}
