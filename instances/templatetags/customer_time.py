"""`local_time`: a moment on a customer's page, shown in the customer's own time zone.

A customer has no account and so no zone of their own on the server: the page sends the moment
as `<time datetime="…Z">` (UTC, ISO 8601) and static/js/local_time.js rewrites its text in the
browser's zone and the page's language. The text sent is the fallback for a browser without
JavaScript: the partner's zone, labelled (core/templatetags/clock.py `when`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from core.templatetags.clock import when

register = template.Library()


def utc_iso(value: datetime) -> str:
    """`value` in UTC, ISO 8601 to the second with a Z: what a `<time datetime>` holds."""
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@register.filter
def local_time(value: datetime | None) -> SafeString | str:
    """`<time datetime="2026-12-01T18:30:00Z" data-local>…</time>`; "" for None."""
    if not value:
        return ""
    return format_html('<time datetime="{}" data-local>{}</time>', utc_iso(value), when(value))
