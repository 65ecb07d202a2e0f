from typing import Any

from django.contrib.auth.models import UserManager as DjangoUserManager


class UserManager(DjangoUserManager):
    def create_superuser(
        self, username: str, email: str | None = None, password: str | None = None, **extra: Any
    ):  # type: ignore[override]
        # A superuser is partner staff; the reseller-role default would break the tenancy rule.
        extra.setdefault("role", "admin")
        return super().create_superuser(username, email, password, **extra)
