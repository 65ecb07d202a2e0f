from typing import Any

from django.core.management.base import BaseCommand, CommandError

from alerts.jobs import alerts_run


class Command(BaseCommand):
    help = "Find new transitions and send the alert e-mails that are due, once, now."

    def handle(self, *args: Any, **options: Any) -> None:
        result = alerts_run(force=True)
        if result is None:
            raise CommandError("The alert job is running elsewhere; try again in a moment.")
        self.stdout.write(
            f"{result.detected.created} new alert(s); {result.sent.sent} e-mail deliveries "
            f"sent, {result.sent.retrying} to retry, {result.sent.failed} failed."
        )
