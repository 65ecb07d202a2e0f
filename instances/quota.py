"""A reseller's quota: how many more live instances it may have."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from accounts.models import Reseller
from instances.models import CreateOrder, Instance


def reseller_locked(reseller: Reseller) -> Reseller:
    """Lock the reseller's row until the transaction ends: creates and assigns for one reseller
    then take turns, so two of them cannot both squeeze into the last free place.

    NO KEY UPDATE still lets other transactions insert rows that refer to the reseller (their
    foreign-key checks would otherwise wait on us: a deadlock). On SQLite the IMMEDIATE
    transactions serialise writers anyway.
    """
    return Reseller.objects.select_for_update(no_key=True).get(pk=reseller.pk)


def with_quota_use(resellers: QuerySet[Reseller]) -> QuerySet[Reseller]:
    """`resellers`, each with `quota_used`: live instances and open create orders, in one
    statement (and so from one snapshot; see `quota_room`)."""
    live = Instance.objects.filter(reseller=OuterRef("pk"), deleted=False)
    pending = CreateOrder.objects.open().filter(reseller=OuterRef("pk"))
    return resellers.annotate(quota_used=_count(live) + _count(pending))


def quota_text(reseller: Reseller) -> str:
    """ "3 of 10 used" for a reseller from `with_quota_use`; "full" when none is left."""
    return quota_words(quota_used(reseller), reseller.instance_quota)


def quota_words(used: int, quota: int) -> str:
    numbers = {"used": used, "quota": quota}
    if used >= quota:
        return _("%(used)s of %(quota)s used, full") % numbers
    return _("%(used)s of %(quota)s used") % numbers


def quota_room(reseller: Reseller) -> int:
    """Free places: the quota less live instances and create orders still open.

    Race-safe only inside `transaction.atomic()` after `reseller_locked`. Unassigned instances
    have no quota. Both counts come from one statement, so from one snapshot: counted one after
    the other, an order completing in between (its instance made, the order closed, in one
    commit) would be missed by both, and the quota overrun.
    """
    return reseller.instance_quota - quota_used(
        with_quota_use(Reseller.objects.filter(pk=reseller.pk)).get()
    )


def quota_used(reseller: Reseller) -> int:
    """What `with_quota_use` counted for the reseller (the type checker cannot see it)."""
    used: int = reseller.quota_used  # type: ignore[attr-defined]
    return used


def _count(rows: QuerySet[Any]) -> Coalesce:
    counted = rows.order_by().values("reseller").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted), 0)
