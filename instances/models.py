from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from functools import cache
from typing import Any, Self

from django.conf import settings
from django.db import models
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.tenancy import TenantQuerySet
from core.fields import EncryptedTextField


class InstanceQuerySet(TenantQuerySet["Instance"]):
    """Instances belong to their reseller (accounts/tenancy.py says who sees which)."""


class CreateOrderQuerySet(TenantQuerySet["CreateOrder"]):
    def open(self) -> CreateOrderQuerySet:
        """Orders whose create has not been settled yet (claimed, or waiting for Green API)."""
        return self.filter(status__in=[CreateOrder.Status.CLAIMED, CreateOrder.Status.PENDING])


class InstanceCountQuerySet(TenantQuerySet["InstanceCount"]):
    reseller_field = "reseller_key"


class BulkJobQuerySet(TenantQuerySet["BulkJob"]):
    pass


class OnboardingLinkQuerySet(TenantQuerySet["OnboardingLink"]):
    reseller_field = "instance__reseller"


class InstanceState(models.TextChoices):
    """An instance's last known state (Instance.State)."""

    UNKNOWN = "", _("Unknown")
    CREATING = "creating", _("Being created")
    NOT_AUTHORIZED = "notAuthorized", _("Not linked")
    AUTHORIZED = "authorized", _("Linked")
    BLOCKED = "blocked", _("Blocked")
    SLEEP_MODE = "sleepMode", _("Sleep mode")
    STARTING = "starting", _("Starting")
    YELLOW_CARD = "yellowCard", _("Yellow card")
    SUSPENDED = "suspended", _("Suspended")
    PENDING_CODE = "pendingCode", _("Waiting for code")
    PENDING_PASSWORD = "pendingPassword", _("Waiting for password")


# States in which a phone is linked (getWaSettings then knows its number).
LINKED_STATES = frozenset({InstanceState.AUTHORIZED, InstanceState.YELLOW_CARD})


# The sort keys of the list page (instances/selectors.py), here because the indexes of Instance
# must match them exactly. A missing date sorts last both ways: it stands in as the earliest
# date when sorting newest first and as the latest when oldest first, so no key is ever NULL
# and a page's cursor is a plain (key, id) pair the index can seek to.
_EARLIEST = Value(datetime(1, 1, 1, tzinfo=UTC))
_LATEST = Value(datetime(9999, 12, 31, tzinfo=UTC))
CREATED_DESC = Coalesce("time_created", _EARLIEST)
CREATED_ASC = Coalesce("time_created", _LATEST)
CHANGED_DESC = Coalesce("state_changed_at", _EARLIEST)
CHANGED_ASC = Coalesce("state_changed_at", _LATEST)
NAME_KEY = Lower("name")
# Sorting by state groups the rows in the alphabetical order of the English labels (no language
# is active while models load, so str() gives the English one): the index must not depend on a
# reader's language.
STATE_RANK = Case(
    *(
        When(state=value, then=Value(rank))
        for rank, (value, _label) in enumerate(
            sorted(InstanceState.choices, key=lambda choice: str(choice[1]))
        )
    ),
    default=Value(len(InstanceState.choices)),
    output_field=IntegerField(),
)


def longest_standing(since: str) -> Coalesce:
    """The attention list's sort key for a condition's rows (instances/attention.py): the
    earliest `since` first, an unknown one before all. Its indexes (Instance.Meta) are on this
    very expression: SQLite's indexes cannot say NULLS FIRST, and PostgreSQL's keep nulls last."""
    return Coalesce(since, _EARLIEST)


# The one sort with an index led by the reseller (below): a reseller user's rows in this order
# are one range of it.
TENANT_SORT = "-created"


@cache
def _attnames(model: type[models.Model], field_names: tuple[str, ...]) -> tuple[str, ...]:
    """The attributes of the columns `field_names` name (Django gives a foreign key's name
    or its attname, e.g. "reseller" or "reseller_id")."""
    attname = {key: f.attname for f in model._meta.concrete_fields for key in (f.name, f.attname)}
    return tuple(attname[name] for name in field_names)


