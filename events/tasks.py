"""The events job in the worker (huey): every EVENTS_PERIOD seconds, under its lease."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from events.jobs import events_run


@db_periodic_task(crontab(), name="events.minute")
def minute() -> None:
    """Schedule this minute's runs (huey's periodic tasks fire at most once a minute)."""
    every = timedelta(seconds=settings.EVENTS_PERIOD)
    now = timezone.now()
    end = now + timedelta(minutes=1)
    eta = now
    while eta < end:
        # A run that could not start in time is dropped: the next one does the same work.
        run.schedule(eta=eta, expires=eta + every)
        eta += every


@db_task(name="events.run")
def run() -> None:
    events_run()
