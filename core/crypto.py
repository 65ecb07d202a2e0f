"""Secrets at rest: encrypted with rotatable keys when the portal must use them again, only
digested when it need only recognise them.

FIELD_ENCRYPTION_KEYS lists Fernet keys, newest first: the first encrypts, all of them decrypt,
so a key can be rotated by putting a new one in front and re-saving rows
(`manage.py rotate_encryption_keys`). A stored secret is authenticated encryption in one of two
forms, told apart by their start:

- `v2:` and the URL-safe base64 of a 12-byte random nonce and the AES-256-GCM ciphertext with
  its tag, under a key derived from the Fernet key with HKDF-SHA256. What `encrypt` writes:
  3 µs a secret, where a Fernet token takes 11 (cryptography sets up a new AES-CBC context
  and HMAC for each one; an AESGCM object keeps its key schedule), which was a first sync's
  largest single cost at 100,000 instance tokens. A random 96-bit nonce is safe for 2**32
  encryptions a key, far more than rotations and syncs write.
- A Fernet token (`gAAAA…`), as written before: still read, rewritten as `v2:` by rotation.
"""

import base64
import binascii
import hashlib
import hmac
import os
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

V2 = "v2:"
_NONCE = 12
# Binds a ciphertext to this use: the same key elsewhere could not pass one off as a field's.
_CONTEXT = b"partnerportal encrypted field v2"


class DecryptionError(Exception):
    """A stored secret could not be decrypted with any configured key."""


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


@cache
def _aeads(keys: tuple[str, ...]) -> tuple[AESGCM, ...]:
    return tuple(AESGCM(_derived(key)) for key in keys)


def _derived(key: str) -> bytes:
    """The AES-256-GCM key of one Fernet key (its 32 bytes are an HMAC and an AES-128 key: never
    used as they are for another algorithm)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_CONTEXT).derive(
        base64.urlsafe_b64decode(key)
    )


def _keys() -> tuple[str, ...]:
    return tuple(settings.FIELD_ENCRYPTION_KEYS)


def encrypt(plaintext: str) -> str:
    nonce = os.urandom(_NONCE)
    sealed = _aeads(_keys())[0].encrypt(nonce, plaintext.encode(), _CONTEXT)
    return V2 + base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt(ciphertext: str) -> str:
    keys = _keys()
    try:
        if ciphertext.startswith(V2):
            return _open_v2(ciphertext, keys)
        return _fernet(keys).decrypt(ciphertext.encode()).decode()
    except (InvalidToken, InvalidTag, binascii.Error, ValueError):
        pass
    # Never fall back to returning the stored value: it is ciphertext, not the secret.
    raise DecryptionError(
        "A stored secret cannot be decrypted with FIELD_ENCRYPTION_KEYS; "
        "was a key removed before rows were re-encrypted?"
    )


def _open_v2(ciphertext: str, keys: tuple[str, ...]) -> str:
    sealed = base64.urlsafe_b64decode(ciphertext[len(V2) :])
    nonce, body = sealed[:_NONCE], sealed[_NONCE:]
    for aead in _aeads(keys):
        try:
            return aead.decrypt(nonce, body, _CONTEXT).decode()
        except InvalidTag:
            continue  # another key's
    raise InvalidTag


def token_digest(token: str) -> str:
    """What is stored of a bearer token the portal only checks: its SHA-256, in hex.

    The tokens are random (256 bits, secrets.token_urlsafe), so a fast unsalted hash is enough:
    there is nothing to guess, and checking one costs microseconds instead of a decryption.
    """
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str, digest: str) -> bool:
    """Whether `token` is the one `digest` was made from; never for an empty digest or token."""
    return bool(token and digest) and hmac.compare_digest(token_digest(token), digest)
