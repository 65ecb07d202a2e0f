"""What a `Transport` tells an observer about each HTTP request it makes to Green API.

The client stays plain Python: it knows nothing of metrics. A caller that wants them (the portal
wires prometheus-client counters in instances/greenapi_factory.py) passes an `observer`, a
function that receives one `CallEvent` per HTTP attempt. A GET retried twice is three events,
because each is a request Green API saw and counted against its rate limits.

An event carries no URL, token, payload or answer, only what is safe to count and label: the
method name, how the attempt ended and how long it took. An observer that raises is logged and
ignored: metrics must never break a call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

OK = "ok"


@dataclass(frozen=True, slots=True)
class CallEvent:
    """One HTTP attempt of one Green API call.

    Attributes:
        method: the Green API method ("getStateInstance", "getInstances", ...).
        verb: "GET" or "POST".
        outcome: "ok", or the `kind` of the error the attempt ended with ("rate_limited",
            "timeout", "unavailable", "bad_response", ...; see greenapi/errors.py).
        seconds: from sending the request to having read (or given up on) the whole answer.
        status: the HTTP status, or None when no answer arrived.
        attempt: 1 for the first attempt, 2 for the first retry, ...
    """

    method: str
    verb: str
    outcome: str
    seconds: float
    status: int | None
    attempt: int


Observer = Callable[[CallEvent], None]
