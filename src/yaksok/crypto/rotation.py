"""Key-encryption-key rotation: a new KEK version, every data key rewrapped online, then the old
version retired (destroyed), so stale wrapped copies anywhere become undecryptable.

The procedure (``yaksok keys rotate --retire``; docs/vault.md, "Key rotation"):

1. ``keyring.rotate("kek")`` makes a new version active. From then on every new data key and
   every new sealed secret uses it; old versions still open what they wrapped.
2. ``rewrap_pending`` walks ``data_keys`` rows still wrapped under an older version (destroyed
   keys, ``wrapped IS NULL``, are skipped: they stay destroyed) in batches. Each batch unwraps
   and rewraps outside any transaction, then writes in one short transaction of its own with an
   optimistic ``UPDATE ... WHERE id = ? AND kek_version = ? AND wrapped = ?``: a row that
   changed meanwhile (erased, or rewrapped by a concurrent rotation) is left alone, never
   overwritten. Reads and writes go on throughout; only one batch holds a write lock at a time.
   Staff TOTP secrets sealed with the ``kek`` purpose (``staff_accounts.totp_secret_enc``) are
   resealed the same way, and so is every column of sealed values a later layer registers
   (``register_sealed``: live one-time codes, the sealed address of a farewell email), so a
   retirement never makes a message that is still to be sent unopenable. A crash, or Ctrl-C,
   loses nothing: run it again and it continues.
3. ``retire_kek(yk, version)`` counts, under a write lock, every row still using ``version``;
   if none, it destroys the version in the keyring (``Keyring.destroy``) before releasing it.
   A backup, a PostgreSQL dead tuple or a WAL segment still holding a data key wrapped under
   it (for example an erased member's) can then no longer be unwrapped with the keyring.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa

from yaksok.crypto.secretbox import key_version_of, open_sealed, open_sealed_b64, seal, seal_b64
from yaksok.errors import ConfigError, Conflict, NotFound, StorageError
from yaksok.vault._db import raw_write, storage_errors
from yaksok.vault.keys import rewrap_data_key

__all__ = ["RotationResult", "rotate_kek", "rewrap_pending", "retire_kek", "kek_usage",
           "PURPOSE", "SealedColumn", "register_sealed", "sealed_columns"]

PURPOSE = "kek"
_MAX_PASSES = 20  # each pass only finds rows a stale writer added during the previous one
#: ``progress(done, total)`` after every batch (``total``: rows pending when the walk began).
Progress = Callable[[int, int], None]

_PENDING = ("SELECT id, member_id, scope, wrapped, kek_version FROM data_keys "
            "WHERE kek_version < ? AND wrapped IS NOT NULL AND id > ? ORDER BY id LIMIT ?")
_COUNT_PENDING = "SELECT COUNT(*) FROM data_keys WHERE kek_version < ? AND wrapped IS NOT NULL"
_UPDATE = ("UPDATE data_keys SET wrapped = ?, kek_version = ? "
           "WHERE id = ? AND kek_version = ? AND wrapped = ?")
_USAGE = ("SELECT kek_version, COUNT(*) FROM data_keys WHERE wrapped IS NOT NULL "
          "GROUP BY kek_version")
_SECRETS = "SELECT id, totp_secret_enc FROM staff_accounts WHERE totp_secret_enc IS NOT NULL"
_RESEAL = "UPDATE staff_accounts SET totp_secret_enc = ? WHERE id = ? AND totp_secret_enc = ?"


@dataclass(frozen=True, slots=True)
class SealedColumn:
    """A column of values sealed under the KEK (``secretbox.seal``, bytes) that a rotation
    reseals and a retirement counts; NULL where there is nothing left to keep."""

    table: str
    id_column: str
    column: str
    aad: Callable[[str], bytes]  # the AAD the value was sealed with, from its row id


_SEALED: dict[str, SealedColumn] = {}

#: Modules of later layers that register sealed columns at import (read, like the expiry
#: registry's, before the registry is used, so ``yaksok keys`` alone knows them all).
SEALED_MODULES = ("yaksok.rights.verify", "yaksok.rights.farewell")


def register_sealed(column: SealedColumn) -> None:
    """Register (or replace) a column of KEK-sealed values for rotation and retirement."""
    _SEALED[f"{column.table}.{column.column}"] = column


def sealed_columns() -> list[SealedColumn]:
    import importlib

    for name in SEALED_MODULES:
        importlib.import_module(name)
    return list(_SEALED.values())


def _totp_aad(staff_id: str) -> bytes:
    # The AAD ``yaksok.accounts.staff`` seals TOTP secrets with (binds the box to its row).
    return b"staff_accounts.totp:" + staff_id.encode()


@dataclass
class RotationResult:
    """What a rotation (or a resumed one) did."""

    kek_version: int                      # the active version everything is now wrapped under
    previous: list[int] = field(default_factory=list)  # older versions still in the keyring
    rewrapped: int = 0                    # data keys rewrapped by this run
    resealed: int = 0                     # sealed staff secrets and values resealed by this run
    skipped: int = 0                      # rows changed meanwhile (erased, or rewrapped)
    retired: list[int] = field(default_factory=list)  # versions destroyed afterwards
    seconds: float = 0.0


def _p(engine: sa.Engine, text: str) -> str:
    return text if engine.dialect.name == "sqlite" else text.replace("?", "%s")


def _read(engine: sa.Engine, text: str, params=()) -> list:
    with storage_errors(engine), engine.connect() as conn:
        return list(conn.exec_driver_sql(_p(engine, text), params).fetchall())


def rotate_kek(yk, *, batch: int = 500, progress: Progress | None = None) -> RotationResult:
    """Add a KEK version, make it active, and rewrap every data key and sealed secret under it.

    Online: reads and writes continue meanwhile (each batch is its own short transaction).
    Returns a ``RotationResult``; older versions stay in the keyring until ``retire_kek``.
    """
    yk.keyring.rotate(PURPOSE)
    return rewrap_pending(yk, batch=batch, progress=progress)


def rewrap_pending(yk, *, batch: int = 500, progress: Progress | None = None) -> RotationResult:
    """Rewrap whatever is still under an older KEK version than the active one (resumes an
    interrupted ``rotate_kek``; does nothing if everything is current)."""
    if batch < 1:
        raise ValueError("batch must be at least 1")
    started = dt.datetime.now(dt.UTC)
    engine, keyring = yk.engine, yk.keyring
    target = keyring.active(PURPOSE)[0]
    result = RotationResult(kek_version=target,
                            previous=[v for v in keyring.versions(PURPOSE) if v != target])
    total = _read(engine, _COUNT_PENDING, (target,))[0][0]
    done = 0
    if progress:
        progress(0, total)
    # Walk by id; rows written concurrently under an old version (a writer that looked at the
    # keyring just before the rotation) are caught by the next pass, until none is left.
    for _ in range(_MAX_PASSES):
        last, seen = "", 0
        while True:
            rows = _read(engine, _PENDING, (target, last, batch))
            if not rows:
                break
            last = rows[-1][0]
            seen += len(rows)
            updates = []
            for key_id, member_id, scope, wrapped, old in rows:
                new_version, new_wrapped = _rewrap(keyring, key_id, member_id, scope,
                                                   bytes(wrapped), old, target)
                updates.append((new_wrapped, new_version, key_id, old, bytes(wrapped)))
            changed = _write_batch(engine, updates)
            result.rewrapped += changed
            result.skipped += len(updates) - changed
            done += len(updates)
            if progress:
                progress(done, max(total, done))
        if seen == 0:
            break
    result.resealed, skipped = _reseal_secrets(engine, keyring, target)
    result.skipped += skipped
    resealed, skipped = _reseal_values(engine, keyring, target)
    result.resealed += resealed
    result.skipped += skipped
    result.seconds = (dt.datetime.now(dt.UTC) - started).total_seconds()
    return result


def _rewrap(keyring, key_id, member_id, scope, wrapped, old, target):
    """One row's rewrap (a seam: tests make it fail in the middle of a batch)."""
    return rewrap_data_key(keyring, key_id, member_id, scope, wrapped, old, target)


