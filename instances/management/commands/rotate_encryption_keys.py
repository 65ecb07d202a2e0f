from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Model

from core.fields import EncryptedTextField

BATCH_SIZE = 500


def encrypted_fields() -> Iterator[tuple[type[Model], str]]:
    """Every encrypted field of every model: found, not listed, so a new one is never missed."""
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, EncryptedTextField):
                yield model, field.name


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret (every EncryptedTextField: instance tokens, TOTP "
        "secrets, settings of running bulk jobs, customer links waiting for download, test "
        "messages' chats) with the first key of FIELD_ENCRYPTION_KEYS, so older keys can then "
        "be removed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        # Reading decrypts with any configured key; saving encrypts with the first one.
        for model, field in encrypted_fields():
            rows = list(model._default_manager.exclude(**{field: ""}).only("pk", field))
            with transaction.atomic():
                model._default_manager.bulk_update(rows, [field], batch_size=BATCH_SIZE)
            self.stdout.write(
                f"{model._meta.verbose_name_plural} ({field}): {len(rows)} re-encrypted"
            )
        self.stdout.write(self.style.SUCCESS("Done. Keys after the first may now be removed."))
