"""Lifecycle events out: the endpoints that receive them, and one outbox row per delivery."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.tenancy import TenantQuerySet
from core.fields import EncryptedTextField
from instances import lifecycle

# The kinds an endpoint may choose, with the words the pages show.
KIND_CHOICES = [
    (lifecycle.CREATED, _("Instance created")),
    (lifecycle.DELETED, _("Instance deleted")),
    (lifecycle.STATE_CHANGED, _("State changed (any change)")),
    (lifecycle.LINKED, _("Phone linked")),
    (lifecycle.LOGGED_OUT, _("Phone logged out")),
    (lifecycle.LINK_USED, _("Customer link used")),
    (lifecycle.ORDER_FAILED, _("Create order failed")),
]
# Sent only by "Send a test event"; never chosen.
TEST_KIND = "event.test"


class EndpointQuerySet(TenantQuerySet["Endpoint"]):
    """An endpoint belongs to its reseller; the partner's own (no reseller) to staff."""


class Endpoint(models.Model):
    """A URL of a reseller's (or the partner's) system that receives signed events."""

    reseller = models.ForeignKey(
        "accounts.Reseller",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="event_endpoints",
    )
    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    kinds = models.JSONField(default=list)
    # "whsec_" + base64: shown once, kept encrypted (core/crypto.py). The previous one signs too
    # until previous_secret_until, so the receiver can switch without losing an event.
    secret = EncryptedTextField()
    previous_secret = EncryptedTextField(blank=True, default="")
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = EndpointQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        # The host alone: a URL's path or query may hold something its owner keeps secret.
        return f"{urlsplit(self.url).hostname or '?'} (endpoint {self.pk})"

    def secrets_now(self) -> list[str]:
        """The secrets that sign a message now: the current, and the previous in its grace."""
        keep_previous = (
            self.previous_secret
            and self.previous_secret_until is not None
            and timezone.now() < self.previous_secret_until
        )
        return [self.secret, self.previous_secret] if keep_previous else [self.secret]


class EventDeliveryQuerySet(TenantQuerySet["EventDelivery"]):
    reseller_field = "endpoint__reseller"


class EventDelivery(models.Model):
    """One event for one endpoint: the outbox row, written in the transaction of the change."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Given up")

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    # The webhook-id header: the same for every try of this event, so receivers can drop repeats.
    event_id = models.CharField(max_length=40)
    kind = models.CharField(max_length=40)
    id_instance = models.BigIntegerField(null=True, blank=True)
    # Deliveries of one endpoint with the same key go out one at a time, in id order: one
    # instance's events (or one order's) arrive in the order they happened.
    ordering_key = models.CharField(max_length=64)
    body = models.TextField()  # the exact JSON sent (and signed)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    give_up_at = models.DateTimeField()
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = EventDeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-pk"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["endpoint", "ordering_key", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.event_id} to endpoint {self.endpoint_id} ({self.status})"
