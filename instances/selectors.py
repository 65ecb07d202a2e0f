"""Selectors: reads of the mirror, always scoped to the user through `visible_to`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.paginator import Page, Paginator
from django.http import Http404

from instances.models import CreateOrder, Instance

if TYPE_CHECKING:
    from accounts.models import User

PAGE_SIZE = 50


def instance_page(*, user: User, page_number: str | int | None) -> Page:
    """One page of the instances the user may see, newest first."""
    queryset = Instance.objects.visible_to(user).select_related("reseller")
    return Paginator(queryset, PAGE_SIZE).get_page(page_number)


def order_for_user_or_404(*, user: User, pk: int) -> CreateOrder:
    """A create order the user may see: staff see all, reseller users their reseller's."""
    orders = CreateOrder.objects.select_related("instance", "reseller")
    if not user.is_staff_role:
        orders = orders.filter(reseller_id=user.reseller_id, reseller__isnull=False)
    order = orders.filter(pk=pk).first()
    if order is None:
        raise Http404("No such order.")
    return order
