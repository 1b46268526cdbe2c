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

The blind indexes follow the same three steps with the ``index`` key (``rotate_index``,
``reindex_pending``, ``retire_index``): every blind is remade from its value under the new
version (``Vault.reindex_blinds``), then the old version is destroyed — so an erased member's
blinds in a backup or WAL (HMACs of low-entropy values such as phone numbers) can no longer be
matched by hashing every candidate under today's keys. ``yaksok keys rotate`` does both.
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

__all__ = ["IndexResult", "RotationResult", "RotationServices", "SealedRegistry", "rotate_kek",
           "rewrap_pending", "retire_kek", "kek_usage", "PURPOSE", "INDEX", "rotate_index",
           "reindex_pending", "retire_index", "index_usage"]

PURPOSE = "kek"
INDEX = "index"
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
    sealed_passwords: int = 0             # plain password hashes sealed by this run
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
    # Old rows' plain password hashes too: backups made from now on hold none to crack.
    result.sealed_passwords = yk.vault.seal_plain_passwords(batch=batch)
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


# -- the index key: blinds remade, then the old version destroyed ----------------------------------


@dataclass
class IndexResult:
    """What an index-key rotation (or a resumed one) did."""

    index_version: int                    # the active version every blind is now made under
    previous: list[int] = field(default_factory=list)  # older versions still in the keyring
    remade: int = 0                       # blinds remade by this run
    skipped: int = 0                      # values changed meanwhile (their writer remade them)
    seconds: float = 0.0


def rotate_index(yk: RotationServices, *, batch: int = 500,
                 progress: Progress | None = None) -> IndexResult:
    """Add an index-key version, make it active, and remake every blind under it, online."""
    yk.keyring.rotate(INDEX)
    return reindex_pending(yk, batch=batch, progress=progress)


def reindex_pending(yk: RotationServices, *, batch: int = 500,
                    progress: Progress | None = None) -> IndexResult:
    """Remake whatever blind is not made under the active index version (resumes an
    interrupted ``rotate_index``; does nothing if everything is current)."""
    if batch < 1:
        raise ValueError("batch must be at least 1")
    started = dt.datetime.now(dt.UTC)
    target = yk.keyring.active(INDEX)[0]
    result = IndexResult(target, [v for v in yk.keyring.versions(INDEX) if v != target])
    result.remade, result.skipped = yk.vault.reindex_blinds(target, batch=batch,
                                                            progress=progress)
    result.seconds = (dt.datetime.now(dt.UTC) - started).total_seconds()
    return result


def index_usage(yk: RotationServices) -> dict[int | None, int]:
    """{index version (None: not recorded): live blinds made under it}."""
    return yk.vault.blind_usage()


_LIVE_CODES = ("SELECT COUNT(*) FROM verification_codes WHERE mac_version = ? "
               "AND used_at IS NULL AND expires_at > ?")


def retire_index(yk: RotationServices, version: int) -> None:
    """Destroy index version ``version`` once no blind is (or may be) made under it and no live
    one-time code is MAC'd under it: after this, a blind copied anywhere before links to nothing.

    Refuses (``Conflict``) the active version, and while blinds remain under it or unrecorded
    (finish with ``reindex_pending``) or a live code uses it (codes live 10 minutes);
    ``NotFound`` if the keyring lacks it. Counted and destroyed under a write lock.
    """
    from yaksok.store.sql import to_db

    version = int(version)
    keyring = yk.keyring
    if version not in keyring.versions(INDEX):
        raise NotFound(f"the keyring has no index version {version}",
                       fix="list the versions with `yaksok keys status`")
    if version == keyring.active(INDEX)[0]:
        raise Conflict(f"index version {version} is the active one; rotate first",
                       fix="run `yaksok keys rotate`, then retire the old version")
    with raw_write(yk.engine) as conn:
        yk.vault.lock_blinds_for_retirement(conn, ("verification_codes",))
        usage = yk.vault.blind_usage(conn)
        blinds = usage.get(version, 0) + usage.get(None, 0)
        if blinds:
            raise Conflict(f"{blinds} blind indexes may still be made under index version "
                           f"{version}; refusing to destroy it",
                           fix="run `yaksok keys rotate --resume` to remake them, then retire "
                               "again")
        now = to_db(conn.dialect.name == "sqlite", dt.datetime.now(dt.UTC))
        codes = conn.exec_driver_sql(sql(conn, _LIVE_CODES), (version, now)).scalar()
        if codes:
            raise Conflict(f"{codes} live one-time codes are checked under index version "
                           f"{version}; refusing to destroy it",
                           fix="retire it again in 10 minutes, when they have expired")
        keyring.destroy(INDEX, version)
    yk.vault.blind.forget(version)
