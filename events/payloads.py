"""What an event says: small JSON, the same for every endpoint. Never a token."""

from __future__ import annotations

import json
from datetime import UTC, datetime

# The facts an event may carry beside the standard ones; anything else is dropped, so a
# careless caller cannot leak a secret into a payload.
EXTRA_FIELDS = frozenset({"order_id", "name", "reason", "link_id", "test"})


def _time(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def event_body(
    *,
    kind: str,
    at: datetime,
    id_instance: int | None,
    reseller_id: int | None,
    old_state: str = "",
    new_state: str = "",
    extra: dict[str, object] | None = None,
) -> str:
    """The JSON body, as sent and signed."""
    data: dict[str, object] = {
        "instance_id": id_instance,
        "reseller_id": reseller_id,
        "old_state": old_state or None,
        "new_state": new_state or None,
        "time": _time(at),
    }
    data |= {key: value for key, value in (extra or {}).items() if key in EXTRA_FIELDS}
    return json.dumps({"type": kind, "timestamp": _time(at), "data": data}, separators=(",", ":"))
