"""`when`: a moment in the current time zone, labelled with it ("2026-07-01 12:30 MSK").

The one format for times on pages (Django templates here, Jinja2 through partnerportal/jinja2.py).
The zone is the user's (accounts/middleware.py); exports keep UTC.
"""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format

register = template.Library()

_FORMATS = {"": "Y-m-d H:i T", "s": "Y-m-d H:i:s T"}


@register.filter
def when(value: datetime | None, precision: str = "") -> str:
    """`value` in the current zone with its label; "s" adds seconds; "" for None."""
    if not value:
        return ""
    return date_format(timezone.localtime(value), _FORMATS.get(precision, _FORMATS[""]))