def _write_batch(engine: sa.Engine, updates: list[tuple]) -> int:
    changed = 0
    text = _p(engine, _UPDATE)
    with raw_write(engine) as conn:
        for params in updates:
            changed += max(conn.exec_driver_sql(text, params).rowcount, 0)
    return changed


def _reseal_secrets(engine: sa.Engine, keyring, target: int) -> tuple[int, int]:
    resealed = skipped = 0
    for staff_id, sealed in _read(engine, _SECRETS):
        if _box_version(sealed) >= target:
            continue
        aad = _totp_aad(staff_id)
        fresh = seal_b64(keyring, PURPOSE, open_sealed_b64(keyring, PURPOSE, sealed, aad), aad)
        with raw_write(engine) as conn:
            n = conn.exec_driver_sql(_p(engine, _RESEAL), (fresh, staff_id, sealed)).rowcount
        if n == 1:
            resealed += 1
        else:
            skipped += 1  # re-enrolled meanwhile: the new box already uses the active key
    return resealed, skipped


def _reseal_values(engine: sa.Engine, keyring, target: int) -> tuple[int, int]:
    """Reseal every registered column's values under ``target``, each row with an optimistic
    ``UPDATE ... WHERE id = ? AND column = <the box we read>`` (a value used or wiped meanwhile
    is left alone)."""
    resealed = skipped = 0
    for col in sealed_columns():
        select = f"SELECT {col.id_column}, {col.column} FROM {col.table} "  # noqa: S608
        update = (f"UPDATE {col.table} SET {col.column} = ? "  # noqa: S608 - registered names
                  f"WHERE {col.id_column} = ? AND {col.column} = ?")
        for row_id, sealed in _read(engine, select + f"WHERE {col.column} IS NOT NULL"):
            box = bytes(sealed)
            if key_version_of(box) >= target:
                continue
            aad = col.aad(row_id)
            try:
                fresh = seal(keyring, PURPOSE, open_sealed(keyring, PURPOSE, box, aad), aad)
            except (ConfigError, StorageError):
                skipped += 1  # its version is gone already, or it is damaged: nothing to keep
                continue
            with raw_write(engine) as conn:
                n = conn.exec_driver_sql(_p(engine, update), (fresh, row_id, box)).rowcount
            resealed, skipped = (resealed + 1, skipped) if n == 1 else (resealed, skipped + 1)
    return resealed, skipped


