"""Green API's date-times (`YYYY-MM-DDTHH:MM:SS`, no zone) as aware UTC datetimes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
    r"(Z|[+-]\d{2}:?\d{2})?"
)


def parse_time(value: str) -> tuple[bool, datetime | None]:
    """Parse a Green API time (`YYYY-MM-DDTHH:MM:SS`, no zone) into an aware UTC datetime.

    The zone of these times is not documented upstream; we assume UTC. A time that does carry a
    zone (`Z` or an offset) is honoured. The Go zero time `0001-01-01T00:00:00` (getInstances'
    "never", see `NEVER`) and an empty string give None. (False, None) for anything else.
    """
    if value == "":
        return True, None
    if len(value) == 19 and value[10] == "T" and value[13] == ":" and value[16] == ":":
        # The usual form, 7 times faster than the pattern below (a sync converts 300,000 at
        # 100,000 instances): parsed with its zone appended, as `replace(tzinfo=)` costs 5 times
        # what the parse does.
        fast = _plain(value)
        if fast is not None:
            return True, None if fast.year == 1 else fast
    match = _TIME.fullmatch(value)
    if match is None:
        return False, None
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    if year == 1:
        return True, None
    micro = int((match.group(7) or "0")[:6].ljust(6, "0"))
    zone = _zone(match.group(8))
    if zone is None:
        return False, None
    try:
        result = datetime(year, month, day, hour, minute, second, micro, tzinfo=zone)
        result = result.astimezone(UTC)
    except (ValueError, OverflowError):
        return False, None
    return True, result


def _zone(raw: str | None) -> timezone | None:
    if raw is None or raw == "Z":
        return UTC
    sign = -1 if raw[0] == "-" else 1
    digits = raw[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 23 or minutes > 59:
        return None
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _plain(value: str) -> datetime | None:
    """`YYYY-MM-DDTHH:MM:SS` (no room for a zone) as UTC, or None to let the full pattern
    decide."""
    try:
        return datetime.fromisoformat(value + "+00:00")
    except ValueError:
        return None
