from django.contrib.auth.models import AbstractUser
from django.db import models

from accounts.managers import UserManager


class Reseller(models.Model):
    """An organisation that resells instances and only ever sees its own."""

    name = models.CharField(max_length=120, unique=True)
    contact_email = models.EmailField(blank=True)
    is_active = models.BooleanField(default=True)
    instance_quota = models.PositiveIntegerField(
        default=10, help_text="The most non-deleted instances this reseller may have."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    class Role(models.TextChoices):
        ADMIN = "admin", "Partner admin"
        SUPPORT = "support", "Support agent"
        RESELLER = "reseller", "Reseller user"

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.RESELLER)
    reseller = models.ForeignKey(
        Reseller, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )

    objects = UserManager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="reseller_user_has_reseller",
                condition=(models.Q(role="reseller", reseller__isnull=False))
                | (~models.Q(role="reseller") & models.Q(reseller__isnull=True)),
            )
        ]

    @property
    def is_staff_role(self) -> bool:
        """Partner staff (admins and support agents) see every instance."""
        return self.role in {self.Role.ADMIN, self.Role.SUPPORT}
