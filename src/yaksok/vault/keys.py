"""Per-member data keys, wrapped under the keyring's KEK, and the encryption of values.

The hierarchy (docs/vault.md):

    keyring "kek" v1, v2, ...           (outside the database)
      └── data key per (member, scope)  (32 random bytes; stored only wrapped, in data_keys)
            └── each value              (AES-256-GCM, in vault_values)

A data key is wrapped with AES-256-GCM under the KEK version in ``data_keys.kek_version``::

    wrapped = nonce(12) || ciphertext || tag(16)
    AAD     = b"dk|" + key_id + b"|" + member_id + b"|" + scope

and a value is sealed under its data key::

    ciphertext = 0x01 (format) || nonce(12) || AES-256-GCM ciphertext || tag(16)
    AAD        = b"yaksok-value|1|" + member_id + b"|" + category + b"|" + value_id + b"|" + key_id

so a ciphertext moved to another row, member or category, or put under another key, fails to
open. Scope ``member`` holds a member's ordinary data; ``hold:<record_kind>`` scopes (the
retention issue) keep records under a statutory hold under their own keys, which outlive the
member key's destruction until their period ends. ``wrap_data_key`` / ``unwrap_data_key`` are
public so key rotation can rewrap rows without knowing the format.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections import OrderedDict

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from yaksok.errors import NotFound, StorageError

__all__ = ["FORMAT", "MEMBER_SCOPE", "new_id", "wrap_aad", "value_aad", "wrap_data_key",
           "unwrap_data_key", "rewrap_data_key", "seal_value", "open_value", "KeyCache",
           "value_aad_parts", "destroy_member_key"]

FORMAT = 1
MEMBER_SCOPE = "member"
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


_DESTROY = ("UPDATE data_keys SET wrapped = NULL, destroyed_at = {at} WHERE member_id = {p} "
            "AND scope = {p} AND wrapped IS NOT NULL")


def destroy_member_key(conn, member_id: str, *, scope: str = MEMBER_SCOPE,
                       now: dt.datetime | None = None) -> list[str]:
    """Destroy the member's data key of ``scope`` in the caller's transaction: ``wrapped``
    becomes NULL and ``destroyed_at`` is set. Returns the ids of the keys destroyed (drop them
    from every ``KeyCache``). Works on a SQLAlchemy ``Connection`` or the vault's ``RawConn``."""
    sqlite = conn.dialect.name == "sqlite"
    p = "?" if sqlite else "%s"
    when = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    at = when.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else when
    ids = [r[0] for r in conn.exec_driver_sql(
        f"SELECT id FROM data_keys WHERE member_id = {p} AND scope = {p} "  # noqa: S608
        "AND wrapped IS NOT NULL", (member_id, scope))]
    conn.exec_driver_sql(_DESTROY.format(at=p, p=p), (at, member_id, scope))
    return ids


class KeyCache:
    """An in-process LRU of unwrapped data keys (as ready ``AESGCM`` objects).

    Keyed by (key id, KEK version, wrapped bytes): a rewrap or a destroyed key never hits a stale
    entry, and callers still fetch the key row on every use and refuse when it is destroyed, so
    the cache only saves the unwrap. ``forget`` drops a key at once (erasure).
    """

    def __init__(self, size: int = 10_000):
        self._size = size
        self._items: OrderedDict[tuple, AESGCM] = OrderedDict()
        self._lock = threading.Lock()

    def aead(self, keyring, key_id: str, member_id: str, scope: str, wrapped: bytes | None,
             kek_version: int) -> AESGCM:
        if wrapped is None:
            unwrap_data_key(keyring, key_id, member_id, scope, None, kek_version)  # raises
        wrapped = bytes(wrapped)
        k = (key_id, kek_version, wrapped)
        with self._lock:
            hit = self._items.get(k)
            if hit is not None:
                self._items.move_to_end(k)
                return hit
        aead = AESGCM(unwrap_data_key(keyring, key_id, member_id, scope, wrapped, kek_version))
        with self._lock:
            self._items[k] = aead
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return aead

    def forget(self, key_id: str) -> None:
        with self._lock:
            for k in [k for k in self._items if k[0] == key_id]:
                del self._items[k]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"KeyCache(entries={len(self._items)}, size={self._size})"
