"""Instance tokens are encrypted at rest and a wrong key never yields ciphertext."""

from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from core import crypto
from instances.models import Instance

TOKEN = "0123456789abcdef" * 3 + "ab"


@pytest.fixture(autouse=True)
def _fresh_fernet_cache() -> Iterator[None]:
    crypto._fernet.cache_clear()
    yield
    crypto._fernet.cache_clear()


@pytest.mark.django_db
def test_raw_database_row_holds_no_plaintext_token() -> None:
    Instance.objects.create(id_instance=1101000001, api_token=TOKEN)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT api_token FROM instances_instance WHERE id_instance = %s", [1101000001]
        )
        (stored,) = cursor.fetchone()
    assert TOKEN not in stored
    assert Instance.objects.get(pk=1101000001).api_token == TOKEN


@pytest.mark.django_db
def test_wrong_key_raises_instead_of_returning_ciphertext(settings: Any) -> None:
    Instance.objects.create(id_instance=1101000002, api_token=TOKEN)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(crypto.DecryptionError):
        Instance.objects.get(pk=1101000002)


@pytest.mark.django_db
def test_rotated_keys_still_decrypt_old_rows(settings: Any) -> None:
    Instance.objects.create(id_instance=1101000003, api_token=TOKEN)
    settings.FIELD_ENCRYPTION_KEYS = [
        Fernet.generate_key().decode(),
        *settings.FIELD_ENCRYPTION_KEYS,
    ]
    assert Instance.objects.get(pk=1101000003).api_token == TOKEN


def test_decryption_error_does_not_echo_the_ciphertext() -> None:
    with pytest.raises(crypto.DecryptionError) as excinfo:
        crypto.decrypt("gAAAAA-not-a-real-token")
    assert "gAAAAA" not in str(excinfo.value)
