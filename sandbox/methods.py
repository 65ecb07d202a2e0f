"""The wire methods the emulator knows: canonical names, HTTP verbs and rate limits."""

from dataclasses import dataclass


@dataclass(frozen=True)
class WireMethod:
    name: str  # spelled as in docs/greenapi.md; the URL segment is matched case-insensitively
    verbs: frozenset[str]
    rps: int | None  # per instance, sliding 1 s window; None: not limited


_GET = frozenset({"GET"})
_POST = frozenset({"POST"})

PARTNER_METHODS: dict[str, WireMethod] = {
    m.name.lower(): m
    for m in (
        WireMethod("createInstance", _POST, None),
        # 2022 Postman notes say POST works too (docs/greenapi.md §1.1).
        WireMethod("getInstances", frozenset({"GET", "POST"}), None),
        WireMethod("deleteInstanceAccount", _POST, None),
    )
}

INSTANCE_METHODS: dict[str, WireMethod] = {
    m.name.lower(): m
    for m in (
        WireMethod("getStateInstance", _GET, 1),
        WireMethod("qr", _GET, 3),
        WireMethod("getAuthorizationCode", _POST, 1),
        WireMethod("logout", _GET, 1),
        WireMethod("reboot", _GET, 1),
        WireMethod("getSettings", _GET, 1),
        WireMethod("setSettings", _POST, 1),
        WireMethod("getWaSettings", _GET, 1),
        WireMethod("getStatusInstance", _GET, 1),
        WireMethod("sendMessage", _POST, 50),
        WireMethod("showMessagesQueue", _GET, 1),
        WireMethod("getMessage", _POST, 10),
    )
}

ALL_METHODS: dict[str, WireMethod] = {**PARTNER_METHODS, **INSTANCE_METHODS}


def lookup(table: dict[str, WireMethod], raw: str) -> WireMethod | None:
    """Find a method by its URL segment, ignoring case like the real service."""
    return table.get(raw.lower())
