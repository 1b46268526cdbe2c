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
   resealed the same way, and so is every column of KEK-sealed values the wiring registered
   (``SealedRegistry``: live one-time codes, the sealed address of a farewell email), so a
   retirement never makes a message that is still to be sent unopenable. A crash, or Ctrl-C,
   loses nothing: run it again and it continues.
The data keys are the vault's (``Vault.rewrap_data_keys``: they never leave it); this workflow
sits above it.

3. ``retire_kek(yk, version)`` counts, under a write lock, every row still using ``version``;
   if none, it destroys the version in the keyring (``Keyring.destroy``) before releasing it.
   A backup, a PostgreSQL dead tuple or a WAL segment still holding a data key wrapped under
   it (for example an erased member's) can then no longer be unwrapped with the keyring.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import sqlalchemy as sa

from yaksok.crypto.secretbox import (
    SealedColumn,
    key_version_of,
    open_sealed,
    open_sealed_b64,
    seal,
    seal_b64,
)
from yaksok.errors import ConfigError, Conflict, NotFound, StorageError
from yaksok.services import Services
from yaksok.store.sql import raw_write, sql, storage_errors
from yaksok.vault import DOOR_TABLES

__all__ = ["RotationResult", "RotationServices", "SealedRegistry", "rotate_kek",
           "rewrap_pending", "retire_kek", "kek_usage", "PURPOSE"]

PURPOSE = "kek"
#: ``progress(done, total)`` after every batch (``total``: rows pending when the walk began).
Progress = Callable[[int, int], None]


class SealedRegistry:
    """The columns of KEK-sealed values of one running yaksok, registered by the wiring."""

    def __init__(self) -> None:
        self._columns: dict[str, SealedColumn] = {}

    def register(self, column: SealedColumn) -> None:
        """Register (or replace) a column for rotation and retirement (not of a door table:
        what the vault seals, it rewraps itself)."""
        if column.table in DOOR_TABLES:
            raise ValueError(f"{column.table} is the vault's; it is not rewrapped from outside")
        self._columns[f"{column.table}.{column.column}"] = column

    def columns(self) -> list[SealedColumn]:
        return list(self._columns.values())


class RotationServices(Services, Protocol):
    """What a key rotation needs of a running yaksok: the services and the sealed columns."""

    sealed: SealedRegistry


@dataclass
class RotationResult:
    """What a rotation (or a resumed one) did."""

    kek_version: int                      # the active version everything is now wrapped under
    previous: list[int] = field(default_factory=list)  # older versions still in the keyring
    rewrapped: int = 0                    # data keys rewrapped by this run
    resealed: int = 0                     # sealed secrets and values resealed by this run
    skipped: int = 0                      # rows changed meanwhile (erased, or rewrapped)
    retired: list[int] = field(default_factory=list)  # versions destroyed afterwards
    seconds: float = 0.0


def _read(engine: sa.Engine, text: str, params=()) -> list:
    with storage_errors(engine), engine.connect() as conn:
        return list(conn.exec_driver_sql(sql(conn, text), params).fetchall())


def rotate_kek(yk: RotationServices, *, batch: int = 500,
               progress: Progress | None = None) -> RotationResult:
    """Add a KEK version, make it active, and rewrap every data key and sealed secret under it.

    Online: reads and writes continue meanwhile (each batch is its own short transaction).
    Returns a ``RotationResult``; older versions stay in the keyring until ``retire_kek``.
    """
    yk.keyring.rotate(PURPOSE)
    return rewrap_pending(yk, batch=batch, progress=progress)


def rewrap_pending(yk: RotationServices, *, batch: int = 500,
                   progress: Progress | None = None) -> RotationResult:
    """Rewrap whatever is still under an older KEK version than the active one (resumes an
    interrupted ``rotate_kek``; does nothing if everything is current)."""
    if batch < 1:
        raise ValueError("batch must be at least 1")
    started = dt.datetime.now(dt.UTC)
    keyring = yk.keyring
    target = keyring.active(PURPOSE)[0]
    result = RotationResult(kek_version=target,
                            previous=[v for v in keyring.versions(PURPOSE) if v != target])
    result.rewrapped, result.skipped = yk.vault.rewrap_data_keys(target, batch=batch,
                                                                 progress=progress)
    result.resealed, result.skipped = _reseal_values(yk, target, result.skipped)
    result.seconds = (dt.datetime.now(dt.UTC) - started).total_seconds()
    return result


def _version(col: SealedColumn, sealed) -> int:
    if col.encoding == "base64":
        try:
            return key_version_of(base64.b64decode(str(sealed).encode("ascii"), validate=True))
        except (binascii.Error, UnicodeEncodeError):
            raise StorageError(f"a sealed value of {col.table}.{col.column} is not valid "
                               "base64; it is damaged") from None
    return key_version_of(bytes(sealed))


def _reseal_one(keyring, col: SealedColumn, sealed, aad: bytes):
    if col.encoding == "base64":
        return seal_b64(keyring, PURPOSE, open_sealed_b64(keyring, PURPOSE, sealed, aad), aad)
    return seal(keyring, PURPOSE, open_sealed(keyring, PURPOSE, bytes(sealed), aad), aad)


def _reseal_values(yk: RotationServices, target: int, skipped: int) -> tuple[int, int]:
    """Reseal every registered column's values under ``target``, each row with an optimistic
    ``UPDATE ... WHERE id = ? AND column = <the box we read>`` (a value used, re-enrolled or
    wiped meanwhile is left alone)."""
    engine, keyring = yk.engine, yk.keyring
    resealed = 0
    for col in yk.sealed.columns():
        select = f"SELECT {col.id_column}, {col.column} FROM {col.table} "  # noqa: S608
        update = (f"UPDATE {col.table} SET {col.column} = ? "  # noqa: S608 - registered names
                  f"WHERE {col.id_column} = ? AND {col.column} = ?")
        for row_id, sealed in _read(engine, select + f"WHERE {col.column} IS NOT NULL"):
            box = sealed if col.encoding == "base64" else bytes(sealed)
            if _version(col, box) >= target:
                continue
            try:
                fresh = _reseal_one(keyring, col, box, col.aad(row_id))
            except (ConfigError, StorageError):
                skipped += 1  # its version is gone already, or it is damaged: nothing to keep
                continue
            with raw_write(engine) as conn:
                n = conn.exec_driver_sql(sql(conn, update), (fresh, row_id, box)).rowcount
            resealed, skipped = (resealed + 1, skipped) if n == 1 else (resealed, skipped + 1)
    return resealed, skipped


def kek_usage(yk: RotationServices, conn=None) -> dict[int, dict[str, int]]:
    """{kek version: {"data_keys": n, "sealed_values": n}} for rows that still need it
    (``sealed_values``: the registered columns, staff TOTP secrets among them).

    Every version in the keyring appears (with zeros if unused); a version used by rows but
    missing from the keyring appears too (those rows are already undecryptable).
    """
    def zero() -> dict[str, int]:
        return {"data_keys": 0, "sealed_values": 0}

    usage: dict[int, dict[str, int]] = {v: zero() for v in yk.keyring.versions(PURPOSE)}

    def run(text):
        if conn is not None:
            return conn.exec_driver_sql(sql(conn, text)).fetchall()
        return _read(yk.engine, text)

    for version, n in yk.vault.data_key_usage(conn).items():
        usage.setdefault(version, zero())["data_keys"] = n
    for col in yk.sealed.columns():
        for (sealed,) in run(f"SELECT {col.column} FROM {col.table} "  # noqa: S608
                             f"WHERE {col.column} IS NOT NULL"):
            usage.setdefault(_version(col, sealed), zero())["sealed_values"] += 1
    return dict(sorted(usage.items()))


def retire_kek(yk: RotationServices, version: int) -> None:
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
    with raw_write(yk.engine) as conn:
        yk.vault.lock_keys_for_retirement(conn, {c.table for c in yk.sealed.columns()})
        counts = kek_usage(yk, conn).get(version, {})
        if any(counts.values()):
            raise Conflict(
                f"KEK version {version} still protects {counts['data_keys']} data keys and "
                f"{counts['sealed_values']} sealed values (staff secrets, codes, addresses); "
                "refusing to destroy it",
                fix="run `yaksok keys rotate --resume` to rewrap them, then retire again")
        keyring.destroy(PURPOSE, version)
