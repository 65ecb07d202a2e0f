"""Secrets at rest: encrypted with rotatable keys (cryptography's MultiFernet) when the portal
must use them again, only digested when it need only recognise them.

FIELD_ENCRYPTION_KEYS lists Fernet keys, newest first: the first encrypts, all of them decrypt,
so a key can be rotated by putting a new one in front and re-saving rows.
"""

import hashlib
import hmac
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


def token_digest(token: str) -> str:
    """What is stored of a bearer token the portal only checks: its SHA-256, in hex.

    The tokens are random (256 bits, secrets.token_urlsafe), so a fast unsalted hash is enough:
    there is nothing to guess, and checking one costs microseconds instead of a decryption.
    """
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str, digest: str) -> bool:
    """Whether `token` is the one `digest` was made from; never for an empty digest or token."""
    return bool(token and digest) and hmac.compare_digest(token_digest(token), digest)
