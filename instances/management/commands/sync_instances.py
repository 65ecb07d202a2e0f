from typing import Any

from django.core.management.base import BaseCommand, CommandError

from instances.services.sync import instances_sync


class Command(BaseCommand):
    help = "Refresh the instance mirror from Green API's getInstances."

    def handle(self, *args: Any, **options: Any) -> None:
        result = instances_sync()
        if not result.ran:
            self.stdout.write("Another sync is running; nothing to do.")
            return
        if result.error:
            raise CommandError(f"Sync failed: {result.error}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Synced: {result.created} new, {result.updated} updated, "
                f"{result.missing} missing from this answer (kept), "
                f"{result.vanished} no longer listed (marked deleted)."
            )
        )
