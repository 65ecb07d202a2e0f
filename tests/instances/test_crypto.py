"""Instance tokens are encrypted at rest and a wrong key never yields ciphertext."""

import base64
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


def test_secrets_are_written_as_aes_gcm_and_read_back() -> None:
    stored = crypto.encrypt(TOKEN)
    assert stored.startswith(crypto.V2)
    assert stored != crypto.encrypt(TOKEN)  # a fresh nonce each time
    assert crypto.decrypt(stored) == TOKEN


def test_a_changed_byte_is_refused_not_decrypted() -> None:
    stored = crypto.encrypt(TOKEN)
    body = bytearray(base64.urlsafe_b64decode(stored[len(crypto.V2) :]))
    for position in (0, 20, len(body) - 1):  # nonce, ciphertext, tag
        tampered = bytearray(body)
        tampered[position] ^= 1
        forged = crypto.V2 + base64.urlsafe_b64encode(bytes(tampered)).decode()
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(forged)
    for broken in (crypto.V2, crypto.V2 + "not base64!", crypto.V2 + "AAAA"):
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(broken)


def test_fernet_tokens_written_before_still_decrypt(settings: Any) -> None:
    older = Fernet(settings.FIELD_ENCRYPTION_KEYS[0]).encrypt(TOKEN.encode()).decode()
    assert crypto.decrypt(older) == TOKEN


def test_a_secret_sealed_with_a_rotated_out_key_is_refused(settings: Any) -> None:
    stored = crypto.encrypt(TOKEN)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(stored)
