"""A reseller's quota: how many more live instances it may have."""

from __future__ import annotations

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


def quota_room(reseller: Reseller) -> int:
    """Free places: the quota less live instances and create orders still open.

    Race-safe only inside `transaction.atomic()` after `reseller_locked`. Unassigned instances
    have no quota.
    """
    used = Instance.objects.filter(reseller=reseller, deleted=False).count()
    pending = CreateOrder.objects.open().filter(reseller=reseller).count()
    return reseller.instance_quota - used - pending
