from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import UserManager as DjangoUserManager

from accounts.tenancy import TenantQuerySet

if TYPE_CHECKING:
    from accounts.models import User


class UserQuerySet(TenantQuerySet["User"]):
    """Users belong to their reseller; staff users belong to none (staff see them all)."""


if TYPE_CHECKING:
    # What from_queryset builds below, spelled out: django-stubs' plugin builds it only in
    # some orders of analysis, which vary from run to run in this import cycle.
    class _UserManagerBase(DjangoUserManager["User"]):
        def get_queryset(self) -> UserQuerySet: ...
        def visible_to(self, user: Any) -> TenantQuerySet[User]: ...

else:
    _UserManagerBase = DjangoUserManager.from_queryset(UserQuerySet)


class UserManager(_UserManagerBase):
    def create_superuser(
        self, username: str, email: str | None = None, password: str | None = None, **extra: Any
    ) -> "User":
        # A superuser is partner staff; the reseller-role default would break the tenancy rule.
        extra.setdefault("role", "admin")
        return super().create_superuser(username, email, password, **extra)
