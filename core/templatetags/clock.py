"""`when`: a moment in the current time zone, labelled with it ("2026-07-01 12:30 MSK").

In the language's DATETIME_FORMAT (partnerportal/formats: "01.07.2026 12:30 MSK" in Russian).
The one format for times on pages (Django templates here, Jinja2 through partnerportal/jinja2.py).
The zone is the user's (accounts/middleware.py); exports keep UTC.
"""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import formats, timezone
from django.utils.dateformat import format as date_format

register = template.Library()


@register.filter
def when(value: datetime | None, precision: str = "") -> str:
    """`value` in the current zone with its label; "s" adds seconds; "" for None."""
    if not value:
        return ""
    pattern = str(formats.get_format("DATETIME_FORMAT"))
    if precision == "s":
        pattern = pattern.replace("H:i", "H:i:s")
    return date_format(timezone.localtime(value), pattern)
