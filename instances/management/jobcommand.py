"""The base of the commands that run one of the worker's jobs by hand (instances/jobs.py)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from instances.jobs import job_run


class JobCommand(BaseCommand):
    """Run `job` now, whether or not it is due, unless a run of it is going on already."""

    job = ""
    label = ""

    def handle(self, *args: Any, **options: Any) -> None:
        outcome = job_run(self.job, force=True)
        if outcome is None:
            self.stdout.write(f"{self.label} is running elsewhere already; nothing to do.")
            return
        if outcome.error:
            raise CommandError(f"{self.label} failed: {outcome.error}")
        self.stdout.write(self.style.SUCCESS(f"{self.label}: {outcome.summary}."))
