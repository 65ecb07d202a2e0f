from typing import Any

from django.core.management.base import BaseCommand, CommandError

from events.jobs import events_run


class Command(BaseCommand):
    help = "Send the lifecycle events that are due to their endpoints, once, now."

    def handle(self, *args: Any, **options: Any) -> None:
        result = events_run(force=True)
        if result is None:
            raise CommandError("The events job is running elsewhere; try again in a moment.")
        self.stdout.write(
            f"{result.sent} events delivered, {result.retrying} to retry, {result.failed} given up."
        )
