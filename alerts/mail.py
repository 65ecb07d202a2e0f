"""The alert e-mails: what happened, what to do (the recovery guides), and links to act.

Each e-mail is written in its recipient's language: the user's own (User.language), else the
partner's default (LANGUAGE_CODE), which is also the language of a reseller's contact address.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from alerts.models import Alert, AlertKind
from instances.attention import Kind
from instances.recovery import GUIDES, Guide


def absolute_url(path: str) -> str:
    """The portal's address of `path` (PUBLIC_BASE_URL; without it, the path alone)."""
    return f"{settings.PUBLIC_BASE_URL}{path}"


def guide_of(alert: Alert) -> Guide | None:
    return None if alert.kind == AlertKind.RECOVERED else GUIDES[Kind(alert.kind)]


def recipient_language(user: User | None) -> str:
    """The language of `user`'s e-mails: their own, else the partner's default."""
    return (user.language if user is not None else "") or settings.LANGUAGE_CODE


def _instance_label(alert: Alert) -> str:
    """ "Name (id, reseller)": names and numbers, the same in every language."""
    instance = alert.instance
    about = [str(instance.pk), *([str(alert.reseller)] if alert.reseller else [])]
    return f"{instance.name or instance.pk} ({', '.join(about)})"


def _context(alert: Alert) -> dict[str, object]:
    pk = alert.instance_id
    return {
        "alert": alert,
        "instance": alert.instance,
        "instance_label": _instance_label(alert),
        "guide": guide_of(alert),
        "instance_url": absolute_url(reverse("instances:detail", args=[pk])),
        # Where a customer link is issued and sent: one click from the e-mail.
        "connect_url": absolute_url(reverse("instances:connect", args=[pk])),
    }


def _message(name: str, context: dict[str, object], *, to: str, language: str) -> EmailMessage:
    """The e-mail of templates alerts/email/<name>_subject.txt and _body.txt, in `language`."""
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"alerts/email/{name}_subject.txt", context)
        body = render_to_string(f"alerts/email/{name}_body.txt", context)
    return EmailMessage(" ".join(subject.split()), body, None, [to])


def alert_message(
    alert: Alert, *, to: str, contact: bool = False, language: str = ""
) -> EmailMessage:
    """One alert, on its own; `contact`: to a reseller's contact address, not a person's;
    `language`: the recipient's ("" for the partner's default)."""
    context = {
        **_context(alert),
        "contact": contact,
        "settings_url": absolute_url(reverse("alerts:settings")),
    }
    return _message("alert", context, to=to, language=language)


def digest_message(alerts: Sequence[Alert], *, to: str, language: str = "") -> EmailMessage:
    """Several alerts in one e-mail, by reseller, oldest first."""
    ordered = sorted(alerts, key=lambda a: ((a.reseller.name if a.reseller else ""), a.since))
    context: dict[str, object] = {
        "items": [_context(alert) for alert in ordered],
        "settings_url": absolute_url(reverse("alerts:settings")),
    }
    return _message("digest", context, to=to, language=language)
