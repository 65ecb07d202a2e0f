"""Who sees what: the one tenancy rule.

Partner staff (admins and support agents) see every row; a reseller user sees only the rows of
their own reseller; anyone else (anonymous, deactivated, a reseller user whose reseller was
deactivated) sees nothing. Every model that belongs to a tenant applies the rule through its
queryset's `visible_to(user)` (a `TenantQuerySet`), and permission checks on one object use
`in_tenant`, so the rule is written once.
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from django.db import models
from django.db.models import Q

_M = TypeVar("_M", bound=models.Model)
STAFF_ROLES = frozenset({"admin", "support"})


def is_member(user: Any) -> bool:
    """Logged in, active, and (for a reseller user) of an active reseller."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.role in STAFF_ROLES:
        return True
    return user.reseller_id is not None and user.reseller.is_active


def sees_all_tenants(user: Any) -> bool:
    return is_member(user) and user.role in STAFF_ROLES


def tenant_filter(user: Any, reseller_field: str) -> Q:
    """A filter for the rows `user` may see, given the path to each row's reseller id."""
    if not is_member(user):
        return Q(pk__in=[])
    if user.role in STAFF_ROLES:
        return Q()
    return Q(**{reseller_field: user.reseller_id})


def in_tenant(user: Any, reseller_id: int | None) -> bool:
    """May `user` see a row that belongs to `reseller_id` (None: to no reseller)?"""
    if not is_member(user):
        return False
    return user.role in STAFF_ROLES or (reseller_id is not None and reseller_id == user.reseller_id)


class TenantQuerySet(models.QuerySet[_M]):
    """A queryset whose rows belong to a reseller through `reseller_field`."""

    reseller_field: ClassVar[str] = "reseller"

    def visible_to(self, user: Any) -> TenantQuerySet[_M]:
        return self.filter(tenant_filter(user, self.reseller_field))
