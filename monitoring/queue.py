"""How deep the task queue is: what /readyz and /metrics say about it."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from huey.contrib import djhuey

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class QueueDepth:
    pending: int  # waiting for a worker
    scheduled: int  # to run later: retries and delayed tasks


def depth() -> QueueDepth | None:
    """The queue's depth, or None when its storage (Redis, the SQLite file) does not answer."""
    huey = djhuey.HUEY  # read at call time: tests swap in a queue whose storage is down
    try:
        return QueueDepth(pending=huey.pending_count(), scheduled=huey.scheduled_count())
    except Exception:
        # Redis and SQLite fail with exceptions of their own; any of them means "not there".
        logger.warning("The task queue did not answer", exc_info=True)
        return None
