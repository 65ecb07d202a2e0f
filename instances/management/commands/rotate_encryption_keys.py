from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Model

from accounts.models import TOTPDevice
from instances.models import BulkJob, Instance

BATCH_SIZE = 500


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret (instance tokens, TOTP secrets, settings of running "
        "bulk jobs) with the "
        "first key of FIELD_ENCRYPTION_KEYS, so older keys can then be removed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        # Reading decrypts with any configured key; saving encrypts with the first one.
        secrets: tuple[tuple[type[Model], str], ...] = (
            (Instance, "api_token"),
            (TOTPDevice, "key"),
            (BulkJob, "settings_changes"),
        )
        for model, field in secrets:
            rows = list(model._default_manager.exclude(**{field: ""}).only("pk", field))
            with transaction.atomic():
                model._default_manager.bulk_update(rows, [field], batch_size=BATCH_SIZE)
            self.stdout.write(
                f"{model._meta.verbose_name_plural} ({field}): {len(rows)} re-encrypted"
            )
        self.stdout.write(self.style.SUCCESS("Done. Keys after the first may now be removed."))
