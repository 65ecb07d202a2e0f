from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import UserManager as DjangoUserManager

from accounts.tenancy import TenantQuerySet

if TYPE_CHECKING:
    from accounts.models import User


class UserQuerySet(TenantQuerySet["User"]):
    """Users belong to their reseller; staff users belong to none (staff see them all)."""


# At module level, where django-stubs can build the class too (not in a class's bases).
_UserManagerBase = DjangoUserManager.from_queryset(UserQuerySet)


class UserManager(_UserManagerBase["User"]):
    def create_superuser(
        self, username: str, email: str | None = None, password: str | None = None, **extra: Any
    ) -> "User":
        # A superuser is partner staff; the reseller-role default would break the tenancy rule.
        extra.setdefault("role", "admin")
        return super().create_superuser(username, email, password, **extra)
