"""Seal small secrets (a staff member's TOTP secret, later more) with a keyring key.

A sealed box is self-describing, so rotating the key never strands old data::

    1 byte   format version (1)
    4 bytes  key version, big-endian (which version of the purpose's key sealed it)
    12 bytes nonce (random)
    n bytes  AES-256-GCM ciphertext, then the 16-byte tag

The 5-byte header is authenticated together with the caller's ``aad``. Pass as ``aad`` what the
secret belongs to (e.g. ``b"staff_accounts.totp:" + staff_id``): a box copied onto another row
then fails to open instead of silently working there.

Random 96-bit nonces are safe for about 2**32 seals per key version; rotate the KEK long before.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from yaksok.crypto.keyring import Keyring
from yaksok.errors import StorageError

__all__ = ["seal", "open_sealed", "seal_b64", "open_sealed_b64", "key_version_of", "FORMAT"]

FORMAT = 1
_HEADER = 1 + 4
_NONCE = 12
_TAG = 16


def seal(keyring: Keyring, purpose: str, plaintext: bytes, aad: bytes) -> bytes:
    """Encrypt ``plaintext`` with the active key of ``purpose`` (normally ``"kek"``)."""
    version, key = keyring.active(purpose)
    header = bytes([FORMAT]) + version.to_bytes(4, "big")
    nonce = os.urandom(_NONCE)
    return header + nonce + AESGCM(key).encrypt(nonce, bytes(plaintext), header + bytes(aad))


def open_sealed(keyring: Keyring, purpose: str, sealed: bytes, aad: bytes) -> bytes:
    """Decrypt a box made by ``seal``, with whichever key version sealed it.

    Raises ``StorageError`` if the box is malformed, was altered, or ``aad`` differs from the
    one it was sealed with; ``ConfigError`` (from the keyring) if its key version is gone.
    """
    sealed = bytes(sealed)
    version = key_version_of(sealed)
    key = keyring.get(purpose, version)
    header, nonce, body = (
        sealed[:_HEADER],
        sealed[_HEADER : _HEADER + _NONCE],
        sealed[_HEADER + _NONCE :],
    )
    try:
        return AESGCM(key).decrypt(nonce, body, header + bytes(aad))
    except InvalidTag:
        raise StorageError(
            f"a sealed {purpose!r} value failed authentication: it was altered, or belongs "
            "to another record",
            fix="restore the record from backup; do not copy sealed values between records",
        ) from None


def key_version_of(sealed: bytes) -> int:
    """The key version a box was sealed with (to find boxes still on an old KEK version)."""
    if len(sealed) < _HEADER + _NONCE + _TAG:
        raise StorageError("a sealed value is too short to be valid; it is damaged")
    if sealed[0] != FORMAT:
        raise StorageError(f"a sealed value has unknown format {sealed[0]}; it is damaged")
    return int.from_bytes(sealed[1:_HEADER], "big")


def seal_b64(keyring: Keyring, purpose: str, plaintext: bytes, aad: bytes) -> str:
    """``seal``, as base64 text for a text column (``staff_accounts.totp_secret_enc``)."""
    return base64.b64encode(seal(keyring, purpose, plaintext, aad)).decode("ascii")


def open_sealed_b64(keyring: Keyring, purpose: str, sealed: str, aad: bytes) -> bytes:
    try:
        raw = base64.b64decode(sealed.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, AttributeError):
        raise StorageError("a sealed value is not valid base64; it is damaged") from None
    return open_sealed(keyring, purpose, raw, aad)


@dataclass(frozen=True, slots=True)
class SealedColumn:
    """A database column of values sealed under the KEK (``seal``, bytes) that a KEK rotation
    reseals and a retirement counts; NULL where there is nothing left to keep. The layers that
    seal such values declare theirs, and the wiring registers them for ``yaksok.rotation``."""

    table: str
    id_column: str
    column: str
    aad: Callable[[str], bytes]  # the AAD the value was sealed with, from its row id
    #: ``bytes`` (``seal``) or ``base64`` text (``seal_b64``, e.g. staff TOTP secrets)
    encoding: str = "bytes"
