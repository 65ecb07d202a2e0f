from typing import Any

from django.contrib.auth.models import UserManager as DjangoUserManager

from accounts.tenancy import TenantQuerySet


class UserQuerySet(TenantQuerySet[Any]):
    """Users belong to their reseller; staff users belong to none (staff see them all)."""


class UserManager(DjangoUserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]  # a class built at run time
    def create_superuser(
        self, username: str, email: str | None = None, password: str | None = None, **extra: Any
    ):  # type: ignore[override]
        # A superuser is partner staff; the reseller-role default would break the tenancy rule.
        extra.setdefault("role", "admin")
        return super().create_superuser(username, email, password, **extra)
