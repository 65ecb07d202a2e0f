"""Encryption of secrets at rest with rotatable keys (cryptography's MultiFernet).

FIELD_ENCRYPTION_KEYS lists Fernet keys, newest first: the first encrypts, all of them decrypt,
so a key can be rotated by putting a new one in front and re-saving rows.
"""

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class DecryptionError(Exception):
    """A stored secret could not be decrypted with any configured key."""


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    try:
        return fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        # Never fall back to returning the stored value: it is ciphertext, not the secret.
        raise DecryptionError(
            "A stored secret cannot be decrypted with FIELD_ENCRYPTION_KEYS; "
            "was a key removed before rows were re-encrypted?"
        ) from None
