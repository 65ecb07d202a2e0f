from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from instances.services.state_refresh import states_refresh_due


class Command(BaseCommand):
    help = (
        "Run one round of state checks: ask Green API for the state of every instance that is "
        "due (urgent first, up to STATE_REFRESH_BATCH) and record it. Safe beside the worker."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--limit", type=int, default=None, help="at most this many instances this round"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = states_refresh_due(limit=options["limit"])
        style = self.style.WARNING if result.pause or result.failed else self.style.SUCCESS
        self.stdout.write(style(f"State refresh: {result}."))
