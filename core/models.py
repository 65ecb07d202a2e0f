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


class Job(models.Model):
    """A background job's schedule and lease (core/jobs.py): when it runs next, who runs it now.

    The lease is a row in the database, not a lock in the queue: it expires by itself when the
    process holding it is killed, and it survives a restart of the queue's Redis.
    """

    name = models.CharField(max_length=64, unique=True)
    due_at = models.DateTimeField(null=True, blank=True)  # null: due now
    holder = models.CharField(max_length=64, blank=True)  # the run holding the lease, or ""
    lease_until = models.DateTimeField(null=True, blank=True)  # a run's lease ends then
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0)  # failed runs in a row
    last_error = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return f"Job {self.name} (due {self.due_at})"
