"""The one shared model: the attempt counters behind lockouts (see core/attempts.py)."""

from django.db import models


class AttemptCounter(models.Model):
    """How many attempts are counted against one key, and when the last one was counted."""

    key = models.CharField(max_length=255, unique=True)
    count = models.PositiveIntegerField(default=0)
    last_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
