"""The deploy check of the task queue: web processes and the worker must share it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Warning, register


@register("worker", deploy=True)
def check_shared_queue(**kwargs: Any) -> list[Warning]:
    """A SQLite queue is a file on one machine: a "Sync now" from a web process on another
    machine or container would wait there for a worker that never reads it."""
    if settings.DEBUG:
        return []
    huey_class = str(settings.HUEY.get("huey_class", ""))
    if settings.HUEY.get("immediate"):
        problem = "The task queue runs tasks inside the web process (huey's immediate mode)"
    elif huey_class.endswith(("SqliteHuey", "MemoryHuey", "FileHuey")):
        problem = (
            f"The task queue is {huey_class.rsplit('.', 1)[-1]}, a file or memory of one machine"
        )
    else:
        return []
    return [
        Warning(
            f"{problem}: web processes on other machines or containers enqueue work that the "
            "worker never sees, and the worker's schedule runs only where that file is.",
            hint="Set REDIS_URL (redis://host:6379/0) for the web processes and the worker. "
            "With the web server and the worker on one machine this can be silenced.",
            id="worker.W001",
        )
    ]
