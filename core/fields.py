from typing import TYPE_CHECKING, Any

from django.db import models

from core import crypto

if TYPE_CHECKING:
    from django.db.models.expressions import Combinable

    # django-stubs types a field by what it takes and gives; Django's class is not subscriptable.
    _TextField = models.TextField[str | Combinable, str]
else:
    _TextField = models.TextField


class EncryptedTextField(_TextField):
    """A text column stored encrypted; Python code only ever sees the plaintext."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value: Any) -> str | None:
        # TextField prepares a value as str (or None).
        prepared: str | None = super().get_prep_value(value)
        if prepared is None or prepared == "":
            return prepared
        return crypto.encrypt(prepared)
