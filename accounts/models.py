import time
from binascii import unhexlify
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_otp.models import Device, ThrottlingMixin
from django_otp.oath import TOTP

from accounts.audit_actions import audit_action_label
from accounts.managers import UserManager
from accounts.tenancy import TenantQuerySet, sees_all_tenants
from core.fields import EncryptedTextField


class ResellerQuerySet(TenantQuerySet["Reseller"]):
    reseller_field = "pk"


class Reseller(models.Model):
    """An organisation that resells instances and only ever sees its own."""

    name = models.CharField(max_length=120, unique=True)
    contact_email = models.EmailField(blank=True)
    is_active = models.BooleanField(default=True)
    instance_quota = models.PositiveIntegerField(
        default=10, help_text="The most non-deleted instances this reseller may have."
    )
    # What the reseller owes the partner for one instance-day (billing/rules.py); NULL: the
    # default, settings.BILLING_DAY_PRICE. In settings.BILLING_CURRENCY.
    day_price = models.DecimalField(
        max_digits=10,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Price per instance-day; empty for the default.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ResellerQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    class Role(models.TextChoices):
        ADMIN = "admin", _("Partner admin")
        SUPPORT = "support", _("Support agent")
        RESELLER = "reseller", _("Reseller user")

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.RESELLER)
    reseller = models.ForeignKey(
        Reseller, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    # Pages show times in this zone; "" means the partner's (PARTNER_TIME_ZONE).
    time_zone = models.CharField(max_length=64, blank=True, default="")
    # Pages speak this language; "" means the browser's (Accept-Language, or the switcher's
    # cookie). Set by the language switcher (accounts/views/language.py).
    language = models.CharField(max_length=8, blank=True, default="", choices=settings.LANGUAGES)

    objects: ClassVar[UserManager] = UserManager()  # as django-stubs declares it on AbstractUser

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="reseller_user_has_reseller",
                condition=(models.Q(role="reseller", reseller__isnull=False))
                | (~models.Q(role="reseller") & models.Q(reseller__isnull=True)),
            ),
            # People log in with their e-mail too, so one address must mean one account.
            models.UniqueConstraint(
                Lower("email"), condition=~models.Q(email=""), name="user_email_ci_unique"
            ),
        ]

    @property
    def is_staff_role(self) -> bool:
        """Partner staff (admins and support agents) see every tenant (accounts/tenancy.py)."""
        return sees_all_tenants(self)


class AuditEvent(models.Model):
    """One thing someone did or tried: who, as what, on what, with which result, when, from where.

    Written only through `accounts.audit.audit_record`. Never holds a secret.
    """

    class Result(models.TextChoices):
        OK = "ok", pgettext_lazy("audit result", "OK")
        DENIED = "denied", pgettext_lazy("audit result", "Denied")
        FAILED = "failed", pgettext_lazy("audit result", "Failed")

    created_at = models.DateTimeField(default=timezone.now)  # aware, stored in UTC
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Snapshots: the event keeps saying what was true when it happened.
    actor_username = models.CharField(max_length=150, blank=True)
    actor_role = models.CharField(max_length=16, blank=True)
    actor_reseller = models.ForeignKey(
        Reseller, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The tenant the event belongs to: reseller users read only their own reseller's events.
    reseller = models.ForeignKey(
        Reseller, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_events"
    )
    action = models.CharField(max_length=64)
    result = models.CharField(max_length=8, choices=Result.choices, default=Result.OK)
    detail = models.CharField(max_length=255, blank=True)
    target_type = models.CharField(max_length=32, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=255, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    # The name of the API token the request came with ("" for the pages): what did it.
    via_token = models.CharField(max_length=100, blank=True, default="")

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="audit_recent"),
            models.Index(fields=["reseller", "-created_at"], name="audit_tenant_recent"),
            models.Index(fields=["action", "-created_at"], name="audit_action_recent"),
            models.Index(fields=["target_type", "target_id"], name="audit_target"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_username or '-'} {self.action}"

    @property
    def action_label(self) -> str:
        """The action as a sentence a person reads (accounts/audit_actions.py)."""
        return audit_action_label(self.action)


class TOTPDevice(ThrottlingMixin, Device):
    """A TOTP authenticator whose secret is encrypted at rest.

    django-otp's own TOTPDevice keeps the key as plain hex; this one keeps it in an
    EncryptedTextField (FIELD_ENCRYPTION_KEYS) and otherwise verifies the same way.
    """

    # Failed codes wait 1, 2, 4 ... seconds, at most 2**(MAX_THROTTLE_STEPS - 1): never forever.
    MAX_THROTTLE_STEPS = 10

    key = EncryptedTextField(help_text="The hex-encoded secret, encrypted at rest.")
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    # The time step of the last accepted code, so a code is never accepted twice.
    last_t = models.BigIntegerField(default=-1)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta(Device.Meta):
        verbose_name = "TOTP device"

    def __repr__(self) -> str:
        # The default repr would be harmless, but keep the key out of any debug output.
        return f"<TOTPDevice {self.pk} user={self.user_id} confirmed={self.confirmed}>"

    @property
    def bin_key(self) -> bytes:
        return unhexlify(self.key.encode())

    def get_throttle_factor(self) -> int:
        return 1

    def throttle_increment(self, commit: bool = True) -> None:
        self.throttling_failure_timestamp = timezone.now()
        self.throttling_failure_count = min(
            self.throttling_failure_count + 1, self.MAX_THROTTLE_STEPS
        )
        if commit:
            self.save()

    def verify_token(self, token: object) -> bool:
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        token = str(token).strip()
        verified = False
        if token.isascii() and token.isdigit() and len(token) == self.digits:
            totp = TOTP(self.bin_key, self.step, self.t0, self.digits, self.drift)
            totp.time = time.time()
            verified = totp.verify(int(token), self.tolerance, self.last_t + 1)
        if verified:
            self.last_t = totp.t()
            self.drift = totp.drift
            self.throttle_reset(commit=False)
            self.save()
        else:
            self.throttle_increment(commit=True)
        return verified


class ResellerBrand(models.Model):
    """What a reseller's customers see on a customer link's page: its name, logo and contact.

    The logo lives in the database, re-encoded (accounts/branding.py): every web replica serves
    it with no shared volume, and backups hold it with the rest. It is served under `logo_name`,
    random and changed on every upload, never a name a user chose.
    """

    reseller = models.OneToOneField(
        Reseller, primary_key=True, on_delete=models.CASCADE, related_name="brand"
    )
    display_name = models.CharField(max_length=80, blank=True)
    support_phone = models.CharField(max_length=32, blank=True)
    support_email = models.EmailField(blank=True)
    support_url = models.URLField(max_length=200, blank=True)
    logo = models.BinaryField(null=True, blank=True)
    logo_type = models.CharField(max_length=16, blank=True)
    logo_name = models.CharField(max_length=48, null=True, blank=True, unique=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.display_name or f"brand of reseller {self.reseller_id}"
