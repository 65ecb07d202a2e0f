"""When an e-mail may go: quiet hours and the daily digest, in each person's time zone."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from alerts.models import AlertPreference
from core.zones import zone


def quiet_until(now: datetime, *, start: time, end: time, tz: ZoneInfo) -> datetime | None:
    """The end of the quiet hours `now` falls in, or None outside them (or none set)."""
    if start == end:
        return None
    local = now.astimezone(tz)
    at = local.time()
    quiet = start <= at < end if start < end else (at >= start or at < end)
    if not quiet:
        return None
    day = local.date() if at < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=tz)


def next_digest_at(now: datetime, *, tz: ZoneInfo) -> datetime:
    """The next daily digest time (ALERT_DIGEST_HOUR, local) after `now`."""
    local = now.astimezone(tz)
    at = datetime.combine(local.date(), time(settings.ALERT_DIGEST_HOUR), tzinfo=tz)
    return at if at > local else at + timedelta(days=1)


def send_at(now: datetime, preference: AlertPreference | None) -> tuple[datetime, bool]:
    """When an alert for someone with `preference` goes out, and whether in their digest."""
    if preference is None:
        return now, False  # a reseller's contact address: at once, at any hour
    tz = zone(preference.time_zone)
    if preference.mode == AlertPreference.Mode.DIGEST:
        return next_digest_at(now, tz=tz), True
    if preference.quiet_start is not None and preference.quiet_end is not None:
        until = quiet_until(now, start=preference.quiet_start, end=preference.quiet_end, tz=tz)
        if until is not None:
            return until, False
    return now, False
