"""What each row of the instance list says, worked out in Python, its phrases translated once.

A page shows up to a few hundred rows. Every translation, filter and call in a Jinja2 row goes
through the template runtime, a few microseconds each: at 70 µs a row they were most of the
page's time, and the reason a page of fifty rows cost more than a page of five. Here a row is
made of ready text (`ListRow`) and templates/jinja2/instances/_rows.html only places it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from django.utils.translation import gettext, pgettext

from core.dates import LocalDates
from instances.models import Instance
from instances.state_freshness import AgeWords, Freshness, state_freshness


@dataclass(frozen=True, slots=True)
class CheckedNote:
    """When a state was last confirmed (templates/jinja2/instances/_state_checked.html)."""

    text: str  # "checked 2 min ago", "Stale: checked 3 h ago", "Never checked"
    title: str  # the moment and how: "Last confirmed 2026-07-01 12:30:05 MSK (by webhook)"
    stale: bool


@dataclass(slots=True)  # not frozen: fifty a page, and a frozen one costs twice as much to make
class ListRow:
    instance: Instance
    select_label: str  # the row's checkbox, for a screen reader
    messenger: str
    state: str  # the state's label, or "Deleted"
    changed: str  # "changed 2 days ago", "" when unknown
    changed_title: str  # the moment it changed
    checked: CheckedNote | None  # None for a deleted instance: nothing to confirm
    created: str
    created_title: str  # with the time
    expires: str


class RowWords:
    """The phrases of the list's rows in the active language, and the moment and zone they
    speak of. Also the detail page's `{% state_checked %}` (instances/templatetags/)."""

    def __init__(self, *, now: datetime, zone: tzinfo) -> None:
        self.now = now
        self.dates = LocalDates(zone)
        self.ago = AgeWords()
        self.states = {value: str(label) for value, label in Instance.State.choices}
        self.messengers = {value: str(label) for value, label in Instance.Type.choices}
        self.deleted = gettext("Deleted")
        self._select = gettext("Select %(id)s")
        self._changed = gettext("changed %(ago)s")
        self._checked = gettext("checked %(age)s")
        self._stale = gettext("Stale: checked %(age)s")
        self._confirmed = gettext("Last confirmed %(when)s")
        self._confirmed_how = gettext("Last confirmed %(when)s (%(source)s)")
        self._never = gettext("Never checked")
        # "Expired" says other things elsewhere (an expired link, a session).
        self.expired = pgettext("an instance", "Expired")

    def checked(self, freshness: Freshness) -> CheckedNote:
        if freshness.checked_at is None or freshness.age is None:
            return CheckedNote(self._never, "", stale=True)
        age = self.ago(freshness.age)
        text = (self._stale if freshness.stale else self._checked) % {"age": age}
        when = self.dates.format(freshness.checked_at, "DATETIME_FORMAT", seconds=True)
        if freshness.source:
            # The source reads as the end of a sentence: "(checked by the worker)".
            source = freshness.source[:1].lower() + freshness.source[1:]
            title = self._confirmed_how % {"when": when, "source": source}
        else:
            title = self._confirmed % {"when": when}
        return CheckedNote(text, title, stale=freshness.stale)

    def row(self, instance: Instance) -> ListRow:
        changed_at, created_at = instance.state_changed_at, instance.time_created
        if instance.deleted:
            state, checked = self.deleted, None
        else:
            state = self.states.get(instance.state, "")
            freshness = state_freshness(instance, now=self.now, language=self.dates.language)
            checked = self.checked(freshness)
        return ListRow(
            instance=instance,
            select_label=self._select % {"id": instance.id_instance},
            messenger=self.messengers.get(instance.type_instance, ""),
            state=state,
            changed=self._changed % {"ago": self.ago(self.now - changed_at)} if changed_at else "",
            changed_title=self.dates.format(changed_at, "DATETIME_FORMAT"),
            checked=checked,
            created=self.dates.format(created_at),
            created_title=self.dates.format(created_at, "SHORT_DATETIME_FORMAT"),
            expires=self.dates.format(instance.expiration_date),
        )
