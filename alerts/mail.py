"""The alert e-mails: what happened, what to do (the recovery guides), and links to act."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

from alerts.models import Alert, AlertKind
from instances.attention import Kind
from instances.recovery import GUIDES, Guide


def absolute_url(path: str) -> str:
    """The portal's address of `path` (PUBLIC_BASE_URL; without it, the path alone)."""
    return f"{settings.PUBLIC_BASE_URL}{path}"


def guide_of(alert: Alert) -> Guide | None:
    return None if alert.kind == AlertKind.RECOVERED else GUIDES[Kind(alert.kind)]


def _context(alert: Alert) -> dict[str, object]:
    pk = alert.instance_id
    return {
        "alert": alert,
        "instance": alert.instance,
        "guide": guide_of(alert),
        "instance_url": absolute_url(reverse("instances:detail", args=[pk])),
        # Where a customer link is issued and sent: one click from the e-mail.
        "connect_url": absolute_url(reverse("instances:connect", args=[pk])),
    }


def alert_message(alert: Alert, *, to: str, contact: bool = False) -> EmailMessage:
    """One alert, on its own; `contact`: to a reseller's contact address, not a person's."""
    context = {
        **_context(alert),
        "contact": contact,
        "settings_url": absolute_url(reverse("alerts:settings")),
    }
    subject = render_to_string("alerts/email/alert_subject.txt", context)
    body = render_to_string("alerts/email/alert_body.txt", context)
    return EmailMessage(" ".join(subject.split()), body, None, [to])


def digest_message(alerts: Sequence[Alert], *, to: str) -> EmailMessage:
    """Several alerts in one e-mail, by reseller, oldest first."""
    ordered = sorted(alerts, key=lambda a: ((a.reseller.name if a.reseller else ""), a.since))
    context = {
        "items": [_context(alert) for alert in ordered],
        "settings_url": absolute_url(reverse("alerts:settings")),
    }
    subject = render_to_string("alerts/email/digest_subject.txt", context)
    body = render_to_string("alerts/email/digest_body.txt", context)
    return EmailMessage(" ".join(subject.split()), body, None, [to])
