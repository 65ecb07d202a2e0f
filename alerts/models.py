"""Alerts by e-mail: one Alert per transition, one Delivery per alert and recipient.

An alert's `key` names its transition (the StateChange it came from, or the stuck condition
and when it began), so however many workers see the transition it is stored once, and its
deliveries with it. A delivery is claimed with a conditional UPDATE before it is sent
(alerts/services/deliver.py), so no two workers send the same one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Reseller
from accounts.tenancy import TenantQuerySet
from instances.models import Instance, StateChange


class AlertKind(models.TextChoices):
    # "Logged out" is also a person leaving the portal (the audit log): the phone's, here.
    LOGGED_OUT = "logged_out", pgettext_lazy("phone", "Logged out")
    BLOCKED = "blocked", _("Blocked")
    YELLOW_CARD = "yellow_card", _("Yellow card")
    STUCK = "stuck", _("Stuck starting")
    RECOVERED = "recovered", _("Back to normal")


class AlertQuerySet(TenantQuerySet["Alert"]):
    pass


class Alert(models.Model):
    """One transition of one instance that people are told about."""

    key = models.CharField(max_length=80, unique=True)
    kind = models.CharField(max_length=16, choices=AlertKind.choices)
    instance = models.ForeignKey(Instance, on_delete=models.CASCADE, related_name="+")
    # The owner when it happened: a later reassignment does not hand over its history.
    reseller = models.ForeignKey(
        Reseller, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state_change = models.ForeignKey(
        StateChange, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    since = models.DateTimeField()  # when the condition began
    created_at = models.DateTimeField(default=timezone.now)

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-since", "-id"]
        indexes = [models.Index(fields=["instance", "-since"])]

    def __str__(self) -> str:
        return self.key

    @property
    def is_problem(self) -> bool:
        return self.kind != AlertKind.RECOVERED


class DeliveryQuerySet(TenantQuerySet["Delivery"]):
    reseller_field = "alert__reseller"


class Delivery(models.Model):
    """One alert to one address: pending until sent, retried with backoff, or failed."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    class Audience(models.TextChoices):
        CONTACT = "contact", _("Reseller's contact")
        RESELLER_USER = "reseller_user", _("Reseller user")
        STAFF = "staff", _("Partner staff")

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="deliveries")
    email = models.EmailField()  # lower case: one delivery per address
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    audience = models.CharField(max_length=16, choices=Audience.choices)
    digest = models.BooleanField(default=False)  # sent with others in one daily e-mail
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    # Which run holds it while it is sent, and until when (a killed run's claim runs out).
    claim = models.CharField(max_length=32, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=255, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["alert", "email"], name="delivery_once_per_address")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.alert_id} to {self.email}: {self.status}"


class AlertPreference(models.Model):
    """What one person wants to be told, how, and when not (no row: told nothing)."""

    class Mode(models.TextChoices):
        INSTANT = "instant", _("At once")
        DIGEST = "digest", _("In a daily digest")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_preference"
    )
    enabled = models.BooleanField(_("E-mail me alerts"), default=False)
    logged_out = models.BooleanField(pgettext_lazy("phone", "Logged out"), default=True)
    blocked = models.BooleanField(_("Blocked"), default=True)
    yellow_card = models.BooleanField(_("Yellow card"), default=True)
    stuck = models.BooleanField(_("Stuck starting"), default=True)
    recovered = models.BooleanField(_("Back to normal"), default=True)
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.INSTANT)
    # Instant alerts that fall between these times wait until the end (none when unset).
    quiet_start = models.TimeField(null=True, blank=True)
    quiet_end = models.TimeField(null=True, blank=True)
    time_zone = models.CharField(max_length=64, default="UTC")

    def __str__(self) -> str:
        return f"alerts of user {self.user_id}"

    def wants(self, kind: str) -> bool:
        return self.enabled and bool(getattr(self, kind))


class AlertCursor(models.Model):
    """How far the alert job has read the state changes (one row)."""

    last_change_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"state changes read up to {self.last_change_id}"
