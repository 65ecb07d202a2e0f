"""API tokens: a user's key for the automation API, with at most the scopes it names."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    """What a token may do; it never does more than its user may (accounts/permissions.py)."""

    INSTANCES_READ = "instances:read", _("Read instances")
    INSTANCES_WRITE = "instances:write", _("Create instances, reboot, log out, change settings")
    INSTANCES_DELETE = "instances:delete", _("Delete instances")
    INSTANCES_REVEAL = "instances:reveal", _("Reveal an instance's Green API token (audited)")
    ONBOARDING = "onboarding", _("Onboard: QR code, pairing code, customer links")
    EVENTS_MANAGE = "events:manage", _("Manage event endpoints")


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self) -> ApiTokenQuerySet:
        """Neither revoked nor expired, of an active user (tenancy checks the reseller)."""
        return self.filter(
            revoked_at__isnull=True, expires_at__gt=timezone.now(), user__is_active=True
        )


class ApiToken(models.Model):
    """Shown once when created; only its SHA-256 is kept (a random 256-bit secret needs no
    slow hash: nothing to guess from)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    # The token's first characters, so that its owner can tell tokens apart; not a secret.
    prefix = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def allows(self, scope: str) -> bool:
        return scope in self.scopes


class ApiIdempotencyKey(models.Model):
    """An `Idempotency-Key` of one user's create call: the body it came with and, once known,
    the final answer, replayed to every retry (api/endpoints/instance_create.py).

    The create order's own UNIQUE key (a uuid5 of the user and this key) keeps Green API's
    createInstance to one call; this row adds "another body under the same key is refused" and
    "every retry gets the same answer".
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_idempotency_keys"
    )
    key = models.CharField(max_length=255)
    # SHA-256 of the canonical JSON body (defaults filled in), so a retry is told from a reuse.
    body_hash = models.CharField(max_length=64)
    order = models.ForeignKey(
        "instances.CreateOrder", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The first final answer (not a 202: a pending order is looked at again on each retry).
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    response_type = models.CharField(max_length=64, blank=True)
    response_location = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="api_idempotency_key_per_user")
        ]

    def __str__(self) -> str:
        return f"Idempotency key of user {self.user_id}"
