"""Envelope encryption: data keys wrapped under the keyring's KEK, values sealed under data keys.

The hierarchy (docs/vault.md):

    keyring "kek" v1, v2, ...           (outside the database)
      └── data key per (member, scope)  (32 random bytes; stored only wrapped)
            └── each value              (AES-256-GCM)

A data key is wrapped with AES-256-GCM under a KEK version::

    wrapped = nonce(12) || ciphertext || tag(16)
    AAD     = b"dk|" + key_id + b"|" + member_id + b"|" + scope

and a value is sealed under its data key::

    ciphertext = 0x01 (format) || nonce(12) || AES-256-GCM ciphertext || tag(16)
    AAD        = b"yaksok-value|1|" + member_id + b"|" + category + b"|" + value_id + b"|" + key_id

so a ciphertext moved to another row, member or category, or put under another key, fails to
open. Pure functions over bytes and a keyring: where the wrapped keys and sealed values are
stored is the vault's business (``yaksok.vault.keys``).
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from yaksok.errors import NotFound, StorageError

__all__ = ["FORMAT", "new_id", "wrap_aad", "value_aad", "value_aad_parts", "wrap_data_key",
           "unwrap_data_key", "rewrap_data_key", "seal_value", "open_value"]

FORMAT = 1
_NONCE = 12
_TAG = 16
_FMT = bytes([FORMAT])
_VALUE_PREFIX = b"yaksok-value|1|"


def new_id(prefix: str) -> str:
    """A random identifier: ``prefix`` + 24 hex digits (96 bits), e.g. ``m_3f9c...``."""
    return prefix + os.urandom(12).hex()


def wrap_aad(key_id: str, member_id: str, scope: str) -> bytes:
    return b"dk|" + key_id.encode() + b"|" + member_id.encode() + b"|" + scope.encode()


def value_aad(member_id: str, category: str, value_id: str, key_id: str) -> bytes:
    head, tail = value_aad_parts(member_id, key_id)
    return head + category.encode() + b"|" + value_id.encode() + tail


def value_aad_parts(member_id: str, key_id: str) -> tuple[bytes, bytes]:
    """The AAD around ``category|value_id``: for loops that seal many values of one member."""
    return _VALUE_PREFIX + member_id.encode() + b"|", b"|" + key_id.encode()


def wrap_data_key(keyring, key_id: str, member_id: str, scope: str, data_key: bytes,
                  kek_version: int | None = None) -> tuple[int, bytes]:
    """Wrap ``data_key`` under the active KEK (or ``kek_version``); returns (version, wrapped)."""
    if kek_version is None:
        kek_version, kek = keyring.active("kek")
    else:
        kek = keyring.get("kek", kek_version)
    nonce = os.urandom(_NONCE)
    return kek_version, nonce + AESGCM(kek).encrypt(nonce, data_key,
                                                    wrap_aad(key_id, member_id, scope))


def unwrap_data_key(keyring, key_id: str, member_id: str, scope: str, wrapped: bytes | None,
                    kek_version: int) -> bytes:
    """The data key of a ``data_keys`` row; ``NotFound`` if it was destroyed."""
    if wrapped is None:
        raise NotFound("the data key was destroyed (the member was erased)",
                       fix="nothing can bring it back; this is what erasure means")
    wrapped = bytes(wrapped)
    kek = keyring.get("kek", kek_version)
    try:
        return AESGCM(kek).decrypt(wrapped[:_NONCE], wrapped[_NONCE:],
                                   wrap_aad(key_id, member_id, scope))
    except InvalidTag:
        raise StorageError(
            f"data key {key_id} failed authentication under KEK version {kek_version}: it was "
            "altered or moved to another row", fix="restore data_keys from backup") from None


def rewrap_data_key(keyring, key_id: str, member_id: str, scope: str, wrapped: bytes,
                    from_version: int, to_version: int | None = None) -> tuple[int, bytes]:
    """Key rotation's step: unwrap with ``from_version``, wrap under ``to_version`` (active)."""
    key = unwrap_data_key(keyring, key_id, member_id, scope, wrapped, from_version)
    return wrap_data_key(keyring, key_id, member_id, scope, key, to_version)


def seal_value(aead: AESGCM, aad: bytes, plaintext: bytes) -> bytes:
    nonce = os.urandom(_NONCE)
    return _FMT + nonce + aead.encrypt(nonce, plaintext, aad)


def open_value(aead: AESGCM, aad: bytes, ciphertext: bytes) -> bytes:
    ct = bytes(ciphertext)
    if len(ct) < 1 + _NONCE + _TAG or ct[0] != FORMAT:
        raise StorageError("a stored value is damaged (unknown format or too short)",
                           fix="restore vault_values from backup")
    try:
        return aead.decrypt(ct[1:1 + _NONCE], ct[1 + _NONCE:], aad)
    except InvalidTag:
        raise StorageError(
            "a stored value failed authentication: it was altered, or moved to another row, "
            "member or category", fix="restore vault_values from backup") from None


