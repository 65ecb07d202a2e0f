"""The e-mail that says an endpoint was disabled: to its creator and its reseller's contact."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from events.models import Endpoint


def endpoint_disabled_mail(endpoint: Endpoint) -> int:
    """Send it to each address once, in each one's language; returns how many were sent."""
    recipients: dict[str, str] = {}  # address -> language
    creator = endpoint.created_by
    if creator is not None and creator.is_active and creator.email:
        recipients[creator.email.lower()] = creator.language or settings.LANGUAGE_CODE
    if endpoint.reseller is not None and endpoint.reseller.contact_email:
        recipients.setdefault(endpoint.reseller.contact_email.lower(), settings.LANGUAGE_CODE)
    path = reverse("events:detail", args=[endpoint.pk])
    context = {"endpoint": endpoint, "url": f"{settings.PUBLIC_BASE_URL}{path}"}
    sent = 0
    for address, language in recipients.items():
        with translation.override(language):
            subject = render_to_string("events/email/disabled_subject.txt", context)
            body = render_to_string("events/email/disabled_body.txt", context)
        sent += EmailMessage(" ".join(subject.split()), body, None, [address]).send()
    return sent