def _box_version(sealed_b64: str) -> int:
    import base64
    import binascii

    try:
        return key_version_of(base64.b64decode(sealed_b64.encode("ascii"), validate=True))
    except (binascii.Error, UnicodeEncodeError):
        raise StorageError("a sealed staff secret is not valid base64; it is damaged") from None


def kek_usage(yk, conn=None) -> dict[int, dict[str, int]]:
    """{kek version: {"data_keys": n, "staff_secrets": n, "sealed_values": n}} for rows that
    still need it (``sealed_values``: the registered columns, ``register_sealed``).

    Every version in the keyring appears (with zeros if unused); a version used by rows but
    missing from the keyring appears too (those rows are already undecryptable).
    """
    def zero() -> dict[str, int]:
        return {"data_keys": 0, "staff_secrets": 0, "sealed_values": 0}

    usage: dict[int, dict[str, int]] = {v: zero() for v in yk.keyring.versions(PURPOSE)}

    def run(text):
        if conn is not None:
            return conn.exec_driver_sql(_p(yk.engine, text)).fetchall()
        return _read(yk.engine, text)

    for version, n in run(_USAGE):
        usage.setdefault(int(version), zero())["data_keys"] = n
    for _, sealed in run(_SECRETS):
        usage.setdefault(_box_version(sealed), zero())["staff_secrets"] += 1
    for col in sealed_columns():
        for (sealed,) in run(f"SELECT {col.column} FROM {col.table} "  # noqa: S608
                             f"WHERE {col.column} IS NOT NULL"):
            usage.setdefault(key_version_of(bytes(sealed)), zero())["sealed_values"] += 1
    return dict(sorted(usage.items()))


def retire_kek(yk, version: int) -> None:
    """Destroy KEK ``version`` once nothing uses it: after this, any copy of a data key or a
    secret wrapped under it (backup, dead tuple, WAL) is undecryptable with the keyring.

    Refuses (``Conflict``) the active version, and any version a data key or sealed secret
    still uses (finish with ``rewrap_pending``); ``NotFound`` if the keyring lacks it. The count
    and the destruction happen under a write lock, so no writer adds a row under it meanwhile.
    """
    version = int(version)
    keyring = yk.keyring
    if version not in keyring.versions(PURPOSE):
        raise NotFound(f"the keyring has no KEK version {version}",
                       fix="list the versions with `yaksok keys status`")
    if version == keyring.active(PURPOSE)[0]:
        raise Conflict(f"KEK version {version} is the active one; rotate first",
                       fix="run `yaksok keys rotate`, then retire the old version")
    engine = yk.engine
    with raw_write(engine) as conn:
        if engine.dialect.name != "sqlite":
            # Blocks inserts and updates of both tables until we commit (SQLite: BEGIN
            # IMMEDIATE already holds the database's write lock).
            tables = ", ".join(["data_keys", "staff_accounts",
                                *sorted({c.table for c in sealed_columns()})])
            conn.exec_driver_sql(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")
        counts = kek_usage(yk, conn).get(version, {})
        if any(counts.values()):
            raise Conflict(
                f"KEK version {version} still protects {counts['data_keys']} data keys, "
                f"{counts['staff_secrets']} staff secrets and {counts['sealed_values']} sealed "
                "values; refusing to destroy it",
                fix="run `yaksok keys rotate --resume` to rewrap them, then retire again")
        keyring.destroy(PURPOSE, version)
