"""The alert job in the worker (huey): every ALERT_PERIOD seconds, under its lease."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from alerts.jobs import alerts_run


@db_periodic_task(crontab(), name="alerts.minute")
def minute() -> None:
    """Schedule this minute's runs (huey's periodic tasks fire at most once a minute)."""
    every = timedelta(seconds=settings.ALERT_PERIOD)
    now, end = timezone.now(), timezone.now() + timedelta(minutes=1)
    eta = now
    while eta < end:
        # A run that could not start in time is dropped: the next one does the same work.
        run.schedule(eta=eta, expires=eta + every)
        eta += every


@db_task(name="alerts.run")
def run() -> None:
    alerts_run()
