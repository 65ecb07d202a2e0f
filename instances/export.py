"""The instance list as CSV: every row the filters select, streamed, never a token.

Times are ISO 8601 in UTC, whatever the page shows. A cell that a spreadsheet would run as a
formula (it starts with =, +, - or @) is written with a leading apostrophe: a customer chooses
instance names, and a name like =HYPERLINK(...) must stay text on the reader's machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils import translation

from accounts.permissions import Action, can
from core.csv_export import csv_lines, spreadsheet_text
from instances.models import Instance
from instances.selectors import InstanceFilters, instances_matching

if TYPE_CHECKING:
    from accounts.models import User

CHUNK = 2000  # rows fetched at a time: memory stays flat however many match
# Exports stay in English whatever the reader's language: the labels are read once, in English.
with translation.override("en"):
    _STATES = {value: str(label) for value, label in Instance.State.choices}
    _MESSENGERS = {value: str(label) for value, label in Instance.Type.choices}


def export_rows(*, user: User, filters: InstanceFilters) -> Iterator[str]:
    """The CSV text of the instances `user` may see that `filters` select, a line at a time."""
    with_reseller = can(user, Action.SEE_ALL_TENANTS)
    header = ["id", "name", "messenger", "state", "state_changed_at", "state_checked_at"]
    header += ["phone", "created_at", "expires_at", "expired", "deleted", "deleted_at"]
    fields = ["id_instance", "name", "type_instance", "state", "state_changed_at"]
    fields += ["state_checked_at", "phone", "time_created", "expiration_date", "is_expired"]
    fields += ["deleted", "time_deleted"]
    if with_reseller:
        header.append("reseller")
        fields.append("reseller__name")
    rows = instances_matching(user=user, filters=filters).values_list(*fields)
    cells = (
        [_cell(field, value) for field, value in zip(fields, row, strict=True)]
        for row in rows.iterator(chunk_size=CHUNK)
    )
    return csv_lines(header, cells)


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
    return spreadsheet_text(text)
