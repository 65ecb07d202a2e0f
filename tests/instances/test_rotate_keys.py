"""After rotating keys, old keys can be removed and every secret still decrypts."""

from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db.models import TextField, Value
from django.db.models.functions import Cast

from accounts.models import TOTPDevice, User
from core import crypto
from instances.models import BulkItem, BulkJob, Instance

TOKEN = "ab" * 25


@pytest.fixture(autouse=True)
def _fresh_fernet_cache() -> Iterator[None]:
    crypto._fernet.cache_clear()
    yield
    crypto._fernet.cache_clear()


@pytest.mark.django_db
def test_rotation_lets_the_old_key_go(settings: Any, admin: User) -> None:
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    Instance.objects.create(id_instance=1101000009, api_token=TOKEN)
    TOTPDevice.objects.create(user=admin, name="phone", key="cd" * 20)
    # A bulk "apply settings" still running holds its chosen settings, a token among them.
    job = BulkJob.objects.create(action="settings", settings_changes='{"webhookUrlToken": "t"}')
    # A customer-link CSV not yet downloaded.
    item = BulkItem.objects.create(job=job, instance_id=1101000009, link_url="https://x/c/secret")
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]

    call_command("rotate_encryption_keys")

    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    assert Instance.objects.get(pk=1101000009).api_token == TOKEN
    assert TOTPDevice.objects.get(user=admin).key == "cd" * 20
    assert BulkJob.objects.get(pk=job.pk).settings_changes == '{"webhookUrlToken": "t"}'
    assert BulkItem.objects.get(pk=item.pk).link_url == "https://x/c/secret"


@pytest.mark.django_db
def test_rotation_rewrites_fernet_tokens_of_before_as_aes_gcm(settings: Any) -> None:
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    Instance.objects.create(id_instance=1101000010)
    legacy = Fernet(old_key).encrypt(TOKEN.encode()).decode()
    Instance.objects.filter(pk=1101000010).update(api_token=Value(legacy))
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]

    call_command("rotate_encryption_keys")

    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    stored = Instance.objects.filter(pk=1101000010).values_list(Cast("api_token", TextField()))
    assert stored.get()[0].startswith(crypto.V2)
    assert Instance.objects.get(pk=1101000010).api_token == TOKEN


def test_every_encrypted_field_is_rotated() -> None:
    """A secret the command does not know of would stop decrypting once the old key goes."""
    from django.apps import apps

    from core.fields import EncryptedTextField
    from instances.management.commands.rotate_encryption_keys import encrypted_fields

    declared = {
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, EncryptedTextField)
    }
    assert len(declared) >= 5  # tokens, TOTP keys, bulk settings, link CSVs, test-message chats
    assert set(encrypted_fields()) == declared
