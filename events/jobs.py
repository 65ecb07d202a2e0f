"""The events job: send the due deliveries; one run at a time (a lease, core/jobs.py)."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.conf import settings

from core.jobs import job_claim, job_finish
from events.deliver import SendResult, deliveries_expire, deliveries_send

logger = logging.getLogger(__name__)

EVENTS = "events"
LEASE = timedelta(minutes=5)
EARLY = timedelta(seconds=0.5)


def events_run(*, force: bool = False) -> SendResult | None:
    """One run if it is due (or `force`) and none is running; None when it did not run."""
    lease = job_claim(EVENTS, lease=LEASE, force=force, early=EARLY)
    if lease is None:
        return None
    started = time.monotonic()
    error = ""
    result = None
    try:
        result = deliveries_send()
        deliveries_expire()
    except Exception as exc:
        logger.exception("Job %s stopped with an internal error", EVENTS)
        error = f"Internal error ({type(exc).__name__})."
    job_finish(
        lease,
        every=timedelta(seconds=settings.EVENTS_PERIOD),
        backoff_max=timedelta(seconds=settings.WORKER_BACKOFF_MAX),
        error=error,
    )
    if result is not None:
        busy = result.sent or result.retrying or result.failed
        logger.log(
            logging.INFO if busy else logging.DEBUG,
            "Job %s: %s events delivered, %s to retry, %s given up in %.1f s",
            EVENTS,
            result.sent,
            result.retrying,
            result.failed,
            time.monotonic() - started,
        )
    return result
