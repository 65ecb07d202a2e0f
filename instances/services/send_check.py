"""A test message: prove that a linked instance really sends (issue 11, "A test message").

sendMessage only queues (docs/greenapi.md §3.14), so the send is followed by reading the
message's status from the journal (getMessage, §3.16) while a page watches, until it is
delivered, read or known to have failed. One test message per instance per
`TEST_MESSAGE_INTERVAL`: far below Green API's 50 sendMessage calls a second, because each one
lands on a real person's phone.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.audit import audit_record
from accounts.models import AuditEvent, User
from core.errors import ApplicationError
from greenapi import GreenAPIError, personal_chat_id
from instances.greenapi_factory import instance_client
from instances.models import Instance, SentTestMessage
from instances.services.errors import explain, refuse_if_deleted

logger = logging.getLogger(__name__)

TEST_MESSAGE_TEXT = "Test message from Partner Portal: this WhatsApp line can send."
TEST_MESSAGE_INTERVAL = timedelta(seconds=30)
# Pages poll the status this long after the send; later, a reload shows the last known one.
WATCH_WINDOW = timedelta(minutes=2)
# Several open tabs poll the same message: Green API is asked at most this often.
CHECK_SPACING = timedelta(seconds=1.5)
DOING = gettext_noop("send a test message")
_JOURNAL_STATUSES = {
    "pending": SentTestMessage.Status.PENDING,
    "sent": SentTestMessage.Status.SENT,
    "delivered": SentTestMessage.Status.DELIVERED,
    "read": SentTestMessage.Status.READ,
}


def mask_phone(phone: str) -> str:
    """`79001234567` → `+7900•••••67`: enough to recognise a number, not to dial it."""
    hidden = max(len(phone) - 6, 1)
    return f"+{phone[:4]}{'•' * hidden}{phone[4 + hidden :]}"


def instance_test_message_send(
    *, instance: Instance, user: User, phone: str, request: HttpRequest | None = None
) -> SentTestMessage:
    """Queue the test message to `phone` (digits with country code); one audit event."""
    refuse_if_deleted(instance, doing=_(DOING))
    if instance.type_instance != Instance.Type.WHATSAPP:
        # A phone number is a chat id only on WhatsApp (docs/greenapi.md §3.14).
        raise ApplicationError(
            _("Could not send a test message: test messages are for WhatsApp instances.")
        )
    if instance.state != Instance.State.AUTHORIZED:
        raise ApplicationError(
            _(
                "Could not send a test message: no phone is linked to this instance (it is "
                "'%(state)s'). Link a phone first."
            )
            % {"state": instance.get_state_display()}
        )
    chat_id = personal_chat_id(phone)
    message = _claim(instance=instance, user=user, chat_id=chat_id, masked=mask_phone(phone))
    try:
        id_message = instance_client(instance).send_message(chat_id, TEST_MESSAGE_TEXT)
    except GreenAPIError as exc:
        logger.info("Test message of instance %s failed: %s", instance.pk, exc.message)
        text = explain(exc, instance=instance, doing=_(DOING))
        _failed(message, exc, text)
        audit_record(
            action="instance.test_message",
            request=request,
            actor=user,
            target=instance,
            result=AuditEvent.Result.FAILED,
            detail=f"to {message.recipient_masked}: {text}",
        )
        raise ApplicationError(text) from None
    message.id_message = id_message
    _set_status(message, SentTestMessage.Status.QUEUED)
    audit_record(
        action="instance.test_message",
        request=request,
        actor=user,
        target=instance,
        detail=f"to {message.recipient_masked}, idMessage {id_message}",
    )
    return message


def _claim(*, instance: Instance, user: User, chat_id: str, masked: str) -> SentTestMessage:
    """The message's row, written before calling out so two clicks cannot both send."""
    now = timezone.now()
    with transaction.atomic():
        # The instance row serialises two sends (SQLite: one writer at a time anyway).
        Instance.objects.select_for_update().filter(pk=instance.pk).first()
        latest = (
            SentTestMessage.objects.filter(
                instance=instance, created_at__gt=now - TEST_MESSAGE_INTERVAL
            )
            .order_by("-created_at")
            .first()
        )
        if latest is not None:
            wait = int((latest.created_at + TEST_MESSAGE_INTERVAL - now).total_seconds()) + 1
            raise ApplicationError(
                _(
                    "Could not send a test message: one was sent to this instance less than "
                    "%(interval)s seconds ago. Try again in %(wait)s s."
                )
                % {"interval": int(TEST_MESSAGE_INTERVAL.total_seconds()), "wait": wait}
            )
        return SentTestMessage.objects.create(
            instance=instance,
            chat_id=chat_id,
            recipient_masked=masked,
            sent_by=user,
            created_at=now,
            status_at=now,
        )


