"""Time zones: the names a person may choose, and a name turned into a zone."""

from __future__ import annotations

from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

ZONE_NAMES = tuple(sorted(available_timezones() | {"UTC"}))


@cache
def zone(name: str) -> ZoneInfo:
    """The named time zone; UTC for a name this machine does not know."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
