from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import TOTPDevice
from instances.models import Instance

BATCH_SIZE = 500


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret (instance tokens, TOTP secrets) with the first key of "
        "FIELD_ENCRYPTION_KEYS, so older keys can then be removed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        # Reading decrypts with any configured key; saving encrypts with the first one.
        for model, field in ((Instance, "api_token"), (TOTPDevice, "key")):
            rows = list(model.objects.exclude(**{field: ""}).only("pk", field))
            with transaction.atomic():
                model.objects.bulk_update(rows, [field], batch_size=BATCH_SIZE)
            self.stdout.write(f"{model._meta.verbose_name_plural}: {len(rows)} re-encrypted")
        self.stdout.write(self.style.SUCCESS("Done. Keys after the first may now be removed."))
