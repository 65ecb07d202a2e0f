"""Dates for pages that show many: the language's formats (partnerportal/formats) run as
strftime patterns.

Django's dateformat reads its format letter by letter on every call, several times slower
than strftime, and the instance list formats a few dates on each of its rows. The portal's
formats use only the letters translated here; `when` (core/templatetags/clock.py) stays the
one filter for Django templates, and this module answers the same text.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from functools import cache

from django.utils import formats, translation

# Django's date format letters that the portal's formats use, as strftime directives.
_STRFTIME = str.maketrans(
    {"Y": "%Y", "m": "%m", "d": "%d", "H": "%H", "i": "%M", "s": "%S", "T": "%Z"}
)


@cache
def strftime_pattern(language: str | None, format_name: str, *, seconds: bool = False) -> str:
    """The language's `format_name` as a strftime pattern; `seconds` adds them to the time,
    as `when`'s "s" does."""
    pattern = str(formats.get_format(format_name, lang=language))
    if seconds:
        pattern = pattern.replace("H:i", "H:i:s")
    return pattern.translate(_STRFTIME)


class LocalDates:
    """Formats moments in `zone`, in the language active when it is made (looked up once:
    the lookup costs more than formatting a date)."""

    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone
        self.language = translation.get_language()

    def format(
        self,
        value: datetime | None,
        format_name: str = "SHORT_DATE_FORMAT",
        *,
        seconds: bool = False,
    ) -> str:
        """`value` in the zone and the format `format_name`; "" for None."""
        if value is None:
            return ""
        pattern = strftime_pattern(self.language, format_name, seconds=seconds)
        return value.astimezone(self.zone).strftime(pattern)
