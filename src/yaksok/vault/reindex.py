"""The blind indexes' side of an index-key rotation: every blind still made under an older
``index`` key version is made again, from the value, under the active one — so that once the old
version is destroyed, a blind in a backup, a dead tuple or a WAL segment links to nothing.

Why it matters: a blind is an HMAC of a low-entropy value (a phone number has about 10^8
candidates). Whoever holds a blind *and* the key that made it finds the value by enumeration,
even after the member's data key was destroyed. Rotating the index key and destroying the old
version breaks that link for every copy of the database made before.

``yaksok.rotation`` runs the procedure (rotate, reindex, retire) through ``Vault``'s
``reindex_blinds``, ``blind_usage`` and ``lock_blinds_for_retirement``; values are decrypted
here, inside the vault, and never leave it. Each batch reads and decrypts outside any
transaction and writes in one short transaction with an optimistic
``UPDATE ... WHERE id = ? AND blind = ?``: a value rectified or erased meanwhile is left as its
writer left it (a rectification writes its blind under the active version anyway).
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from yaksok.crypto.envelope import open_value, value_aad
from yaksok.store.sql import raw_write, sql, storage_errors
from yaksok.vault.rewrap import hold_off_writers

__all__ = ["reindex_blinds", "count_pending", "usage_by_version", "lock_for_retirement"]

# A blind whose key was destroyed with its member (a hold awaiting the purge) cannot be remade;
# it goes with its row, so it is neither pending nor counted against a retirement.
_WHERE = ("v.blind IS NOT NULL AND (v.blind_version IS NULL OR v.blind_version <> ?) "
          "AND k.wrapped IS NOT NULL")
_FROM = "FROM vault_values v JOIN data_keys k ON k.id = v.key_id"
_PENDING = ("SELECT v.id, v.member_id, v.category, v.ciphertext, v.blind, v.key_id, k.wrapped, "
            f"k.kek_version, k.scope {_FROM} WHERE {_WHERE} AND v.id > ? ORDER BY v.id LIMIT ?")
_COUNT = f"SELECT COUNT(*) {_FROM} WHERE {_WHERE}"
_UPDATE = "UPDATE vault_values SET blind = ?, blind_version = ? WHERE id = ? AND blind = ?"
_USAGE = (f"SELECT v.blind_version, COUNT(*) {_FROM} WHERE v.blind IS NOT NULL "
          "AND k.wrapped IS NOT NULL GROUP BY v.blind_version")

#: Each pass only finds rows a writer that read the keyring just before the rotation added.
MAX_PASSES = 20


def count_pending(engine: sa.Engine, target: int) -> int:
    """Blinds not (known to be) made under index version ``target``."""
    with storage_errors(engine), engine.connect() as conn:
        return conn.exec_driver_sql(sql(conn, _COUNT), (target,)).scalar()


def reindex_blinds(v, target: int, *, batch: int,
                   progress: Callable[[int, int], None] | None = None) -> tuple[int, int]:
    """Remake every blind not made under index version ``target``; returns (remade, skipped:
    rows changed meanwhile, which their writer left under the active version)."""
    engine = v.engine
    total = count_pending(engine, target)
    done = remade = skipped = 0
    if progress:
        progress(0, total)
    for _ in range(MAX_PASSES):
        last, seen = "", 0
        while True:
            with storage_errors(engine), engine.connect() as conn:
                rows = conn.exec_driver_sql(sql(conn, _PENDING), (target, last, batch)).fetchall()
            if not rows:
                break
            last, seen = rows[-1][0], seen + len(rows)
            updates = []
            for vid, member_id, category, ct, old, key_id, wrapped, kek, scope in rows:
                aead = v.keys.aead(v.keyring, key_id, member_id, scope, wrapped, kek)
                plain = open_value(aead, value_aad(member_id, category, vid, key_id), ct)
                updates.append((v.blind.compute(category, plain.decode("utf-8"), target),
                                target, vid, old))
            changed = 0
            with raw_write(engine) as conn:
                text = sql(conn, _UPDATE)
                for params in updates:
                    changed += max(conn.exec_driver_sql(text, params).rowcount, 0)
            remade += changed
            skipped += len(updates) - changed
            done += len(rows)
            if progress:
                progress(done, max(total, done))
        if seen == 0:
            break
    return remade, skipped


def usage_by_version(conn) -> dict[int | None, int]:
    """{index version (None: not recorded): live blinds made under it} in ``conn``."""
    return {(None if ver is None else int(ver)): n
            for ver, n in conn.exec_driver_sql(_USAGE).fetchall()}


def lock_for_retirement(conn, other_tables=()) -> None:
    """Hold off writers of blinds (and of ``other_tables``) until the caller's transaction
    ends, so a retirement's count stays true."""
    hold_off_writers(conn, "vault_values", *other_tables)