class Instance(models.Model):
    """The local mirror of one partner instance, as listed by getInstances."""

    class Type(models.TextChoices):
        WHATSAPP = "whatsapp", "WhatsApp"
        TELEGRAM = "telegram", "Telegram"
        MAX = "v3", "MAX"

    State = InstanceState

    # Fields of getInstances (docs/greenapi.md §2.2).
    id_instance = models.BigIntegerField(primary_key=True)
    name = models.CharField(max_length=255, blank=True)
    type_instance = models.CharField(max_length=16, choices=Type.choices, default=Type.WHATSAPP)
    type_account = models.CharField(max_length=64, blank=True)
    partner_user_uiid = models.CharField(max_length=64, blank=True)
    time_created = models.DateTimeField(null=True, blank=True)
    time_deleted = models.DateTimeField(null=True, blank=True)
    api_token = EncryptedTextField(blank=True)
    deleted = models.BooleanField(default=False)
    tariff = models.CharField(max_length=64, blank=True)
    is_free = models.BooleanField(default=False)
    is_partner = models.BooleanField(default=False)
    expiration_date = models.DateTimeField(null=True, blank=True)
    is_expired = models.BooleanField(default=False)

    # What the portal adds.
    reseller = models.ForeignKey(
        "accounts.Reseller",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="instances",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state = models.CharField(
        max_length=32, blank=True, choices=State.choices, default=State.UNKNOWN
    )
    state_changed_at = models.DateTimeField(null=True, blank=True)
    # When the state was last confirmed (for a webhook: when Green API says it happened), and
    # how: older news never overwrites newer (services/state.py).
    state_checked_at = models.DateTimeField(null=True, blank=True)
    state_source = models.CharField(max_length=16, blank=True)  # a StateChange.Source value
    # When the worker should confirm the state next (services/state_refresh.py); an index makes
    # "which are due" cheap at any size.
    state_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    phone = models.CharField(max_length=32, blank=True)
    # The digest (core/crypto.py token_digest) of the webhookUrlToken the portal gave Green API
    # for this instance, when its webhook URL is the portal's own: webhooks are authenticated
    # with it, and the token itself is never needed again. Empty otherwise.
    webhook_token_hash = models.CharField(max_length=64, blank=True)
    # What Green API last said by webhook (quotaExceeded, deviceInfo: docs/greenapi.md §3.13):
    # the free plan's used-up quota and the phone's device, each with when it said so. Shown only.
    quota_exceeded_at = models.DateTimeField(null=True, blank=True)
    quota_exceeded = models.JSONField(default=dict, blank=True)
    device_info_at = models.DateTimeField(null=True, blank=True)
    device_info = models.JSONField(default=dict, blank=True)
    # "Looks connected but isn't" (services/signals.py): when the worker last asked a linked
    # instance's socket status and outgoing queue, since when the socket says offline, the
    # queue's length then, and since when it has kept growing.
    signals_checked_at = models.DateTimeField(null=True, blank=True)
    offline_since = models.DateTimeField(null=True, blank=True)
    queue_size = models.PositiveIntegerField(default=0)
    queue_growing_since = models.DateTimeField(null=True, blank=True)
    # Set while one request deletes the instance, so another sends nothing (services/delete.py).
    delete_started_at = models.DateTimeField(null=True, blank=True)
    # Absent from getInstances answers since this time, and from how many answers in a row: one
    # answer that leaves an instance out proves nothing, so it is deleted only after several.
    missing_since = models.DateTimeField(null=True, blank=True)
    missing_count = models.PositiveIntegerField(default=0)
    # A keyed digest of the getInstances item these fields were last written from
    # (services/sync_fingerprint.py): an unchanged item is skipped without reading the row or
    # decrypting its token. Empty when any other writer changed a mirrored field since.
    sync_fingerprint = models.CharField(max_length=32, blank=True, default="", editable=False)

    objects = InstanceQuerySet.as_manager()

    class Meta:
        ordering = ["-time_created", "-id_instance"]
        # One index for each order of the list page (instances/list_order.py), so a page walks
        # an index from its cursor and stops after 51 rows, whatever the size of the mirror.
        # Descending orders scan their ascending index backwards; the dates' nulls-last keys
        # differ by direction, so they have one index each. The trigram indexes of the search
        # are PostgreSQL's only (migration 0012).
        indexes = [
            models.Index(fields=["reseller", "deleted"]),
            models.Index(fields=["state"]),
            models.Index(
                CREATED_DESC.desc(), F("id_instance").desc(), name="instance_created_desc"
            ),
            models.Index(CREATED_ASC, "id_instance", name="instance_created_asc"),
            models.Index(
                CHANGED_DESC.desc(), F("id_instance").desc(), name="instance_changed_desc"
            ),
            models.Index(CHANGED_ASC, "id_instance", name="instance_changed_asc"),
            models.Index(NAME_KEY, "id_instance", name="instance_name_sort"),
            models.Index(STATE_RANK, "id_instance", name="instance_state_sort"),
            # A reseller user's default view: their own rows, newest first (TENANT_SORT).
            models.Index(
                "reseller",
                CREATED_DESC.desc(),
                F("id_instance").desc(),
                name="instance_reseller_newest",
            ),
            # ... and in one state: a page of that state is an index range, where the two
            # indexes above meet only in a bitmap of every such row, sorted.
            models.Index(
                "reseller",
                "state",
                CREATED_DESC.desc(),
                F("id_instance").desc(),
                name="instance_reseller_state_newest",
            ),
            # The attention list (instances/attention.py): each condition's rows, longest
            # standing first, read from an index that stops after a page and a capped count,
            # instead of every live row sorted. Partial: only the rows a condition can match.
            models.Index(
                "state",
                longest_standing("state_changed_at"),
                "id_instance",
                condition=Q(deleted=False),
                name="attention_state_since",
            ),
            models.Index(
                longest_standing("state_checked_at"),
                "id_instance",
                condition=Q(deleted=False),
                name="attention_unconfirmed",
            ),
            models.Index(
                longest_standing("offline_since"),
                "id_instance",
                condition=Q(deleted=False, offline_since__isnull=False),
                name="attention_offline",
            ),
            models.Index(
                longest_standing("queue_growing_since"),
                "id_instance",
                condition=Q(deleted=False, queue_growing_since__isnull=False),
                name="attention_queue_growing",
            ),
            models.Index(
                longest_standing("expiration_date"),
                "id_instance",
                condition=Q(deleted=False, is_expired=True),
                name="attention_expired",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name or 'Instance'} ({self.id_instance})"

    @classmethod
    def from_db(
        cls, db: str | None, field_names: Collection[str], values: Collection[Any], **kwargs: Any
    ) -> Self:
        """A row read with some columns only (the list's rows, `.only()`): set just those.

        Django's own path walks all 35 fields for each row and marks the unread ones deferred;
        a field is deferred when its attribute is absent, so setting the read ones is the same
        instance, in a fifth of the time (most of an API list page's model building).
        """
        if len(values) == len(cls._meta.concrete_fields):
            return super().from_db(db, field_names, values, **kwargs)
        new = cls.__new__(cls)
        new._state = models.base.ModelState()
        new._state.adding, new._state.db = False, db
        new.__dict__.update(zip(_attnames(cls, tuple(field_names)), values, strict=True))
        return new


class InstanceCount(models.Model):
    """How many instances have one combination of what the list filters on.

    Written only by database triggers on instances_instance (migration 0012), never by Python,
    so every writer (sync, webhooks, actions, bulk updates) keeps it right. On PostgreSQL one
    key may have several rows: a trigger adds to a row no other transaction holds, or starts a
    new one, so concurrent writers never wait for each other here. Readers sum the rows.
    """

    reseller_key = models.BigIntegerField()  # the reseller's id; 0 for no reseller
    state = models.CharField(max_length=32, blank=True)
    type_instance = models.CharField(max_length=16)
    deleted = models.BooleanField()
    is_expired = models.BooleanField()
    n = models.BigIntegerField(default=0)

    objects = InstanceCountQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["reseller_key", "state"], name="instance_count_key")]

    def __str__(self) -> str:
        return f"{self.n} of reseller {self.reseller_key} in state {self.state!r}"


