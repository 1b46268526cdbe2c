"""Per-member data keys as the vault stores them: destroyed at erasure, cached once unwrapped.

The envelope format (wrapping under the KEK, sealing values) is ``yaksok.crypto.envelope``. The
hierarchy (docs/vault.md):

    keyring "kek" v1, v2, ...           (outside the database)
      └── data key per (member, scope)  (32 random bytes; stored only wrapped, in data_keys)
            └── each value              (AES-256-GCM, in vault_values)

A data key is wrapped under the KEK version in ``data_keys.kek_version``; the formats and
their AAD (which bind a ciphertext to its row, member, category and key) are in the envelope
module. Scope ``member`` holds a member's ordinary data; ``hold:<record_kind>`` scopes (the
retention issue) keep records under a statutory hold under their own keys, which outlive the
member key's destruction until their period ends.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from yaksok.crypto.envelope import open_value, unwrap_data_key
from yaksok.errors import NotFound

__all__ = ["MEMBER_SCOPE", "KeyCache", "destroy_member_key", "open_for_member"]

MEMBER_SCOPE = "member"


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


#: AAD prefixes of what only the vault seals and opens (values, held records, wrapped keys):
#: ``seal_for_member``/``open_for_member`` refuse them, so a layer above that seals its own
#: things under a member's key can never open a vault value or a held record with it.
RESERVED_AAD = (b"yaksok-value|", b"yaksok-held|", b"dk|")


def check_caller_aad(aad: bytes) -> bytes:
    if not isinstance(aad, bytes) or not aad or aad.startswith(RESERVED_AAD):
        raise ValueError("this AAD is reserved for the vault's own values, records and keys; "
                         "bind what you seal to your own row with your own prefix")
    return aad


def open_for_member(v, conn, member_id: str, key_id: str, aad: bytes, ciphertext: bytes) -> bytes:
    """Open ``ciphertext`` sealed under the member's data key ``key_id`` (``Vault.open_for_member``);
    ``NotFound`` once the key is destroyed (the member erased). Only the member-scope key, and
    never under a reserved AAD."""
    check_caller_aad(aad)
    p = "?" if conn.dialect.name == "sqlite" else "%s"
    row = conn.exec_driver_sql(
        f"SELECT wrapped, kek_version, scope FROM data_keys WHERE id = {p} "  # noqa: S608
        f"AND member_id = {p} AND scope = 'member'", (key_id, member_id)).first()
    if row is None or row[0] is None:
        raise NotFound("sealed under a member key that no longer exists (the member was "
                       "erased)", field="member_id", fix="nothing can bring it back")
    aead = v.keys.aead(v.keyring, key_id, member_id, row[2], row[0], row[1])
    return open_value(aead, aad, ciphertext)


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
