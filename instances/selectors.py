"""Selectors: reads of the mirror, always scoped to the user through `visible_to`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.paginator import Page, Paginator

from instances.models import Instance

if TYPE_CHECKING:
    from accounts.models import User

PAGE_SIZE = 50


def instance_page(*, user: User, page_number: str | int | None) -> Page:
    """One page of the instances the user may see, newest first."""
    queryset = Instance.objects.visible_to(user).select_related("reseller")
    return Paginator(queryset, PAGE_SIZE).get_page(page_number)
