"""The alert job: find new transitions, then send what is due; one run at a time (a lease)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings

from alerts.services.deliver import SendResult, deliveries_send
from alerts.services.detect import DetectResult, alerts_detect
from core.jobs import job_claim, job_finish

logger = logging.getLogger(__name__)

ALERTS = "alerts"
LEASE = timedelta(minutes=5)
EARLY = timedelta(seconds=0.5)


@dataclass(frozen=True)
class AlertsRun:
    detected: DetectResult
    sent: SendResult


def alerts_run(*, force: bool = False) -> AlertsRun | None:
    """One run if it is due (or `force`) and none is running; None when it did not run."""
    lease = job_claim(ALERTS, lease=LEASE, force=force, early=EARLY)
    if lease is None:
        return None
    started = time.monotonic()
    error = ""
    result = None
    try:
        result = AlertsRun(detected=alerts_detect(), sent=deliveries_send())
    except Exception as exc:
        logger.exception("Job %s stopped with an internal error", ALERTS)
        error = f"Internal error ({type(exc).__name__})."
    job_finish(
        lease,
        every=timedelta(seconds=settings.ALERT_PERIOD),
        backoff_max=timedelta(seconds=settings.WORKER_BACKOFF_MAX),
        error=error,
    )
    if result is not None:
        busy = result.detected.created or result.sent.sent or result.sent.retrying
        logger.log(
            logging.INFO if busy or result.sent.failed else logging.DEBUG,
            "Job %s: %s new alert(s), %s e-mail deliveries sent, %s to retry, %s failed in %.1f s",
            ALERTS,
            result.detected.created,
            result.sent.sent,
            result.sent.retrying,
            result.sent.failed,
            time.monotonic() - started,
        )
    return result
