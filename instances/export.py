"""The instance list as CSV: every row the filters select, streamed, never a token.

Times are ISO 8601 in UTC, whatever the page shows. A cell that a spreadsheet would run as a
formula (it starts with =, +, - or @) is written with a leading apostrophe: a customer chooses
instance names, and a name like =HYPERLINK(...) must stay text on the reader's machine.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from accounts.permissions import Action, can
from instances.models import Instance
from instances.selectors import InstanceFilters, instances_matching

if TYPE_CHECKING:
    from accounts.models import User

CHUNK = 2000  # rows fetched at a time: memory stays flat however many match
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_STATES = dict(Instance.State.choices)
_MESSENGERS = dict(Instance.Type.choices)


class _Line:
    """A file-like object whose write returns what was written: csv.writer's output, row by row."""

    def write(self, value: str) -> str:
        return value


def export_rows(*, user: User, filters: InstanceFilters) -> Iterator[str]:
    """The CSV text of the instances `user` may see that `filters` select, a line at a time."""
    with_reseller = can(user, Action.SEE_ALL_TENANTS)
    writer = csv.writer(_Line())
    header = ["id", "name", "messenger", "state", "state_changed_at", "state_checked_at"]
    header += ["phone", "created_at", "expires_at", "expired", "deleted", "deleted_at"]
    fields = ["id_instance", "name", "type_instance", "state", "state_changed_at"]
    fields += ["state_checked_at", "phone", "time_created", "expiration_date", "is_expired"]
    fields += ["deleted", "time_deleted"]
    if with_reseller:
        header.append("reseller")
        fields.append("reseller__name")
    yield writer.writerow(header)
    rows = instances_matching(user=user, filters=filters).values_list(*fields)
    for row in rows.iterator(chunk_size=CHUNK):
        yield writer.writerow(
            [_cell(field, value) for field, value in zip(fields, row, strict=True)]
        )


def _cell(field: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    if field == "state":
        return _STATES.get(text, text) if text else "Unknown"
    if field == "type_instance":
        return _MESSENGERS.get(text, text)
    if field == "phone" and text:
        return "+" + text
    return "'" + text if text.startswith(_FORMULA_STARTS) else text