class SyncState(models.Model):
    """The one row that records how fresh the mirror is and guards against parallel syncs."""

    running_since = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return f"Sync state (last success {self.last_success_at})"

    @classmethod
    def get(cls) -> SyncState:
        state, _ = cls.objects.get_or_create(pk=1)
        return state


class CreateOrder(models.Model):
    """One paid createInstance, claimed by the form's key before Green API is called.

    The UNIQUE key makes a double submit, a browser retry or a second server process find the
    first order instead of paying for a second instance.
    """

    class Status(models.TextChoices):
        CLAIMED = "claimed", _("Creating")
        PENDING = "pending", _("Waiting for Green API")
        DONE = "done", _("Created")
        FAILED = "failed", _("Not created")

    class Reason(models.TextChoices):
        """Why an order is pending or failed: what Green API last did, so the page's headline
        says what really happened (templates/instances/order.html)."""

        NONE = "", _("None")
        UNREACHABLE = "unreachable", _("Green API could not be reached")
        UNANSWERED = "unanswered", _("Green API did not answer in time")
        REFUSED = "refused", _("Green API refused")
        NOT_LISTED = "not_listed", _("Green API never listed it")
        UNMATCHED = "unmatched", _("Listed, but not told apart from another order's")
        CLOSED = "closed", _("Closed by staff after a check")

    key = models.UUIDField(unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CLAIMED)
    name = models.CharField(max_length=255)
    type_instance = models.CharField(max_length=16, blank=True)
    reseller = models.ForeignKey(
        "accounts.Reseller", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    instance = models.OneToOneField(
        Instance, null=True, blank=True, on_delete=models.SET_NULL, related_name="create_order"
    )
    message = models.CharField(max_length=500, blank=True)
    reason = models.CharField(max_length=16, choices=Reason.choices, blank=True, default="")
    # The digest of the webhookUrlToken sent with the create when the portal's webhook URL was
    # given; the instance takes it when the order completes (services/create.py).
    webhook_token_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    objects = CreateOrderQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"Create order {self.key} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in {self.Status.CLAIMED, self.Status.PENDING}


class StateChange(models.Model):
    """One change of an instance's state, for its timeline."""

    class Source(models.TextChoices):
        CHECK = "check", _("Checked on a page")
        POLL = "poll", _("Checked by the worker")
        WEBHOOK = "webhook", _("Green API notification")
        ACTION = "action", _("Portal action")

    instance = models.ForeignKey(Instance, on_delete=models.CASCADE, related_name="state_changes")
    state = models.CharField(max_length=32, blank=True, choices=Instance.State.choices)
    previous_state = models.CharField(max_length=32, blank=True, choices=Instance.State.choices)
    source = models.CharField(max_length=16, choices=Source.choices)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]
        # By instance for its timeline; by time for the last hour's changes of all instances
        # (the attention list's flapping: instances/attention.py).
        indexes = [
            models.Index(fields=["instance", "-at"]),
            models.Index(fields=["at"]),
            # The attention list's "logged out": the logout behind each instance's current
            # state, among the logouts alone. The history grows for good; they stay few.
            models.Index(
                fields=["instance", "at"],
                condition=Q(
                    state=InstanceState.NOT_AUTHORIZED, previous_state__in=sorted(LINKED_STATES)
                ),
                name="statechange_logged_out",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instance_id}: {self.previous_state} -> {self.state}"


class OnboardingLink(models.Model):
    """A customer link: lets someone without an account link a phone to one instance.

    Only the SHA-256 of the link's random token is stored; the link itself is shown once, when
    it is issued. Its status follows from the timestamps (see `status_at`).
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        USED = "used", _("Used")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")

    instance = models.ForeignKey(
        Instance, on_delete=models.CASCADE, related_name="onboarding_links"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)
    last_opened_at = models.DateTimeField(null=True, blank=True)

    objects = OnboardingLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["instance", "-created_at"])]

    def __str__(self) -> str:
        return f"Customer link {self.pk} for instance {self.instance_id}"

    @property
    def status(self) -> str:
        return self.status_at(timezone.now())

    def status_at(self, now: datetime) -> str:
        """Revoked beats used beats expired: the strongest reason the link no longer works."""
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.used_at is not None:
            return self.Status.USED
        if now >= self.expires_at:
            return self.Status.EXPIRED
        return self.Status.ACTIVE


class AttentionMark(models.Model):
    """An item of the attention list that a person has handled, with what they did.

    Keyed by the item's condition, subject and start (instances/attention.py `item_key`): when
    the condition ends and comes back it starts anew, under another key, and shows again.
    """

    key = models.CharField(max_length=100, unique=True)
    note = models.CharField(max_length=500, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at = models.DateTimeField()
    # The subject's tenant, for the audit trail and for clearing a reseller's marks.
    reseller = models.ForeignKey(
        "accounts.Reseller", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    def __str__(self) -> str:
        return f"Handled: {self.key}"


class BulkJob(models.Model):
    """One action on many instances, run by the worker (instances/services/bulk.py)."""

    class Action(models.TextChoices):
        REBOOT = "reboot", _("Reboot")
        LOGOUT = "logout", pgettext_lazy("instance action", "Log out")
        LINKS = "links", _("Issue customer links")
        SETTINGS = "settings", _("Apply settings")
        DELETE = "delete", _("Delete")

    action = models.CharField(max_length=16, choices=Action.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The requester's reseller, for tenancy (a reseller user's jobs are their reseller's).
    reseller = models.ForeignKey(
        "accounts.Reseller", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Customer links: how long each is valid, and the site's address as the requester reached
    # it (the worker has no request to build absolute links from).
    link_hours = models.PositiveIntegerField(default=0)
    link_base = models.CharField(max_length=300, blank=True)
    # Settings: the chosen ones as JSON (wire names), encrypted because a webhook token or URL
    # can be a secret, and erased once every instance is finished; the names alone, to show.
    settings_changes = EncryptedTextField(blank=True)
    settings_summary = models.CharField(max_length=500, blank=True)

    objects = BulkJobQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Bulk {self.action} {self.pk}"


class BulkItem(models.Model):
    """One instance of a bulk job, and what became of it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        SKIPPED = "skipped", _("Skipped")
        FAILED = "failed", _("Failed")

    job = models.ForeignKey(BulkJob, on_delete=models.CASCADE, related_name="items")
    instance = models.ForeignKey(Instance, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    message = models.CharField(max_length=500, blank=True)
    # An issued customer link, kept encrypted until its job's requester downloads the CSV once.
    link_url = EncryptedTextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "instance"], name="bulk_item_once_per_job")
        ]
        indexes = [models.Index(fields=["job", "status"])]

    def __str__(self) -> str:
        return f"{self.job_id}/{self.instance_id}: {self.status}"


