"""Tell a whole getInstances answer from one that lost instances, before anything trusts it.

getInstances lists every instance of the account, deleted ones for 3 months (docs/greenapi.md
§2.2), so an active instance of the mirror can leave the list only long after an answer showed it
`deleted: true`. An answer that leaves out many of them at once is broken, not the truth: the
sync keeps the mirror and order settling keeps its orders open.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import formats
from django.utils.translation import ngettext

from instances.models import Instance

# Green API's times carry no zone (docs/greenapi.md §2.2); allow for clocks that disagree.
CLOCK_SKEW = timedelta(minutes=5)


def expected_condition(*, fetched_at: datetime) -> Q:
    """Mirror rows an answer fetched at `fetched_at` must list (active, and not brand new)."""
    # A row created after the list was fetched is missing from it, not gone.
    return Q(deleted=False) & (
        Q(time_created__isnull=True) | Q(time_created__lt=fetched_at - CLOCK_SKEW)
    )


def expected_in_listing(*, fetched_at: datetime) -> QuerySet[Instance]:
    return Instance.objects.filter(expected_condition(fetched_at=fetched_at))


class ListingTally:
    """How much of the mirror one answer lists, counted as its items stream by."""

    def __init__(self, expected: set[int]) -> None:
        self.total = len(expected)
        self._unlisted = expected  # shrinks as the answer lists them

    @classmethod
    def of_mirror(cls, *, fetched_at: datetime) -> ListingTally:
        return cls(set(expected_in_listing(fetched_at=fetched_at).values_list("pk", flat=True)))

    def listed(self, id_instance: int) -> None:
        self._unlisted.discard(id_instance)

    @property
    def unlisted(self) -> set[int]:
        """The expected rows the answer has not listed (so far)."""
        return self._unlisted

    def refusal(self) -> str:
        """Why this answer must not be applied (it lost too much of the mirror), or ""."""
        total = self.total
        seen = total - len(self._unlisted)
        if total == 0:
            return ""
        sharp = (
            total >= settings.SYNC_SHRINK_MIN_INSTANCES
            and seen < total * settings.SYNC_SHRINK_REFUSE_RATIO
        )
        if seen and not sharp:
            return ""
        # Kept in English (SyncState.last_error, the logs); pages translate it (`refusal_text`).
        return REFUSAL.format(seen=seen, total=total)


# Why a sync's answer was not applied, as the worker keeps it (it has no reader's language).
REFUSAL = (
    "Kept the mirror: Green API listed {seen} of {total} instances, which looks like an "
    "incomplete answer. Nothing was marked deleted; the next sync tries again."
)
_REFUSAL_READ = re.compile(
    re.escape(REFUSAL).replace(r"\{seen\}", r"(\d+)").replace(r"\{total\}", r"(\d+)")
)


def refusal_text(stored: str) -> str | None:
    """A refusal kept in English (`ListingTally.refusal`), in the current language; None when
    `stored` is not one."""
    match = _REFUSAL_READ.fullmatch(stored)
    if match is None:
        return None
    seen, total = (int(group) for group in match.groups())
    text = ngettext(
        "Kept the mirror: Green API listed %(seen)s of %(num)s instance, which looks like an "
        "incomplete answer. Nothing was marked deleted; the next sync tries again.",
        "Kept the mirror: Green API listed %(seen)s of %(num)s instances, which looks like an "
        "incomplete answer. Nothing was marked deleted; the next sync tries again.",
        total,
    )
    return text % {"seen": formats.number_format(seen), "num": formats.number_format(total)}
