"""The events job: send the due deliveries; one run at a time (a lease, core/jobs.py)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings

from core.jobs import job_run_leased
from events.deliver import SendResult, deliveries_expire, deliveries_send

logger = logging.getLogger(__name__)

EVENTS = "events"
LEASE = timedelta(minutes=5)
EARLY = timedelta(seconds=0.5)


def events_run(*, force: bool = False) -> SendResult | None:
    """One run if it is due (or `force`) and none is running; None when it did not run."""

    def work() -> SendResult:
        result = deliveries_send()
        deliveries_expire()
        return result

    every = timedelta(seconds=settings.EVENTS_PERIOD)
    run = job_run_leased(EVENTS, work, lease=LEASE, every=every, force=force, early=EARLY)
    if run is None or run.result is None:
        return None
    result = run.result
    logger.log(
        logging.INFO if result.sent or result.retrying or result.failed else logging.DEBUG,
        "Job %s: %s events delivered, %s to retry, %s given up in %.1f s",
        EVENTS,
        result.sent,
        result.retrying,
        result.failed,
        run.seconds,
    )
    return result
