"""Give instances to a reseller (or take them back): partner admins only, one audit event each."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.audit import audit_record
from accounts.models import Reseller, User
from accounts.permissions import Action, require
from core.errors import ApplicationError
from instances.models import Instance
from instances.quota import quota_room, reseller_locked


def instances_assign(
    *,
    user: User,
    ids: list[int],
    reseller: Reseller | None,
    request: HttpRequest | None = None,
) -> int:
    """Set the reseller (None: unassigned) of the instances `ids`; return how many changed.

    All or nothing: if any id is not an instance `user` can see, nothing changes.
    """
    require(user, Action.ASSIGN_RESELLER)
    if not ids:
        raise ApplicationError(_("Select at least one instance."))
    if reseller is not None and not reseller.is_active:
        raise ApplicationError(
            _("%(reseller)s is inactive: instances cannot be assigned to it.")
            % {"reseller": reseller.name}
        )
    wanted = set(ids)
    new_id = reseller.pk if reseller is not None else None
    with transaction.atomic():
        rows = list(
            Instance.objects.visible_to(user)
            .select_for_update(of=("self",))
            .select_related("reseller")
            .filter(pk__in=wanted)
            .order_by("pk")
        )
        missing = len(wanted) - len(rows)
        if missing:
            raise ApplicationError(
                ngettext(
                    "%(num)s of the selected instances could not be found; nothing was assigned.",
                    "%(num)s of the selected instances could not be found; nothing was assigned.",
                    missing,
                )
                % {"num": missing}
            )
        changed = [row for row in rows if row.reseller_id != new_id]
        if not changed:
            return 0
        if reseller is not None:
            _check_quota(reseller, incoming=sum(not row.deleted for row in changed))
        Instance.objects.filter(pk__in=[row.pk for row in changed]).update(reseller=reseller)
        new_name = reseller.name if reseller is not None else "Unassigned"
        for row in changed:
            old_name = row.reseller.name if row.reseller is not None else "Unassigned"
            audit_record(
                action="instance.assign",
                request=request,
                actor=user,
                target=row,
                detail=f"{old_name} → {new_name}",
                # The event belongs to the instance's new owner; on unassign, to the one it left.
                reseller=reseller or row.reseller,
            )
    return len(changed)


def _check_quota(reseller: Reseller, *, incoming: int) -> None:
    """Refuse to take a reseller over its quota (open create orders count, as in create)."""
    locked = reseller_locked(reseller)  # the same lock as a create takes
    room = quota_room(locked)
    if incoming > room:
        raise ApplicationError(
            ngettext(
                "%(reseller)s has room for %(room)s more of its quota of %(num)s instance; "
                "nothing was assigned. Raise its quota first.",
                "%(reseller)s has room for %(room)s more of its quota of %(num)s instances; "
                "nothing was assigned. Raise its quota first.",
                locked.instance_quota,
            )
            % {"reseller": locked.name, "room": max(room, 0), "num": locked.instance_quota}
        )
