"""The emulator's state. It lives in the database so every process and restart sees one truth."""

from django.db import models


class EmulatedInstance(models.Model):
    """One fake Green API instance, as the upstream would hold it."""

    id_instance = models.BigIntegerField(primary_key=True)
    # Plain text on purpose: this is a fake upstream, not the portal's own secret store.
    api_token = models.CharField(max_length=50)
    type_instance = models.CharField(max_length=16)
    name = models.CharField(max_length=255)
    created_at = models.DateTimeField()
    deleted_at = models.DateTimeField(null=True, blank=True)
    is_expired = models.BooleanField(default=False)
    # The writable keys of getSettings/setSettings, with their wire names.
    settings = models.JSONField(default=dict)

    # The state the instance rests in; `effective_state()` overlays the creation window and
    # reboots on top of it.
    state = models.CharField(max_length=16, default="notAuthorized")
    # Where a control-forced, open-ended "starting" returns to after a reboot.
    state_before_starting = models.CharField(max_length=16, blank=True, default="")
    starting_until = models.DateTimeField(null=True, blank=True)
    phone = models.BigIntegerField(null=True, blank=True)
    # Survives deleteInstanceAccount: upstream leaves the phone linked (docs/greenapi.md §2.3).
    device_linked = models.BooleanField(default=False)

    # QR session: payloads are derived from the seed and the 20 s rotation since `qr_epoch`.
    qr_seed = models.CharField(max_length=64)
    qr_epoch = models.DateTimeField()

    # "Looks connected but isn't" (control API `outgoing`): getStatusInstance says offline even
    # while authorized, and the outgoing queue is not sent.
    status_offline = models.BooleanField(default=False)
    # The queue accepts messages but sends none (issue #791); it grows until this is cleared.
    queue_stalled = models.BooleanField(default=False)
    # The status a message reaches once sent: "delivered", or "sent"/"read"/"failed"/... .
    deliver_as = models.CharField(max_length=16, default="delivered")

    auth_code = models.CharField(max_length=8, blank=True, default="")
    auth_code_phone = models.BigIntegerField(null=True, blank=True)
    auth_code_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id_instance"]

    def __str__(self) -> str:
        return f"{self.type_instance} {self.id_instance}"


class Fault(models.Model):
    """A failure the control API asked the emulator to inject into matching wire calls."""

    method = models.CharField(max_length=32)  # canonical method name or "*"
    kind = models.CharField(max_length=16)
    remaining = models.PositiveIntegerField(null=True, blank=True)  # None: no count limit
    rate = models.FloatField(null=True, blank=True)  # None: every matching call
    after = models.BooleanField(default=False)
    seconds = models.FloatField(default=30.0)
    # Wrapped as {"value": ...} so that an explicit JSON null differs from "no override".
    body = models.JSONField(null=True, blank=True)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    id_instance = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} on {self.method}"


class CallCounter(models.Model):
    """How many wire calls a method received, per instance (0 when the call names none)."""

    method = models.CharField(max_length=32)
    id_instance = models.BigIntegerField(default=0)
    count = models.PositiveBigIntegerField(default=0)
    # Seconds since the epoch of the latest call, and the shortest time between two calls:
    # "at most N calls a second" is checked against that, without keeping every call.
    last_at = models.FloatField(null=True)
    shortest_gap = models.FloatField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["method", "id_instance"], name="sandbox_call_unique")
        ]

    def __str__(self) -> str:
        return f"{self.method}@{self.id_instance}: {self.count}"


class RateHit(models.Model):
    """One accepted call inside the sliding rate-limit window."""

    id_instance = models.BigIntegerField()
    method = models.CharField(max_length=32)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["id_instance", "method", "at"])]

    def __str__(self) -> str:
        return f"{self.method}@{self.id_instance} {self.at:%H:%M:%S.%f}"


class SyntheticListing(models.Model):
    """One row: how many made-up instances getInstances adds after the real ones (the control
    API's `listing`). They are generated as the answer streams, never stored."""

    count = models.PositiveIntegerField(default=0)
    # Every `rename_every`-th synthetic instance (0: none) gets `name_suffix` after its name,
    # so a test or benchmark can change a known share of the listing between two answers.
    rename_every = models.PositiveIntegerField(default=0)
    name_suffix = models.CharField(max_length=32, blank=True, default="")

    def __str__(self) -> str:
        return f"{self.count} synthetic instances"


class OutgoingMessage(models.Model):
    """One message accepted by sendMessage: queued ("pending") until the instance sends it."""

    # The row id keeps queue order (FIFO) even for messages queued within one clock tick.
    id_message = models.CharField(max_length=32, unique=True)
    id_instance = models.BigIntegerField()
    # The request's fields as accepted (chatId, message, linkPreview, quotedMessageId, ...).
    body = models.JSONField()
    status = models.CharField(max_length=16, default="pending")
    queued_at = models.DateTimeField()
    status_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["id_instance", "status"])]

    def __str__(self) -> str:
        return f"{self.id_message} ({self.status})"
