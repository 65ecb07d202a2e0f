"""Shared models: attempt counters behind lockouts (core/attempts.py), heartbeats of jobs."""

from django.db import models


class AttemptCounter(models.Model):
    """How many attempts are counted against one key, and when the last one was counted."""

    key = models.CharField(max_length=255, unique=True)
    count = models.PositiveIntegerField(default=0)
    last_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"


class Heartbeat(models.Model):
    """The last sign of life of a background process or job ("worker", "sync", ...).

    /readyz and the metrics read these to tell a live worker from a dead one.
    """

    name = models.CharField(max_length=64, unique=True)
    at = models.DateTimeField()
    detail = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S}"