def _failed(message: SentTestMessage, exc: GreenAPIError, text: str) -> None:
    if exc.outcome_unknown:
        # It may have been queued anyway: keep the slot taken, show "unknown".
        message.failure = text
        _set_status(message, SentTestMessage.Status.UNKNOWN)
    else:
        # Nothing was sent: free the slot so a corrected attempt can follow at once.
        message.delete()


def instance_test_message_refresh(*, message: SentTestMessage) -> SentTestMessage:
    """Read the status from Green API's journal, unless final, just read, or no longer watched."""
    now = timezone.now()
    if message.is_final or not message.id_message or not is_watched(message):
        return message
    if message.checked_at is not None and now - message.checked_at < CHECK_SPACING:
        return message
    message.checked_at = now
    message.save(update_fields=["checked_at"])
    try:
        journal = instance_client(message.instance).get_message(message.chat_id, message.id_message)
    except GreenAPIError as exc:
        # A missed check is retried on the next poll; the page keeps the last known status.
        logger.info("Test message status of %s not read: %s", message.instance_id, exc.message)
        return message
    if journal is None or journal.status not in _JOURNAL_STATUSES:
        return message  # not journaled yet (issue #505), or failed (only the webhook tells)
    new = _JOURNAL_STATUSES[journal.status]
    if _RANK[new] > _RANK[message.status]:
        _set_status(message, new)
    return message


# How far along a status is: a webhook or journal answer never moves a message back.
_RANK: dict[str, int] = {
    SentTestMessage.Status.SENDING: 0,
    SentTestMessage.Status.QUEUED: 0,
    SentTestMessage.Status.UNKNOWN: 0,
    SentTestMessage.Status.PENDING: 1,
    SentTestMessage.Status.SENT: 2,
    SentTestMessage.Status.DELIVERED: 3,
    SentTestMessage.Status.READ: 4,
    SentTestMessage.Status.FAILED: 5,
}
# The webhook's failure statuses (docs/greenapi.md §3.17), in words. Webhooks come with no
# reader's language: kept in English, translated when shown (_test_message_status.html).
_FAILURES = {
    "failed": gettext_noop("WhatsApp's server refused the message."),
    "noAccount": gettext_noop("This number has no WhatsApp account."),
    "notInGroup": gettext_noop("The instance is not a member of that group."),
    "yellowCard": gettext_noop(
        "WhatsApp has suspended sending from this number for suspected spam (a yellow card)."
    ),
}


def instance_test_message_status_record(
    *, instance: Instance, id_message: str, status: str, description: str
) -> bool | None:
    """Apply an outgoingMessageStatus webhook; None when it is not a portal test message.

    The journal never shows failures (issue #613): this is the only way the portal learns one.
    """
    message = SentTestMessage.objects.filter(instance=instance, id_message=id_message).first()
    if message is None:
        return None
    if status in _FAILURES:
        new = SentTestMessage.Status.FAILED
        message.failure = _FAILURES[status] + (f" ({description})" if description else "")
    elif status in _JOURNAL_STATUSES:
        new = _JOURNAL_STATUSES[status]
    else:
        return False
    if message.status == SentTestMessage.Status.FAILED or _RANK[new] <= _RANK[message.status]:
        return False
    _set_status(message, new)
    return True


def is_watched(message: SentTestMessage) -> bool:
    """Whether pages still poll this message's status (its first two minutes)."""
    return not message.is_final and timezone.now() - message.created_at < WATCH_WINDOW


def _set_status(message: SentTestMessage, status: str) -> None:
    message.status = status
    message.status_at = timezone.now()
    if message.is_final:
        message.chat_id = ""  # the full number is needed no longer (see the model)
    message.save(update_fields=["id_message", "status", "status_at", "chat_id", "failure"])


def latest_test_message(instance: Instance) -> SentTestMessage | None:
    """The instance's most recent test message, for its pages."""
    return SentTestMessage.objects.filter(instance=instance).order_by("-created_at", "-id").first()
