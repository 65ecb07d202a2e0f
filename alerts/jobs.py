"""The alert job: find new transitions, then send what is due; one run at a time (a lease)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings

from alerts.services.deliver import SendResult, deliveries_send
from alerts.services.detect import DetectResult, alerts_detect
from core.jobs import job_run_leased

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

    def work() -> AlertsRun:
        return AlertsRun(detected=alerts_detect(), sent=deliveries_send())

    every = timedelta(seconds=settings.ALERT_PERIOD)
    run = job_run_leased(ALERTS, work, lease=LEASE, every=every, force=force, early=EARLY)
    if run is None or run.result is None:
        return None
    result = run.result
    busy = result.detected.created or result.sent.sent or result.sent.retrying
    logger.log(
        logging.INFO if busy or result.sent.failed else logging.DEBUG,
        "Job %s: %s new alert(s), %s e-mail deliveries sent, %s to retry, %s failed in %.1f s",
        ALERTS,
        result.detected.created,
        result.sent.sent,
        result.sent.retrying,
        result.sent.failed,
        run.seconds,
    )
    return result