class SentTestMessage(models.Model):
    """A test message sent from the portal to prove a linked instance sends (issue 11).

    `chat_id` is the recipient's full chat id, needed only to read the status back (getMessage
    takes it): it is kept encrypted and erased once the status is final. Pages and the audit
    log show `recipient_masked` only.
    """

    class Status(models.TextChoices):
        SENDING = "sending", _("Sending to Green API")
        QUEUED = "queued", _("Accepted by Green API")
        PENDING = "pending", _("Waiting in the queue")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        READ = "read", _("Read")
        FAILED = "failed", _("Not sent")
        UNKNOWN = "unknown", _("Unknown")

    FINAL = frozenset({Status.DELIVERED, Status.READ, Status.FAILED, Status.UNKNOWN})

    instance = models.ForeignKey(Instance, on_delete=models.CASCADE, related_name="test_messages")
    id_message = models.CharField(max_length=64, blank=True, default="")
    chat_id = EncryptedTextField(blank=True, default="")
    recipient_masked = models.CharField(max_length=32)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SENDING)
    # Why it failed, in words (Green API's error, or the webhook's failure status).
    failure = models.CharField(max_length=255, blank=True, default="")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    status_at = models.DateTimeField(default=timezone.now)
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["instance", "-created_at"])]

    def __str__(self) -> str:
        return f"Test message {self.pk} to {self.recipient_masked}: {self.status}"

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL
