"""How fresh the mirror's knowledge of a state is: "checked 2 min ago", or stale.

Each state has a target: how long it may go unconfirmed (`next_check_in`, services/state.py:
5 s while being created, starting or onboarding, 30 s after a change, STATE_MAX_AGE otherwise).
A state confirmed longer ago than twice its target is stale, and pages say so, so that an old
"Linked" is never taken for a fine one. `stale_states` is the same rule as a filter, for counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache, lru_cache

from django.conf import settings
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from instances.models import Instance, StateChange
from instances.services.state import (
    ONBOARDING_WINDOW,
    RECENT_CHANGE,
    RECENT_EVERY,
    URGENT_EVERY,
    URGENT_STATES,
    next_check_in,
)

STALE_FACTOR = 2


@cache
def _source_labels(language: str | None) -> dict[str, str]:
    """Labels by value, in `language`: Source(...).label and Source.values cost microseconds a
    row on the list (the caller is in that language when it asks)."""
    return {value: str(label) for value, label in StateChange.Source.choices}


@dataclass(frozen=True)
class Freshness:
    checked_at: datetime | None
    source: str  # how it was last confirmed, in words ("" when never)
    age: timedelta | None
    target: timedelta
    stale: bool  # never confirmed, or longer ago than twice the target


@lru_cache(maxsize=4096)
def _days_ago(language: str | None, days: int) -> str:
    """The plural form `days` takes in `language`."""
    with translation.override(language):
        return ngettext("%(num)s day ago", "%(num)s days ago", days)


class AgeWords:
    """ "12 s ago", "2 min ago", "3 h ago", "4 days ago", in the language active when it is
    made: its phrases translated once, for a page that says an age on every row."""

    def __init__(self) -> None:
        self._seconds = _("%(num)s s ago")
        self._minutes = _("%(num)s min ago")
        self._hours = _("%(num)s h ago")
        self._language = translation.get_language()

    def __call__(self, age: timedelta) -> str:
        seconds = max(0, int(age.total_seconds()))
        if seconds < 60:
            return self._seconds % {"num": seconds}
        if seconds < 3600:
            return self._minutes % {"num": seconds // 60}
        if seconds < 48 * 3600:
            return self._hours % {"num": seconds // 3600}
        days = seconds // 86400
        return _days_ago(self._language, days) % {"num": days}


def age_text(age: timedelta) -> str:
    """`age` as a person would say it, in the current language (`AgeWords`)."""
    return AgeWords()(age)


def state_freshness(
    instance: Instance, *, now: datetime | None = None, language: str | None = None
) -> Freshness:
    """When and how the instance's state was last confirmed, and whether that is too long ago.

    `language`: the current one, when the caller knows it (looking it up costs more than the
    rest, on a list of many rows)."""
    now = now or timezone.now()
    target = next_check_in(
        state=instance.state,
        changed_at=instance.state_changed_at,
        created_at=instance.time_created,
        now=now,
    )
    checked_at = instance.state_checked_at
    if checked_at is None:
        return Freshness(None, "", None, target, stale=True)
    source = instance.state_source
    label = _source_labels(language or translation.get_language()).get(source, "")
    age = now - checked_at
    return Freshness(checked_at, label, age, target, stale=age > STALE_FACTOR * target)


def stale_states(now: datetime | None = None) -> Q:
    """Live instances whose state is stale at `now` (`state_freshness(...).stale`, in SQL)."""
    now = now or timezone.now()
    urgent = Q(state__in=URGENT_STATES) | Q(
        state=Instance.State.NOT_AUTHORIZED, time_created__gt=now - ONBOARDING_WINDOW
    )
    recent = Q(state_changed_at__gt=now - RECENT_CHANGE)
    max_age = timedelta(seconds=settings.STATE_MAX_AGE)

    def older_than(target: timedelta) -> Q:
        return Q(state_checked_at__lt=now - STALE_FACTOR * target)

    return Q(deleted=False) & (
        Q(state_checked_at__isnull=True)
        | (urgent & older_than(URGENT_EVERY))
        | (~urgent & recent & older_than(RECENT_EVERY))
        | (~urgent & ~recent & older_than(max_age))
    )
