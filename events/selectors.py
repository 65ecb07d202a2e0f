"""Reading endpoints and their deliveries, scoped to the user (accounts/tenancy.py)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.permissions import Action, require
from events.models import Endpoint, EventDelivery

LOG_SIZE = 50


def endpoints_of(*, user: Any) -> QuerySet[Endpoint]:
    """The endpoints the user may manage: a reseller user's reseller's, every one for staff."""
    require(user, Action.MANAGE_EVENTS)
    return Endpoint.objects.visible_to(user).select_related("reseller")


def get_endpoint_for_user_or_404(user: Any, endpoint_id: object) -> Endpoint:
    """One endpoint the user may manage; another tenant's is a 404 exactly like a missing one."""
    return get_object_or_404(endpoints_of(user=user), pk=endpoint_id)


def get_delivery_for_user_or_404(user: Any, delivery_id: object) -> EventDelivery:
    require(user, Action.MANAGE_EVENTS)
    rows = EventDelivery.objects.visible_to(user).select_related("endpoint")
    return get_object_or_404(rows, pk=delivery_id)


def delivery_log(*, endpoint: Endpoint, limit: int = LOG_SIZE) -> list[EventDelivery]:
    """The endpoint's latest deliveries, newest first."""
    return list(endpoint.deliveries.order_by("-pk")[:limit])
